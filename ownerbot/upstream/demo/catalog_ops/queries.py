"""Row-level reads and writes the DEMO catalog operations share (run inside the caller's session)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ownerbot.storage.catalog_models import (
    CatalogBasePrice,
    CatalogFxSettings,
    CatalogIdempotencyRecord,
    CatalogPriceBackup,
    CatalogPriceJob,
)
from ownerbot.storage.demo_models import DemoCoupon, DemoProduct
from ownerbot.upstream.catalog import UNKNOWN_IDS, PriceChange, RepriceJobInfo, delta_pct


async def clear_catalog_state(connection: AsyncConnection) -> None:
    """Delete the catalog operations' rows (jobs, backups, bases, settings, idempotency records).

    Call it wherever the demo shop is re-seeded or reset: backups of a previous shop must never be rolled
    back onto a new one.
    """
    for model in (
        CatalogPriceBackup,
        CatalogPriceJob,
        CatalogBasePrice,
        CatalogFxSettings,
        CatalogIdempotencyRecord,
    ):
        await connection.execute(delete(model))


def max_abs_delta(changes: Sequence[PriceChange]) -> Decimal:
    return max((abs(c.delta_pct or Decimal(0)) for c in changes), default=Decimal("0.00"))


def delta_or_none(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    return delta_pct(before, after) if before is not None and after is not None else None


def unknown_ids_warnings(requested: Sequence[int] | None, found: set[int]) -> list[str]:
    """`UNKNOWN_IDS:<first 20>` when some requested ids do not exist."""
    if requested is None:
        return []
    missing = sorted(set(requested) - found)
    return [f"{UNKNOWN_IDS}:{','.join(map(str, missing[:20]))}"] if missing else []


def locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
    """`query` FOR UPDATE where the dialect has row locks (PostgreSQL); SQLite serialises writers anyway."""
    return query.with_for_update() if session.get_bind().dialect.name == "postgresql" else query


async def all_rows(session: AsyncSession, query: Select[Any], *, lock: bool) -> list[Any]:
    if lock:
        query = locked(session, query)
    return list((await session.scalars(query)).all())


async def products(session: AsyncSession, *, lock: bool = False) -> list[DemoProduct]:
    return await all_rows(session, select(DemoProduct).order_by(DemoProduct.id), lock=lock)


async def active_coupons(session: AsyncSession, *, lock: bool = False) -> list[DemoCoupon]:
    query = select(DemoCoupon).where(DemoCoupon.active.is_(True)).order_by(DemoCoupon.id)
    return await all_rows(session, query, lock=lock)


async def base_prices(session: AsyncSession, currency: str) -> dict[int, CatalogBasePrice]:
    """Stored base prices in `currency` by product id."""
    query = select(CatalogBasePrice).where(CatalogBasePrice.currency == currency)
    return {row.product_id: row for row in (await session.scalars(query)).all()}


async def last_reprice(session: AsyncSession) -> CatalogPriceJob | None:
    query = (
        select(CatalogPriceJob)
        .where(CatalogPriceJob.kind == "reprice")
        .order_by(CatalogPriceJob.id.desc())
        .limit(1)
    )
    job: CatalogPriceJob | None = await session.scalar(query)
    return job


def job_info(job: CatalogPriceJob) -> RepriceJobInfo:
    return RepriceJobInfo(
        job_id=job.id,
        rate_set_id=job.rate_set_id,
        created_at=job.created_at,
        actor_id=job.actor_id,
        affected_count=job.affected_count,
        rolled_back_at=job.rolled_back_at,
        params=dict(job.params),
    )


async def backups(session: AsyncSession, job_id: int) -> list[CatalogPriceBackup]:
    query = (
        select(CatalogPriceBackup)
        .where(CatalogPriceBackup.job_id == job_id)
        .order_by(CatalogPriceBackup.product_id)
    )
    return list((await session.scalars(query)).all())


async def start_price_job(
    session: AsyncSession,
    *,
    kind: str,
    params: dict[str, Any],
    rate_set_id: str | None,
    actor_id: int,
    now: datetime,
    affected_count: int,
    details: dict[str, Any],
) -> CatalogPriceJob:
    """A new price job row, flushed so its id can key the backups."""
    job = CatalogPriceJob(
        kind=kind,
        params=params,
        rate_set_id=rate_set_id,
        actor_id=actor_id,
        created_at=now,
        affected_count=affected_count,
        details=details,
    )
    session.add(job)
    await session.flush()
    return job


def backup_and_set_price(
    session: AsyncSession, job_id: int, product: DemoProduct, price: Decimal | None, now: datetime
) -> None:
    """Back up the product's price, compare-at and discount under `job_id`, then set the new price."""
    session.add(
        CatalogPriceBackup(
            job_id=job_id,
            product_id=product.id,
            price_before=product.price,
            compare_at_before=product.compare_at_price,
            discount_before=product.discount_percent,
            price_after=price,
        )
    )
    product.price = price
    product.updated_at = now
