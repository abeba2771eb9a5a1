"""Migration 0006 (SIS events): a schema equal to `event_models`, down (cursor dropped too) and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import downgrade, upgrade
from ownerbot.storage.models import Base
from ownerbot.storage.repositories.runtime_settings import RuntimeSettingsRepository
from ownerbot.storage.repositories.sis_events import SisEventRepository


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, Base.metadata) if "sis_events" in repr(diff)]


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_events_revision_matches_models_and_downgrades(empty_url: str) -> None:
    await upgrade(empty_url, "0006")
    engine = create_engine_for_url(empty_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert "sis_events" in await connection.run_sync(_tables)
        factory = create_session_factory(engine)
        await SisEventRepository(factory).store([], channel="pull", cursor="c-9")
        await RuntimeSettingsRepository(factory).set("upstream_mode", "DEMO")
        await downgrade(empty_url, "0005")
        async with engine.connect() as connection:
            assert "sis_events" not in await connection.run_sync(_tables)
        assert await RuntimeSettingsRepository(factory).all() == {"upstream_mode": "DEMO"}
        await upgrade(empty_url, "0006")
        assert await SisEventRepository(factory).cursor() is None
        assert await SisEventRepository(factory).count() == 0
    finally:
        await engine.dispose()
