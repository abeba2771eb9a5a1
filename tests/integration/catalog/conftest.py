"""Catalog operations on the seeded demo shop (PostgreSQL and SQLite): the ops and their DB snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.catalog_models import (
    CatalogBasePrice,
    CatalogFxSettings,
    CatalogIdempotencyRecord,
    CatalogPriceBackup,
    CatalogPriceJob,
)
from ownerbot.storage.demo_models import DemoCoupon, DemoFxSnapshot, DemoLook, DemoProduct
from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions
from tests.conftest import SeededDemo
from tests.integration.actions.support import snapshot

CATALOG_TABLES: tuple[Any, ...] = (
    DemoProduct.__table__,
    DemoLook.__table__,
    DemoCoupon.__table__,
    DemoFxSnapshot.__table__,
    CatalogPriceJob.__table__,
    CatalogPriceBackup.__table__,
    CatalogBasePrice.__table__,
    CatalogFxSettings.__table__,
    CatalogIdempotencyRecord.__table__,
)
ACTOR = 1


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database (for the migration test)."""
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
def ops(seeded_demo: SeededDemo) -> DemoCatalogActions:
    return DemoCatalogActions(seeded_demo.session_factory, currency=seeded_demo.currency)


async def catalog_snapshot(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Every row of the catalog tables: equal before and after means nothing changed."""
    return await snapshot(session_factory, CATALOG_TABLES)


async def products(session_factory: async_sessionmaker[AsyncSession]) -> dict[int, DemoProduct]:
    async with session_factory() as session:
        rows = (await session.scalars(select(DemoProduct).order_by(DemoProduct.id))).all()
        for row in rows:
            session.expunge(row)
    return {row.id: row for row in rows}


async def latest_rate_set(session_factory: async_sessionmaker[AsyncSession]) -> DemoFxSnapshot:
    async with session_factory() as session:
        row = await session.scalar(
            select(DemoFxSnapshot)
            .order_by(DemoFxSnapshot.fetched_at.desc(), DemoFxSnapshot.id.desc())
            .limit(1)
        )
        assert row is not None
        session.expunge(row)
    return row


async def oldest_rate_set(session_factory: async_sessionmaker[AsyncSession]) -> DemoFxSnapshot:
    async with session_factory() as session:
        row = await session.scalar(
            select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at, DemoFxSnapshot.id).limit(1)
        )
        assert row is not None
        session.expunge(row)
    return row
