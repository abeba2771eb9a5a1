"""Migration 0005 (notifications): a schema equal to `notification_models`, down and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import downgrade, upgrade
from ownerbot.storage.models import Base
from ownerbot.storage.notification_models import (
    NotificationDelivery,
    NotificationEscalation,
    NotificationSetting,
)

TABLES = {
    model.__tablename__ for model in (NotificationSetting, NotificationEscalation, NotificationDelivery)
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, Base.metadata) if any(t in repr(diff) for t in TABLES)]


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_notification_revision_matches_models_and_downgrades(empty_url: str) -> None:
    await upgrade(empty_url, "0005")
    engine = create_engine_for_url(empty_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) >= TABLES
        await downgrade(empty_url, "0004")
        async with engine.connect() as connection:
            assert not TABLES & await connection.run_sync(_tables)
        await upgrade(empty_url, "0005")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) >= TABLES
    finally:
        await engine.dispose()
