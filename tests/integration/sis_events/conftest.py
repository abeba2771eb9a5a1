"""SIS events fixtures: an OwnerBot database per backend (PostgreSQL and SQLite), the simulator, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.upstream.sis.events import EventSink

# The simulator fixtures (`sim`, `make_client`, ...), shared rather than copied.
from tests.integration.sis_sim.conftest import (  # noqa: F401
    make_client,
    sim,
    sim_config,
    sim_db_url,
    sim_template,
)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """OwnerBot's own (empty) database, on each backend in turn."""
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def session_factory(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade(db_url)
    engine = create_engine_for_url(db_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def repository(session_factory: async_sessionmaker[AsyncSession]) -> SisEventRepository:
    return SisEventRepository(session_factory)


@pytest.fixture
def sink(repository: SisEventRepository) -> EventSink:
    return EventSink(repository)


T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def envelope(
    event_id: str,
    name: str,
    at: datetime,
    *,
    subject: tuple[str, str] = ("order", "1"),
    target: tuple[str, str] | None = None,
    action: str | None = None,
    **properties: Any,
) -> dict[str, Any]:
    """A contract envelope (§5) as SIS would send it."""
    event: dict[str, Any] = {
        "event_id": event_id,
        "event_name": name,
        "schema_version": 1,
        "occurred_at": at.isoformat(),
        "business_id": "1",
        "subject_type": subject[0],
        "subject_id": subject[1],
        "context": {},
        "properties": properties,
    }
    if target is not None:
        event["target_type"], event["target_id"] = target
    if action is not None:
        event["action"] = action
    return event


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
