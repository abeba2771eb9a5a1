"""Notification fixtures: a migrated database (SQLite and PostgreSQL) and the real ACTION pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.actions.wiring import ActionServices, build_action_services
from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.storage.repositories.notifications import NotificationRepository
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.services import build_tool_services
from tests.integration.notifications.support import Driver, FileMessenger, run_tool

OWNER = 5550001
OTHER_OWNER = 5550002
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@dataclass
class Ntf:
    services: ActionServices
    driver: Driver
    repository: NotificationRepository
    messenger: FileMessenger
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]

    async def status(self, actor: int = OWNER) -> ToolResponse:
        pipeline = self.services.pipeline
        tool_services = build_tool_services(self.settings, self.session_factory)
        return await run_tool(
            pipeline.registry,
            self.services.provider_for(),
            self.settings,
            tool_services,
            "ntf_status",
            {},
            actor=actor,
            now=NOW,
        )

    def kind(self, status: ToolResponse, kind: str) -> dict[str, Any]:
        found: dict[str, Any] = next(k for k in status.data["kinds"] if k["kind"] == kind)
        return found


@pytest.fixture(params=["sqlite", "postgresql"])
def ntf_db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def ntf_engine(ntf_db_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(ntf_db_url)
    engine = create_engine_for_url(ntf_db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def ntf(ntf_engine: AsyncEngine, make_settings: Callable[..., Settings]) -> Ntf:
    settings = make_settings(owner_ids=[OWNER, OTHER_OWNER], shop_timezone="Europe/Berlin")
    session_factory = create_session_factory(ntf_engine)
    messenger = FileMessenger()
    services = build_action_services(
        settings, ntf_engine, AuditLog(AuditRepository(session_factory)), messenger, clock=lambda: NOW
    )
    return Ntf(
        services=services,
        driver=Driver(services.pipeline, OWNER),
        repository=NotificationRepository(session_factory),
        messenger=messenger,
        settings=settings,
        session_factory=session_factory,
    )
