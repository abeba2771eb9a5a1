"""Event ingestion status in `/systems` (diagnostics + presenter) and in `sys_health`.

A real pull loop tick against the running simulator fills OwnerBot's database (PostgreSQL and SQLite);
the status must then show the stored rows, the cursor, the last *successful* pull (a failed tick leaves
it as it was) and the pull/push switches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.bot.presenters.status import systems_text
from ownerbot.config.settings import Settings
from ownerbot.services.diagnostics import collect_diagnostics
from ownerbot.services.sis_capabilities import CAPABILITIES_SERVICE_KEY, CapabilityService
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.tools.contract import Actor, Tenant, ToolRequest
from ownerbot.tools.read.system import SPECS
from ownerbot.tools.read.system.common import DATABASE_ENGINE_SERVICE, STATE_STORE_SERVICE
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.event_ingestion import EventPullLoop, ingestion_status
from ownerbot.upstream.sis.events import EventIngestor, EventSink
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin
from tests.integration.sis_sim.conftest import admin as admin  # the fixture, shared

PUSH_SECRET = "push-secret-for-status-0123456789"


async def sys_health(settings: Settings, engine: AsyncEngine) -> dict[str, Any]:
    state = MemoryStateStore()
    runner = ToolRunner(
        ToolRegistry(SPECS),
        provider_for=lambda: None,  # type: ignore[arg-type,return-value]  # system tools never ask it
        audit=None,
        services={
            CAPABILITIES_SERVICE_KEY: CapabilityService(settings, state),
            STATE_STORE_SERVICE: state,
            DATABASE_ENGINE_SERVICE: engine,
        },
    )
    response = await runner.run(
        ToolRequest(
            tool="sys_health", correlation_id="c-status", actor=Actor(owner_user_id=1), tenant=Tenant()
        )
    )
    assert response.status == "ok", response.error
    assert response.data is not None
    return response.data


async def test_status_shows_rows_cursor_last_successful_pull_and_switches(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    admin: SimAdmin,
    db_url: str,
    session_factory: Any,
) -> None:
    settings = make_settings(
        database_url=db_url,
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
        sis_events_push_secret=PUSH_SECRET,
        sis_events_push_listen="127.0.0.1:0",
    )
    before = await ingestion_status(settings, session_factory)
    assert before.model_dump() == {
        "pull_configured": True,
        "push_enabled": True,
        "events_stored": 0,
        "cursor_present": False,
        "last_pull_at": None,
    }

    repository = SisEventRepository(session_factory)
    ingestor = EventIngestor(make_client(), EventSink(repository), page_limit=1000, max_pages=100)
    loop = EventPullLoop(ingestor, on_success=repository.mark_pulled)
    started = datetime.now(UTC)
    report = await loop.tick()
    assert report is not None and report.stored > 0 and not report.more
    pulled = await ingestion_status(settings, session_factory)
    assert pulled.events_stored == report.stored == await repository.count()
    assert pulled.cursor_present
    assert pulled.last_pull_at is not None and started <= pulled.last_pull_at <= datetime.now(UTC)

    await admin.faults(auth_status=403)  # SIS refuses: the tick fails, the last success stays
    assert await loop.tick() is None
    assert await ingestion_status(settings, session_factory) == pulled
    await admin.faults()

    engine = create_engine_for_url(db_url)
    try:
        diagnostics = await collect_diagnostics(settings, engine, MemoryStateStore())
        assert diagnostics.sis_events == pulled
        stamp = pulled.last_pull_at.strftime("%Y-%m-%d %H:%M UTC")
        en = systems_text(diagnostics, "en")
        assert (
            f"SIS events: {pulled.events_stored} stored · last successful pull {stamp} · cursor present"
            " · pull on · push on" in en
        )
        assert f"События SIS: сохранено {pulled.events_stored}" in systems_text(diagnostics, "ru")
        assert PUSH_SECRET not in en

        health = await sys_health(settings, engine)
        assert health["sis_events"] == pulled.model_dump(mode="json")
    finally:
        await engine.dispose()


async def test_status_without_pull_push_or_events_table(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'not-migrated.sqlite3'}"
    settings = make_settings(database_url=url)
    engine = create_engine_for_url(url)
    try:
        diagnostics = await collect_diagnostics(settings, engine, MemoryStateStore())
        assert diagnostics.database.reachable and diagnostics.sis_events is None
        assert "SIS events: status unavailable" in systems_text(diagnostics, "en")
        assert (await sys_health(settings, engine))["sis_events"] is None
    finally:
        await engine.dispose()


async def test_status_off_switches_on_a_migrated_database(
    make_settings: Callable[..., Settings], db_url: str, session_factory: Any
) -> None:
    status = await ingestion_status(make_settings(database_url=db_url), session_factory)
    assert not status.pull_configured and not status.push_enabled
    assert status.events_stored == 0 and status.last_pull_at is None
