"""Migration 0002 (the demo shop): upgrade, downgrade, upgrade again, and a schema equal to the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import current_revision, downgrade, upgrade
from ownerbot.storage.models import Base
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES

DEMO_TABLE_NAMES = {table.name for table in DEMO_TABLES}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_for_url(empty_url)
    yield engine
    await engine.dispose()


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _demo_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, Base.metadata)

    def touches_demo(diff: Any) -> bool:
        text = repr(diff)
        return any(name in text for name in DEMO_TABLE_NAMES)

    return [diff for diff in differences if touches_demo(diff)]


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(_table_names)


async def test_demo_revision_upgrades_downgrades_and_upgrades_again(
    empty_url: str, engine: AsyncEngine
) -> None:
    assert len(DEMO_TABLE_NAMES) == 21
    await upgrade(empty_url, "0002")
    assert await _tables(engine) >= DEMO_TABLE_NAMES
    assert await current_revision(engine) == "0002"

    await downgrade(empty_url, "0001")
    tables = await _tables(engine)
    assert not tables & DEMO_TABLE_NAMES
    assert {"audit_events", "runtime_settings"} <= tables
    assert await current_revision(engine) == "0001"

    await upgrade(empty_url, "0002")
    assert await _tables(engine) >= DEMO_TABLE_NAMES


async def test_demo_schema_matches_the_models(empty_url: str, engine: AsyncEngine) -> None:
    await upgrade(empty_url, "0002")
    async with engine.connect() as connection:
        assert await connection.run_sync(_demo_differences) == []
