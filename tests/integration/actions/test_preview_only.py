"""`preview_only` previews (PRC_FX_PREVIEW «нужно ли обновлять цены?»): a dry run audited as a preview,
with no confirm token stored, so no press — not even one naming a forged token — can claim anything."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.actions.canonical import new_token_id
from ownerbot.actions.outcomes import ConfirmStatus, PreviewStatus
from ownerbot.storage.action_models import ActionConfirmToken
from tests.integration.actions.conftest import Harness
from tests.integration.actions.support import execution_statuses, flag_rows


async def _token_count(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(ActionConfirmToken)) or 0)


async def test_preview_only_stores_no_token_and_is_audited_as_a_preview(harness: Harness) -> None:
    h = harness
    payload = {"order_id": h.order_ids[0], "reason": "r"}
    outcome = await h.preview("flag_order", payload, preview_only=True)
    assert outcome.status is PreviewStatus.PREVIEW_ONLY, outcome
    assert outcome.preview is not None and outcome.preview.affected_count == 1
    assert outcome.token_id is None and outcome.expires_at is None and outcome.payload_hash
    assert await _token_count(h.session_factory) == 0

    previews = await h.audit.recent(event_type="ACTION_PREVIEW")
    assert len(previews) == 1
    assert previews[0].status == "preview_only" and previews[0].details["token"] is None
    assert previews[0].payload_hash == outcome.payload_hash

    # The same request without the flag is an ordinary, confirmable preview.
    ready = await h.preview("flag_order", payload)
    assert ready.status is PreviewStatus.READY and ready.token_id is not None
    assert await _token_count(h.session_factory) == 1


async def test_noop_stays_noop_when_only_previewing(harness: Harness) -> None:
    h = harness
    outcome = await h.preview("probe_action", {"noop": True}, preview_only=True)
    assert outcome.status is PreviewStatus.NOOP and outcome.token_id is None
    assert await _token_count(h.session_factory) == 0


async def test_forged_confirm_after_a_preview_only_is_refused(harness: Harness) -> None:
    h = harness
    outcome = await h.preview("flag_order", {"order_id": h.order_ids[0], "reason": "r"}, preview_only=True)
    assert outcome.status is PreviewStatus.PREVIEW_ONLY and outcome.payload_hash is not None
    # Whatever a forger names — a fresh-looking token, the payload hash, the correlation id — nothing
    # exists to claim: each press is refused and audited as tamper, and nothing is flagged.
    forged = [new_token_id(), outcome.payload_hash[:32], outcome.correlation_id[:64]]
    for token in forged:
        decision, result = await h.pipeline.confirm_and_execute(h.press(token))
        assert decision.status is ConfirmStatus.TAMPERED and decision.claim is None and result is None
        assert decision.reason in {"unknown_token", "malformed_token"}
        forced, _ = await h.pipeline.confirm_and_execute(h.press(token, force=True))
        assert forced.status is ConfirmStatus.TAMPERED
    assert await h.audit_count("ACTION_TAMPER") == 2 * len(forged)
    assert await execution_statuses(h.session_factory) == []
    assert not any(flagged for flagged, _ in (await flag_rows(h.session_factory)).values())
    assert await _token_count(h.session_factory) == 0
