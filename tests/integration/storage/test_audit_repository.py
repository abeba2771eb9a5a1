"""Audit log and runtime settings against real databases (PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Executable, delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.storage.dto import AuditEventIn
from ownerbot.storage.engine import create_engine_for_url, create_session_factory, ping_database
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.models import AuditEvent
from ownerbot.storage.repositories import AuditRepository, RuntimeSettingsRepository

MOSCOW = timezone(timedelta(hours=3))
SECRET = "123456:AAE-bot-token-value"
OTHER_SECRET = "sk-openai-key-value"


def _event(**fields: object) -> AuditEventIn:
    return AuditEventIn.model_validate({"event_type": "ACTION_PREVIEW", **fields})


async def test_round_trip_keeps_every_field_and_utc(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    repo = AuditRepository(session_factory)
    started = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=MOSCOW)
    finished = started + timedelta(seconds=2)
    before = datetime.now(UTC)
    event_id = await repo.write(
        _event(
            event_type="ACTION_COMMIT",
            correlation_id="corr-1",
            actor_tg_id=8_000_000_001,
            action_name="bulk_reprice",
            target_system="SIS",
            payload_hash="a" * 64,
            status="committed",
            summary="Цены обновлены: 12 товаров",
            warnings=["2 товара без остатка"],
            details={"affected_count": 12, "examples": [{"sku": "X1", "before": 10, "after": 11}]},
            started_at=started,
            finished_at=finished,
        )
    )
    assert event_id > 0

    [record] = await repo.recent(limit=1)
    assert record.id == event_id
    assert record.event_type == "ACTION_COMMIT"
    assert record.correlation_id == "corr-1"
    assert record.actor_tg_id == 8_000_000_001
    assert record.action_name == "bulk_reprice"
    assert record.target_system == "SIS"
    assert record.payload_hash == "a" * 64
    assert record.status == "committed"
    assert record.summary == "Цены обновлены: 12 товаров"
    assert record.warnings == ["2 товара без остатка"]
    assert record.details == {"affected_count": 12, "examples": [{"sku": "X1", "before": 10, "after": 11}]}
    for moment in (record.started_at, record.finished_at, record.created_at):
        assert moment is not None
        assert moment.utcoffset() == timedelta(0)
    assert record.started_at == started
    assert record.finished_at == finished
    assert before - timedelta(seconds=5) <= record.created_at <= datetime.now(UTC) + timedelta(seconds=5)


async def test_defaults_for_optional_fields(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = AuditRepository(session_factory)
    await repo.write(_event(event_type="tool_call_started"))
    [record] = await repo.recent()
    assert record.warnings == []
    assert record.details == {}
    assert record.started_at is None
    assert record.summary is None


async def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _event(started_at=datetime(2025, 1, 1, 12, 0))


async def test_recent_is_newest_first_and_filters(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = AuditRepository(session_factory)
    ids = [
        await repo.write(_event(event_type="ACTION_PREVIEW", correlation_id="c1", actor_tg_id=1)),
        await repo.write(_event(event_type="ACTION_COMMIT", correlation_id="c1", actor_tg_id=1)),
        await repo.write(_event(event_type="ACTION_PREVIEW", correlation_id="c2", actor_tg_id=2)),
    ]
    assert [r.id for r in await repo.recent()] == ids[::-1]
    assert [r.id for r in await repo.recent(limit=2)] == ids[:0:-1]
    assert [r.id for r in await repo.recent(event_type="ACTION_PREVIEW")] == [ids[2], ids[0]]
    assert [r.id for r in await repo.recent(correlation_id="c1")] == [ids[1], ids[0]]
    assert [r.id for r in await repo.recent(event_type="ACTION_COMMIT", correlation_id="c2")] == []
    with pytest.raises(ValueError, match="limit"):
        await repo.recent(limit=0)

    assert await repo.count() == 3
    assert await repo.count(event_type="ACTION_PREVIEW") == 2
    assert await repo.count(actor_tg_id=1) == 2
    assert await repo.count(event_type="ACTION_PREVIEW", actor_tg_id=2) == 1
    assert await repo.count(event_type="ACTION_FAIL") == 0


async def test_audit_rows_cannot_be_updated_or_deleted(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    repo = AuditRepository(session_factory)
    event_id = await repo.write(_event(status="previewed", summary="original"))

    statements: list[Executable] = [
        text("UPDATE audit_events SET status = 'tampered'"),
        update(AuditEvent).where(AuditEvent.id == event_id).values(summary="rewritten"),
        text("DELETE FROM audit_events"),
        delete(AuditEvent).where(AuditEvent.id == event_id),
    ]
    for statement in statements:
        async with session_factory() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
                await session.commit()

    [record] = await repo.recent()
    assert (record.id, record.status, record.summary) == (event_id, "previewed", "original")


async def test_postgresql_refuses_truncate(pg_url: str) -> None:
    await upgrade(pg_url)
    engine = create_engine_for_url(pg_url)
    try:
        factory = create_session_factory(engine)
        await AuditRepository(factory).write(_event())
        async with factory() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text("TRUNCATE audit_events"))
        assert await AuditRepository(factory).count() == 1
    finally:
        await engine.dispose()


async def test_secrets_are_redacted_everywhere(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = AuditRepository(session_factory, secrets=[SECRET, OTHER_SECRET, ""])
    await repo.write(
        _event(
            summary=f"called with token {SECRET}",
            warnings=[f"upstream said: bad key {OTHER_SECRET}", "harmless"],
            details={
                "headers": {"Authorization": f"Bearer {OTHER_SECRET}"},
                "attempts": [{"url": f"https://api.telegram.org/bot{SECRET}/getMe"}, 3, None, True],
                SECRET: "secret used as a key",
                "count": 7,
            },
        )
    )
    [record] = await repo.recent()
    stored = record.model_dump_json()
    assert SECRET not in stored
    assert OTHER_SECRET not in stored
    assert record.summary == "called with token ***"
    assert record.warnings == ["upstream said: bad key ***", "harmless"]
    assert record.details == {
        "headers": {"Authorization": "Bearer ***"},
        "attempts": [{"url": "https://api.telegram.org/bot***/getMe"}, 3, None, True],
        "***": "secret used as a key",
        "count": 7,
    }


async def test_runtime_settings_upsert(session_factory: async_sessionmaker[AsyncSession]) -> None:
    repo = RuntimeSettingsRepository(session_factory)
    assert await repo.get("upstream_mode") is None
    assert await repo.all() == {}

    await repo.set("upstream_mode", "DEMO", updated_by=1)
    assert await repo.get("upstream_mode") == "DEMO"
    first = await repo.get_record("upstream_mode")
    assert first is not None and first.updated_by == 1
    assert first.updated_at.utcoffset() == timedelta(0)

    await repo.set("upstream_mode", "SIS_HTTP", updated_by=2)
    await repo.set("notify", {"quiet_hours": [22, 8], "enabled": True})
    assert await repo.get("upstream_mode") == "SIS_HTTP"
    second = await repo.get_record("upstream_mode")
    assert second is not None and second.updated_by == 2
    assert second.updated_at >= first.updated_at
    assert await repo.all() == {
        "upstream_mode": "SIS_HTTP",
        "notify": {"quiet_hours": [22, 8], "enabled": True},
    }
    assert await repo.get_record("missing") is None


async def test_ping_database(migrated_engine: AsyncEngine) -> None:
    latency = await ping_database(migrated_engine)
    assert latency >= 0
