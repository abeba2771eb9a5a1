"""ActionRepository on PostgreSQL and SQLite: every state change is conditional, one winner only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.actions.canonical import canonical_json, new_token_id, payload_hash
from ownerbot.storage.repositories.actions import ActionRepository, ClaimIn, ConfirmTokenIn
from tests.integration.actions.support import T0

PAYLOAD = canonical_json({"order_id": "1001", "reason": "check"})
HASH = payload_hash(PAYLOAD)


def _token(token_id: str, **fields: object) -> ConfirmTokenIn:
    values: dict[str, object] = {
        "id": token_id,
        "action_name": "flag_order",
        "payload": PAYLOAD,
        "payload_hash": HASH,
        "actor_tg_id": 1,
        "chat_id": 1,
        "correlation_id": "cid-1",
        "locale": "ru",
        "risk": "LOW",
        "preview": {"affected_count": 1, "summary": "s"},
        "created_at": T0,
        "expires_at": T0 + timedelta(minutes=10),
        "force_required": False,
        **fields,
    }
    return ConfirmTokenIn.model_validate(values)


def _claim(token_id: str, key: str, **fields: object) -> ClaimIn:
    values: dict[str, object] = {
        "token_id": token_id,
        "payload": PAYLOAD,
        "payload_hash": HASH,
        "idempotency_key": key,
        "action_name": "flag_order",
        "actor_tg_id": 1,
        "chat_id": 1,
        "correlation_id": "cid-1",
        "forced": False,
        "worker_id": "w1",
        "now": T0 + timedelta(seconds=5),
        **fields,
    }
    return ClaimIn.model_validate(values)


async def test_concurrent_claims_have_one_winner(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = ActionRepository(session_factory)
    token_id = new_token_id()
    await repo.create_token(_token(token_id))
    results = await asyncio.gather(*(repo.claim(_claim(token_id, f"key-{n}")) for n in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    token = await repo.get_token(token_id)
    assert token is not None and token.status == "claimed"
    execution = await repo.latest_execution(token_id)
    assert execution is not None and execution.id == winners[0].id and execution.status == "in_progress"


async def test_unique_key_refuses_a_second_claim_and_rolls_back(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    repo = ActionRepository(session_factory)
    first, second = new_token_id(), new_token_id()
    await repo.create_token(_token(first))
    await repo.create_token(_token(second))
    assert await repo.claim(_claim(first, "same-key")) is not None
    assert await repo.claim(_claim(second, "same-key")) is None
    token = await repo.get_token(second)
    # The UPDATE of the losing claim was rolled back with the failed INSERT.
    assert token is not None and token.status == "previewed"


async def test_claim_rechecks_payload_hash_expiry_and_force(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    repo = ActionRepository(session_factory)
    token_id = new_token_id()
    await repo.create_token(_token(token_id))
    assert await repo.claim(_claim(token_id, "k1", payload=canonical_json({"order_id": "9"}))) is None
    assert await repo.claim(_claim(token_id, "k2", payload_hash="0" * 64)) is None
    assert await repo.claim(_claim(token_id, "k3", now=T0 + timedelta(minutes=10))) is None
    assert await repo.claim(_claim(token_id, "k4", forced=True)) is None
    token = await repo.get_token(token_id)
    assert token is not None and token.status == "previewed"
    assert await repo.claim(_claim(token_id, "k5")) is not None


async def test_bind_cancel_expire_are_one_shot(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = ActionRepository(session_factory)
    token_id = new_token_id()
    await repo.create_token(_token(token_id))
    assert await repo.bind_message(token_id, 10, T0) is True
    assert await repo.bind_message(token_id, 11, T0) is False
    found = await repo.token_for_message(1, 10)
    assert found is not None and found.id == token_id
    assert await repo.token_for_message(1, 11) is None
    assert await repo.cancel_token(token_id, T0) is True
    assert await repo.cancel_token(token_id, T0) is False
    assert await repo.expire_token(token_id, T0) is False
    assert await repo.claim(_claim(token_id, "k")) is None


async def test_finalize_release_and_recovery(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = ActionRepository(session_factory)
    token_id = new_token_id()
    await repo.create_token(_token(token_id))
    execution = await repo.claim(_claim(token_id, "k1"))
    assert execution is not None
    assert await repo.release_for_force(execution.id, token_id, "409", T0) is True
    token = await repo.get_token(token_id)
    assert token is not None and token.status == "previewed" and token.force_required is True
    assert await repo.release_for_force(execution.id, token_id, "409", T0) is False

    forced = await repo.claim(_claim(token_id, "k1:force", forced=True))
    assert forced is not None
    # Orphaned: recovery marks it unknown exactly once.
    marked = await repo.mark_unknown(started_before=T0 + timedelta(hours=1), now=T0 + timedelta(hours=1))
    assert [m.id for m in marked] == [forced.id]
    assert await repo.mark_unknown(started_before=T0 + timedelta(hours=1), now=T0) == []
    pending = await repo.unknown_without_notice()
    assert [p.id for p in pending] == [forced.id]
    assert await repo.claim_owner_notice(forced.id, T0) is True
    assert await repo.claim_owner_notice(forced.id, T0) is False
    await repo.release_owner_notice(forced.id)
    assert [p.id for p in await repo.unknown_without_notice()] == [forced.id]

    # The truth beats a guess: a late finalize overwrites unknown; a second finalize changes nothing.
    assert await repo.finalize(forced.id, token_id, "committed", T0, result={"changed_count": 1}) is True
    assert await repo.finalize(forced.id, token_id, "failed", T0) is False
    token = await repo.get_token(token_id)
    assert token is not None and token.status == "committed" and token.result == {"changed_count": 1}
