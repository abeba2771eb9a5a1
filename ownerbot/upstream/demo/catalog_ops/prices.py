"""Price families: the bump and the FX reprice, each a pure plan over rows plus the apply that writes it.

Every apply backs up what it changes under a new `catalog_price_jobs` row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.catalog_models import CatalogBasePrice
from ownerbot.storage.demo_models import DemoCoupon, DemoProduct
from ownerbot.upstream.catalog import (
    COMPARE_AT_CLEARED,
    COUPONS_DISABLED,
    MAX_EXAMPLES,
    MISSING_PRICE_SKIPPED,
    AnomalyInfo,
    BumpParams,
    CatalogForceRequired,
    CatalogValidationError,
    PriceApplyResult,
    PriceChange,
    PricePreview,
    RepriceParams,
    delta_pct,
    round_price,
    to_cents,
)
from ownerbot.upstream.demo.catalog_ops import queries
from ownerbot.upstream.demo.catalog_ops.fx_rates import latest_and_oldest


def _checked_price(product_id: int, price: Decimal) -> Decimal:
    if price <= 0:
        raise CatalogValidationError(
            f"product {product_id} would get a price of {price}", {"product_id": product_id}
        )
    return price


# -- bump ---------------------------------------------------------------------------------------------


def bump_plan(params: BumpParams, products: Sequence[DemoProduct], currency: str) -> PricePreview:
    factor = 1 + params.bump_percent / 100
    changes: list[PriceChange] = []
    missing = 0
    for p in products:
        if p.price is None:
            missing += 1
            continue
        new = _checked_price(
            p.id,
            round_price(p.price * factor + params.bump_additive, params.rounding_mode, params.rounding_step),
        )
        if new != p.price:
            changes.append(
                PriceChange(
                    id=p.id, name=p.name, before=p.price, after=new, delta_pct=delta_pct(p.price, new)
                )
            )
    warnings = [f"{MISSING_PRICE_SKIPPED}:{missing}"] if missing else []
    return PricePreview(
        affected_count=len(changes),
        max_delta_pct=queries.max_abs_delta(changes),
        warnings=warnings,
        examples=changes[:MAX_EXAMPLES],
        summary=f"bump {params.bump_percent}% + {params.bump_additive}: {len(changes)} prices change",
        currency=currency,
        changes=changes,
        details={"missing_price": missing},
    )


async def apply_bump(
    session: AsyncSession, params: BumpParams, currency: str, *, actor_id: int, now: datetime
) -> PriceApplyResult:
    products = await queries.products(session, lock=True)
    plan = bump_plan(params, products, currency)
    by_id = {p.id: p for p in products}
    job = await queries.start_price_job(
        session,
        kind="bump",
        params=params.model_dump(mode="json"),
        rate_set_id=None,
        actor_id=actor_id,
        now=now,
        affected_count=plan.affected_count,
        details={},
    )
    factor = 1 + params.bump_percent / 100
    for change in plan.changes:
        product = by_id[change.id]
        queries.backup_and_set_price(session, job.id, product, change.after, now)
        if product.compare_at_price is not None:
            # The list price moves with the price, so a discount keeps its meaning.
            product.compare_at_price = round_price(
                product.compare_at_price * factor + params.bump_additive,
                params.rounding_mode,
                params.rounding_step,
            )
    return PriceApplyResult(
        action_id=job.id,
        affected_count=plan.affected_count,
        max_delta_pct=plan.max_delta_pct,
        summary=f"bump applied: {plan.affected_count} prices changed",
        warnings=plan.warnings,
        examples=plan.examples,
    )


# -- FX reprice ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepricePlan:
    preview: PricePreview
    # product id → (base price, derived now rather than stored)
    bases: dict[int, tuple[Decimal, bool]]


def _anomaly(changes: Sequence[PriceChange], threshold: Decimal, max_delta: Decimal) -> AnomalyInfo:
    over = sorted(
        (c for c in changes if c.delta_pct is not None and abs(c.delta_pct) > threshold),
        key=lambda c: (-abs(c.delta_pct or Decimal(0)), c.id),
    )
    return AnomalyInfo(
        threshold_pct=threshold,
        max_delta_pct=max_delta,
        over_threshold_count=len(over),
        examples_over_threshold=over[:MAX_EXAMPLES],
    )


async def reprice_plan(
    session: AsyncSession,
    params: RepriceParams,
    products: Sequence[DemoProduct],
    active_coupons: int,
    currency: str,
) -> RepricePlan:
    if params.shop_currency != currency:
        raise CatalogValidationError(
            f"shop_currency {params.shop_currency} does not match the shop's {currency}",
            {"shop_currency": params.shop_currency, "expected": currency},
        )
    latest, oldest = await latest_and_oldest(session)
    if latest is None or oldest is None:
        raise CatalogValidationError("no FX snapshot yet", code="SIS_RATE_MISSING")
    if params.rate_set_id != latest.rate_set_id:
        raise CatalogValidationError(
            f"rate_set_id {params.rate_set_id} is not the latest snapshot ({latest.rate_set_id})",
            {"rate_set_id": params.rate_set_id, "latest": latest.rate_set_id},
        )
    factor = latest.factor(params.input_currency, params.shop_currency)
    reference = oldest.factor(params.input_currency, params.shop_currency)
    stored = {
        pid: row.price for pid, row in (await queries.base_prices(session, params.input_currency)).items()
    }
    markup = 1 + params.markup_percent / 100
    changes: list[PriceChange] = []
    bases: dict[int, tuple[Decimal, bool]] = {}
    missing = cleared = 0
    for p in products:
        if p.currency != currency:
            continue
        base = stored.get(p.id)
        derived = base is None
        if base is None:
            list_price = p.compare_at_price if p.compare_at_price is not None else p.price
            if list_price is None:
                missing += 1
                continue
            base = to_cents(list_price / reference)
        new = _checked_price(
            p.id,
            round_price(
                base * factor * markup + params.markup_additive, params.rounding_mode, params.rounding_step
            ),
        )
        discounted = p.compare_at_price is not None or p.discount_percent is not None
        if new == p.price and not discounted:
            continue
        bases[p.id] = (base, derived)
        cleared += discounted
        changes.append(
            PriceChange(
                id=p.id, name=p.name, before=p.price, after=new, delta_pct=queries.delta_or_none(p.price, new)
            )
        )
    max_delta = queries.max_abs_delta(changes)
    warnings = []
    if missing:
        warnings.append(f"{MISSING_PRICE_SKIPPED}:{missing}")
    if cleared:
        warnings.append(f"{COMPARE_AT_CLEARED}:{cleared}")
    if changes and active_coupons:
        warnings.append(f"{COUPONS_DISABLED}:{active_coupons}")
    preview = PricePreview(
        affected_count=len(changes),
        max_delta_pct=max_delta,
        warnings=warnings,
        examples=changes[:MAX_EXAMPLES],
        summary=(
            f"reprice {params.input_currency}→{params.shop_currency} at {latest.rate_set_id}: "
            f"{len(changes)} prices change, max {max_delta}%"
        ),
        anomaly=_anomaly(changes, params.anomaly_threshold_pct, max_delta),
        currency=currency,
        rate_set_id=latest.rate_set_id,
        changes=changes,
        details={
            "rate": str(factor),
            "missing_price": missing,
            "compare_at_cleared": cleared,
            "coupons_disabled": active_coupons if changes else 0,
        },
    )
    return RepricePlan(preview, bases)


async def current_reprice_plan(session: AsyncSession, params: RepriceParams, currency: str) -> RepricePlan:
    """The reprice plan over the current products and active coupons (no locks: previews)."""
    coupons = await queries.active_coupons(session)
    return await reprice_plan(session, params, await queries.products(session), len(coupons), currency)


async def apply_reprice(
    session: AsyncSession,
    params: RepriceParams,
    currency: str,
    *,
    force: bool,
    actor_id: int,
    now: datetime,
    auto: bool,
) -> PriceApplyResult:
    products = await queries.products(session, lock=True)
    coupons = await queries.active_coupons(session, lock=True)
    plan = await reprice_plan(session, params, products, len(coupons), currency)
    preview = plan.preview
    if preview.anomaly is not None and preview.anomaly.is_anomalous and not force:
        raise CatalogForceRequired(
            f"{preview.anomaly.over_threshold_count} prices change by more than "
            f"{params.anomaly_threshold_pct}% (max {preview.anomaly.max_delta_pct}%)",
            preview.anomaly,
        )
    if not preview.changes:
        return PriceApplyResult(
            affected_count=0,
            max_delta_pct=Decimal("0.00"),
            summary="reprice: nothing to change",
            warnings=preview.warnings,
        )
    disabled = [c.id for c in coupons]
    job = await queries.start_price_job(
        session,
        kind="reprice",
        params={**params.model_dump(mode="json"), "auto": auto},
        rate_set_id=preview.rate_set_id,
        actor_id=actor_id,
        now=now,
        affected_count=preview.affected_count,
        details={"disabled_coupon_ids": disabled, "forced": force},
    )
    by_id = {p.id: p for p in products}
    for change in preview.changes:
        product = by_id[change.id]
        queries.backup_and_set_price(session, job.id, product, change.after, now)
        product.compare_at_price = None
        product.discount_percent = None
        base, derived = plan.bases[change.id]
        if derived:  # no stored base in this transaction's plan: store the one the plan derived
            session.add(
                CatalogBasePrice(
                    product_id=change.id,
                    currency=params.input_currency,
                    price=base,
                    rate_set_id=None,
                    updated_at=now,
                )
            )
    if disabled:
        await session.execute(update(DemoCoupon).where(DemoCoupon.id.in_(disabled)).values(active=False))
    return PriceApplyResult(
        job_id=job.id,
        affected_count=preview.affected_count,
        max_delta_pct=preview.max_delta_pct,
        summary=f"reprice applied at {preview.rate_set_id}: {preview.affected_count} prices changed",
        warnings=preview.warnings,
        examples=preview.examples,
        rollback_available=True,
        rollback_job_id=job.id,
        details={"rate_set_id": preview.rate_set_id, "coupons_disabled": len(disabled)},
    )
