"""Bump and FX reprice on the seeded demo shop: previews equal an independent computation from the rows,
previews change nothing, applies change exactly what was previewed, rollback restores every price."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from ownerbot.storage.catalog_models import CatalogBasePrice
from ownerbot.storage.demo_models import DemoCoupon, DemoProduct
from ownerbot.upstream.catalog import (
    COUPONS_DISABLED,
    NO_ROLLBACK_DATA,
    BumpParams,
    CatalogConflict,
    CatalogForceRequired,
    CatalogValidationError,
    RepriceParams,
    RoundingMode,
    round_price,
)
from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions
from tests.conftest import SeededDemo
from tests.integration.catalog.conftest import (
    ACTOR,
    catalog_snapshot,
    latest_rate_set,
    oldest_rate_set,
    products,
)


def ceil_independent(value: Fraction, mode: RoundingMode, step: Fraction | None = None) -> Decimal:
    """The contract's rounding modes by search over candidates (a different algorithm from round_price)."""
    floor = math.floor(value)
    if mode == "CEIL_INT":
        candidates = [Fraction(floor), Fraction(floor + 1)]
    elif mode == "CEIL_0_50":
        candidates = [Fraction(floor) + Fraction(k, 2) for k in range(3)]
    elif mode == "CEIL_0_99":
        candidates = [Fraction(floor - 1) + Fraction(99, 100) + k for k in range(3)]
    else:
        assert step is not None
        n = math.floor(value / step)
        candidates = [step * n, step * (n + 1)]
    best = min(c for c in candidates if c >= value)
    return (Decimal(best.numerator) / Decimal(best.denominator)).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("value", "mode", "step", "expected"),
    [
        ("10.00", "CEIL_INT", None, "10.00"),
        ("10.01", "CEIL_INT", None, "11.00"),
        ("10.01", "CEIL_0_50", None, "10.50"),
        ("10.50", "CEIL_0_50", None, "10.50"),
        ("10.51", "CEIL_0_50", None, "11.00"),
        ("10.00", "CEIL_0_99", None, "10.99"),
        ("9.99", "CEIL_0_99", None, "9.99"),
        ("10.995", "CEIL_0_99", None, "11.99"),
        ("101", "CEIL_STEP", "5", "105.00"),
        ("100", "CEIL_STEP", "5", "100.00"),
        ("0.01", "CEIL_STEP", "0.25", "0.25"),
    ],
)
def test_round_price_modes(value: str, mode: RoundingMode, step: str | None, expected: str) -> None:
    assert round_price(Decimal(value), mode, Decimal(step) if step else None) == Decimal(expected)
    assert ceil_independent(Fraction(value), mode, Fraction(step) if step else None) == Decimal(expected)


def test_ceil_step_needs_a_step() -> None:
    with pytest.raises(CatalogValidationError):
        round_price(Decimal("1"), "CEIL_STEP", None)


@pytest.mark.parametrize(
    ("mode", "step"), [("CEIL_INT", None), ("CEIL_0_50", None), ("CEIL_0_99", None), ("CEIL_STEP", "5")]
)
async def test_bump_preview_is_exact_and_apply_changes_what_was_shown(
    seeded_demo: SeededDemo, ops: DemoCatalogActions, mode: RoundingMode, step: str | None
) -> None:
    demo = seeded_demo
    params = BumpParams(
        bump_percent=Decimal("7.5"),
        bump_additive=Decimal("0.30"),
        rounding_mode=mode,
        rounding_step=Decimal(step) if step else None,
    )
    rows = await products(demo.session_factory)
    expected: dict[int, Decimal] = {}
    for row in rows.values():
        if row.price is None:
            continue
        value = Fraction(row.price) * Fraction(1075, 1000) + Fraction(3, 10)
        new = ceil_independent(value, mode, Fraction(step) if step else None)
        if new != row.price:
            expected[row.id] = new
    before = await catalog_snapshot(demo.session_factory)
    preview = await ops.prices_bump_preview(params)
    assert await catalog_snapshot(demo.session_factory) == before, "a preview changes nothing"
    assert {c.id: c.after for c in preview.changes} == expected
    assert preview.affected_count == len(expected) > 0
    assert preview.examples == preview.changes[:5]
    for change in preview.changes:
        assert change.before is not None and change.after is not None
        assert change.delta_pct == ((change.after - change.before) * 100 / change.before).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    assert preview.max_delta_pct == max(abs(c.delta_pct or Decimal(0)) for c in preview.changes)

    result = await ops.prices_bump_apply(params, actor_id=ACTOR, now=demo.now)
    assert result.status == "committed" and result.affected_count == len(expected)
    after = await products(demo.session_factory)
    for pid, row in after.items():
        assert row.price == expected.get(pid, rows[pid].price), pid


async def test_bump_keeps_discounts_meaningful(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    rows = await products(seeded_demo.session_factory)
    discounted = [r for r in rows.values() if r.compare_at_price is not None]
    assert discounted, "the seeded shop has discounted products"
    await ops.prices_bump_apply(BumpParams(bump_percent=Decimal("10")), actor_id=ACTOR, now=seeded_demo.now)
    after = await products(seeded_demo.session_factory)
    for row in discounted:
        assert row.compare_at_price is not None
        new_compare = after[row.id].compare_at_price
        assert new_compare == ceil_independent(Fraction(row.compare_at_price) * Fraction(11, 10), "CEIL_INT")


async def _expected_reprice(demo: SeededDemo, params: RepriceParams) -> dict[int, Decimal]:
    """Independent: base = list price at the oldest rates (to cents), new = base × latest rate × markup."""
    latest = await latest_rate_set(demo.session_factory)
    oldest = await oldest_rate_set(demo.session_factory)

    def factor(rates: dict[str, str], base: str) -> Fraction:
        def rate(c: str) -> Fraction:
            return Fraction(1) if c == base else Fraction(Decimal(rates[c]))

        return rate(params.shop_currency) / rate(params.input_currency)

    now_f = factor(latest.rates, latest.base_currency)
    ref_f = factor(oldest.rates, oldest.base_currency)
    out: dict[int, Decimal] = {}
    for row in (await products(demo.session_factory)).values():
        list_price = row.compare_at_price if row.compare_at_price is not None else row.price
        if list_price is None:
            continue
        base = Fraction(list_price) / ref_f
        base_cents = Fraction(math.floor(base * 100 + Fraction(1, 2)), 100)
        value = base_cents * now_f * (1 + Fraction(params.markup_percent) / 100) + Fraction(
            params.markup_additive
        )
        new = ceil_independent(value, params.rounding_mode)
        if new != row.price or row.compare_at_price is not None or row.discount_percent is not None:
            out[row.id] = new
    return out


async def _reprice_params(demo: SeededDemo, **fields: object) -> RepriceParams:
    latest = await latest_rate_set(demo.session_factory)
    body: dict[str, object] = {
        "rate_set_id": latest.rate_set_id,
        "input_currency": "USD",
        "shop_currency": demo.currency,
        "anomaly_threshold_pct": "60",
        **fields,
    }
    return RepriceParams.model_validate(body)


async def _active_coupons(demo: SeededDemo) -> set[int]:
    async with demo.session_factory() as session:
        return set((await session.scalars(select(DemoCoupon.id).where(DemoCoupon.active.is_(True)))).all())


async def test_reprice_preview_apply_rollback_round_trip(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    params = await _reprice_params(demo, markup_percent="3", rounding_mode="CEIL_0_99")
    expected = await _expected_reprice(demo, params)
    original = await products(demo.session_factory)
    coupons = await _active_coupons(demo)
    assert coupons, "the seeded shop has active coupons"
    before = await catalog_snapshot(demo.session_factory)

    preview = await ops.reprice_preview(params)
    assert await catalog_snapshot(demo.session_factory) == before
    assert {c.id: c.after for c in preview.changes} == expected
    assert preview.anomaly is not None and preview.anomaly.threshold_pct == Decimal("60")
    assert f"{COUPONS_DISABLED}:{len(coupons)}" in preview.warnings
    assert preview.rate_set_id == params.rate_set_id

    result = await ops.reprice_apply(params, force=False, actor_id=ACTOR, now=demo.now)
    assert result.rollback_available and result.job_id is not None and result.affected_count == len(expected)
    after = await products(demo.session_factory)
    for pid, row in after.items():
        if pid in expected:
            assert (row.price, row.compare_at_price, row.discount_percent) == (expected[pid], None, None)
        else:
            assert row.price == original[pid].price
    assert await _active_coupons(demo) == set()
    async with demo.session_factory() as session:
        bases = (await session.scalars(select(CatalogBasePrice))).all()
    assert {b.product_id for b in bases} == set(expected)

    # A second reprice at the same rates now follows the stored bases: nothing changes.
    again = await ops.reprice_preview(params)
    assert again.affected_count == 0

    settled = await catalog_snapshot(demo.session_factory)
    rollback = await ops.rollback_preview()
    assert await catalog_snapshot(demo.session_factory) == settled, "a rollback preview changes nothing"
    assert rollback.affected_count == len(expected) and rollback.job is not None
    assert rollback.job.job_id == result.job_id
    done = await ops.rollback_apply(rollback.job.job_id, actor_id=ACTOR, now=demo.now + timedelta(minutes=1))
    assert done.status == "committed" and done.affected_count == len(expected)
    restored = await products(demo.session_factory)
    for pid, row in restored.items():
        old = original[pid]
        assert (row.price, row.compare_at_price, row.discount_percent) == (
            old.price,
            old.compare_at_price,
            old.discount_percent,
        ), pid
    assert await _active_coupons(demo) == coupons

    second = await ops.rollback_apply(result.job_id, actor_id=ACTOR, now=demo.now)
    assert second.status == "already_rolled_back" and second.affected_count == 0
    assert (await ops.rollback_preview()).warnings == [NO_ROLLBACK_DATA]


async def test_rollback_without_data(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    preview = await ops.rollback_preview()
    assert preview.affected_count == 0 and preview.warnings == [NO_ROLLBACK_DATA] and preview.job is None
    with pytest.raises(CatalogConflict):
        await ops.rollback_apply(None, actor_id=ACTOR, now=seeded_demo.now)


async def test_reprice_anomaly_needs_force(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    demo = seeded_demo
    params = await _reprice_params(demo, markup_percent="40", anomaly_threshold_pct="25")
    preview = await ops.reprice_preview(params)
    assert preview.anomaly is not None and preview.anomaly.is_anomalous
    over = [c for c in preview.changes if c.delta_pct is not None and abs(c.delta_pct) > 25]
    assert preview.anomaly.over_threshold_count == len(over) > 0
    assert len(preview.anomaly.examples_over_threshold) == min(5, len(over))
    before = await catalog_snapshot(demo.session_factory)
    with pytest.raises(CatalogForceRequired):
        await ops.reprice_apply(params, force=False, actor_id=ACTOR, now=demo.now)
    assert await catalog_snapshot(demo.session_factory) == before, "a refused apply leaves nothing"
    forced = await ops.reprice_apply(params, force=True, actor_id=ACTOR, now=demo.now)
    assert forced.affected_count == preview.affected_count


async def test_reprice_validates_rate_set_and_currency(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    oldest = await oldest_rate_set(demo.session_factory)
    with pytest.raises(CatalogValidationError, match="not the latest"):
        await ops.reprice_preview(await _reprice_params(demo, rate_set_id=oldest.rate_set_id))
    with pytest.raises(CatalogValidationError, match="does not match"):
        await ops.reprice_preview(await _reprice_params(demo, shop_currency="USD"))
    with pytest.raises(CatalogValidationError) as missing:
        await ops.reprice_preview(await _reprice_params(demo, input_currency="JPY"))
    assert missing.value.code == "SIS_RATE_MISSING"


async def test_failed_apply_leaves_nothing_half_done(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    params = await _reprice_params(demo)
    before = await catalog_snapshot(demo.session_factory)
    naive = demo.now.replace(tzinfo=None)  # the timestamp column refuses it mid-transaction
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll everything back
        await ops.reprice_apply(params, force=True, actor_id=ACTOR, now=naive)
    assert await catalog_snapshot(demo.session_factory) == before
    async with demo.session_factory() as session:
        assert await session.scalar(select(DemoProduct.id).limit(1)) is not None
