"""Rollback of the latest FX reprice: its backups restore prices, compare-at and discounts, and the
coupons it disabled are enabled again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.catalog_models import CatalogPriceJob
from ownerbot.storage.demo_models import DemoCoupon, DemoProduct
from ownerbot.upstream.catalog import (
    CHANGED_SINCE_REPRICE,
    MAX_EXAMPLES,
    NO_ROLLBACK_DATA,
    CatalogConflict,
    PriceChange,
    RollbackPreview,
    RollbackResult,
)
from ownerbot.upstream.demo.catalog_ops import queries


def _changed_since(count: int) -> list[str]:
    return [f"{CHANGED_SINCE_REPRICE}:{count}"] if count else []


def _already_rolled_back(job_id: int) -> RollbackResult:
    return RollbackResult(
        status="already_rolled_back", job_id=job_id, affected_count=0, summary="already rolled back"
    )


async def rollback_preview(session: AsyncSession) -> RollbackPreview:
    job = await queries.last_reprice(session)
    if job is None or job.rolled_back_at is not None:
        return RollbackPreview(
            affected_count=0,
            job=queries.job_info(job) if job else None,
            summary="nothing to roll back",
            warnings=[NO_ROLLBACK_DATA],
        )
    backups = await queries.backups(session, job.id)
    query = select(DemoProduct).where(DemoProduct.id.in_([b.product_id for b in backups]))
    current = {p.id: p.price for p in (await session.scalars(query)).all()}
    examples = [
        PriceChange(
            id=b.product_id,
            before=current.get(b.product_id),
            after=b.price_before,
            delta_pct=queries.delta_or_none(current.get(b.product_id), b.price_before),
        )
        for b in backups[:MAX_EXAMPLES]
    ]
    changed_since = sum(1 for b in backups if current.get(b.product_id) != b.price_after)
    return RollbackPreview(
        affected_count=len(backups),
        job=queries.job_info(job),
        summary=f"roll back reprice job {job.id} ({job.rate_set_id}): {len(backups)} prices restored",
        warnings=_changed_since(changed_since),
        examples=examples,
    )


async def rollback_apply(
    session: AsyncSession, job_id: int | None, *, actor_id: int, now: datetime
) -> RollbackResult:
    last = await queries.last_reprice(session)
    if last is None:
        raise CatalogConflict("no reprice to roll back", {"warning": NO_ROLLBACK_DATA})
    job = last
    if job_id is not None and job_id != last.id:
        target = await session.get(CatalogPriceJob, job_id)
        if target is None or target.kind != "reprice":
            raise CatalogConflict(f"reprice job {job_id} does not exist")
        if target.rolled_back_at is not None:
            return _already_rolled_back(job_id)
        raise CatalogConflict(
            f"reprice job {job_id} is not the latest ({last.id}); roll back the latest first",
            {"latest_job_id": last.id},
        )
    claimed = await session.execute(
        update(CatalogPriceJob)
        .where(CatalogPriceJob.id == job.id, CatalogPriceJob.rolled_back_at.is_(None))
        .values(rolled_back_at=now, rolled_back_by=actor_id)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return _already_rolled_back(job.id)
    backups = await queries.backups(session, job.id)
    query = select(DemoProduct).where(DemoProduct.id.in_([b.product_id for b in backups]))
    products = {p.id: p for p in await queries.all_rows(session, query, lock=True)}
    changed_since = 0
    for b in backups:
        product = products.get(b.product_id)
        if product is None:
            continue
        changed_since += product.price != b.price_after
        product.price = b.price_before
        product.compare_at_price = b.compare_at_before
        product.discount_percent = b.discount_before
        product.updated_at = now
    coupons = [int(i) for i in job.details.get("disabled_coupon_ids", [])]
    if coupons:
        await session.execute(update(DemoCoupon).where(DemoCoupon.id.in_(coupons)).values(active=True))
    restored = len([b for b in backups if b.product_id in products])
    return RollbackResult(
        status="committed",
        job_id=job.id,
        affected_count=restored,
        summary=f"reprice job {job.id} rolled back: {restored} prices restored",
        warnings=_changed_since(changed_since),
    )
