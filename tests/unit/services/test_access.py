"""The owner gate's decisions: owners pass, strangers are audited once per TTL per kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.config.settings import Settings
from ownerbot.services.access import AccessPolicy
from ownerbot.services.audit_log import AuditLog
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


_engines: list[AsyncEngine] = []


@pytest.fixture(autouse=True)
async def _dispose_engines() -> AsyncIterator[None]:
    yield
    while _engines:
        await _engines.pop().dispose()


async def _policy(tmp_path: Path, **kw: object) -> tuple[AccessPolicy, AuditRepository, FakeClock]:
    settings = Settings(_env_file=None, owner_ids=[1], ownerbot_data_dir=tmp_path, **kw)  # type: ignore[arg-type]
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    _engines.append(engine)
    repo = AuditRepository(create_session_factory(engine))
    clock = FakeClock()
    return AccessPolicy(settings, MemoryStateStore(clock=clock), AuditLog(repo)), repo, clock


async def test_owner_allowed_without_audit(tmp_path: Path) -> None:
    policy, repo, _ = await _policy(tmp_path)
    decision = await policy.decide(user_id=1, update_kind="message", chat_id=1, chat_type="private")
    assert decision.allowed and not decision.audited
    assert await repo.count(event_type="access_denied") == 0


async def test_stranger_audit_throttled_per_kind_and_ttl(tmp_path: Path) -> None:
    policy, repo, clock = await _policy(tmp_path, access_deny_audit_ttl_sec=60)
    kinds = ["message", "message", "callback_query", "message"]
    decisions = [await policy.decide(user_id=9, update_kind=k, chat_id=9, chat_type="private") for k in kinds]
    assert [d.allowed for d in decisions] == [False] * 4
    assert [d.audited for d in decisions] == [True, False, True, False]
    assert await repo.count(event_type="access_denied", actor_tg_id=9) == 2
    clock.now += 61
    again = await policy.decide(user_id=9, update_kind="message", chat_id=9, chat_type="private")
    assert again.audited
    assert await repo.count(event_type="access_denied", actor_tg_id=9) == 3


async def test_notify_once_only_in_private_chats(tmp_path: Path) -> None:
    policy, _, _ = await _policy(tmp_path, access_deny_notify_once=True)
    group = await policy.decide(user_id=9, update_kind="message", chat_id=-100, chat_type="group")
    first = await policy.decide(user_id=9, update_kind="message", chat_id=9, chat_type="private")
    second = await policy.decide(user_id=9, update_kind="message", chat_id=9, chat_type="private")
    assert (group.notify, first.notify, second.notify) == (False, True, False)


async def test_audit_disabled(tmp_path: Path) -> None:
    policy, repo, _ = await _policy(tmp_path, access_deny_audit_enabled=False)
    decision = await policy.decide(user_id=9, update_kind="message", chat_id=9, chat_type="private")
    assert not decision.allowed and not decision.audited
    assert await repo.count() == 0
