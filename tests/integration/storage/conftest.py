"""Storage fixtures: one empty database per test, on PostgreSQL and on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL, on each backend in turn."""
    fixture = "pg_url" if request.param == "postgresql" else "sqlite_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def migrated_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database upgraded to the newest revision."""
    await upgrade(db_url)
    engine = create_engine_for_url(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(migrated_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(migrated_engine)
