"""Migration stairway: every revision upgrades, downgrades and upgrades again on an empty database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    upgrade,
)

APP_TABLES = {"audit_events", "runtime_settings"}


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(_table_names)


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_for_url(db_url)
    yield engine
    await engine.dispose()


async def test_upgrade_downgrade_upgrade(db_url: str, engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None
    assert await is_up_to_date(engine) is False

    await upgrade(db_url)
    assert await _tables(engine) >= APP_TABLES
    assert await current_revision(engine) == head_revision()
    assert await is_up_to_date(engine) is True

    await downgrade(db_url, "base")
    assert not APP_TABLES & await _tables(engine)
    assert await current_revision(engine) is None
    assert await is_up_to_date(engine) is False

    await upgrade(db_url)
    assert await _tables(engine) >= APP_TABLES
    assert await is_up_to_date(engine) is True


async def test_stairway_each_revision(db_url: str, engine: AsyncEngine) -> None:
    revisions = _revisions_oldest_first()
    assert revisions[-1] == head_revision()
    previous = "base"
    for revision in revisions:
        await upgrade(db_url, revision)
        await downgrade(db_url, previous)
        await upgrade(db_url, revision)
        assert await current_revision(engine) == revision
        previous = revision


async def test_upgrade_is_idempotent(db_url: str, engine: AsyncEngine) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    assert await is_up_to_date(engine) is True


async def test_alembic_leaves_logging_alone_and_logs_no_url(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with caplog.at_level(logging.DEBUG):
        await upgrade(db_url)
        await downgrade(db_url, "base")
    assert root.handlers == handlers
    assert root.level == level
    assert db_url not in caplog.text
    assert not logging.getLogger("sqlalchemy.engine").disabled
