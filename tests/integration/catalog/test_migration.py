"""Migration 0004 (catalog operations): down and up again, and a schema equal to `catalog_models`."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from ownerbot.storage.catalog_models import (
    CatalogBasePrice,
    CatalogFxSettings,
    CatalogIdempotencyRecord,
    CatalogPriceBackup,
    CatalogPriceJob,
)
from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import current_revision, downgrade, head_revision, upgrade
from ownerbot.storage.models import Base
from tests.conftest import SeededDemo

CATALOG_TABLES = {
    model.__tablename__
    for model in (
        CatalogPriceJob,
        CatalogPriceBackup,
        CatalogBasePrice,
        CatalogFxSettings,
        CatalogIdempotencyRecord,
    )
}


def _catalog_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        if any(t in repr(diff) for t in CATALOG_TABLES)
    ]


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_catalog_revision_matches_the_models_and_downgrades(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine_for_url(db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_catalog_differences) == []
            assert await connection.run_sync(_tables) >= CATALOG_TABLES
        await downgrade(db_url, "0003")
        async with engine.connect() as connection:
            assert not CATALOG_TABLES & await connection.run_sync(_tables)
        await upgrade(db_url)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_clear_catalog_state_forgets_jobs(seeded_demo: SeededDemo) -> None:
    from decimal import Decimal

    from ownerbot.upstream.catalog import BumpParams
    from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions, clear_catalog_state

    ops = DemoCatalogActions(seeded_demo.session_factory, currency=seeded_demo.currency)
    await ops.prices_bump_apply(BumpParams(bump_percent=Decimal("1")), actor_id=1, now=seeded_demo.now)
    async with seeded_demo.engine.begin() as connection:
        await clear_catalog_state(connection)
    async with seeded_demo.session_factory() as session:
        assert (await session.scalars(select(CatalogPriceJob))).all() == []
