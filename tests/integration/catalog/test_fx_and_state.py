"""FX auto (no-op, thresholds, one effect per Idempotency-Key), FX settings, publish and discounts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from ownerbot.storage.catalog_models import CatalogPriceJob
from ownerbot.storage.demo_models import DemoFxSnapshot, DemoLook
from ownerbot.upstream.catalog import (
    CatalogIdempotencyConflict,
    CatalogValidationError,
    DiscountClearParams,
    DiscountSetParams,
    FxAutoParams,
    LooksPublishParams,
    ProductsPublishParams,
    RepriceParams,
)
from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions
from tests.conftest import SeededDemo
from tests.integration.catalog.conftest import ACTOR, catalog_snapshot, latest_rate_set, products


async def _baseline(demo: SeededDemo, ops: DemoCatalogActions) -> int:
    latest = await latest_rate_set(demo.session_factory)
    params = RepriceParams(
        rate_set_id=latest.rate_set_id,
        input_currency="USD",
        shop_currency=demo.currency,
        anomaly_threshold_pct=Decimal("80"),
    )
    result = await ops.reprice_apply(params, force=False, actor_id=ACTOR, now=demo.now)
    assert result.job_id is not None
    return result.job_id


async def _new_snapshot(demo: SeededDemo, usd_factor: str, hours: int = 1) -> str:
    latest = await latest_rate_set(demo.session_factory)
    rates = dict(latest.rates)
    rates["USD"] = str((Decimal(rates["USD"]) * Decimal(usd_factor)).quantize(Decimal("0.0001")))
    rate_set_id = f"rs-test-{hours}"
    async with demo.session_factory() as session:
        next_id = int(await session.scalar(select(func.max(DemoFxSnapshot.id))) or 0) + 1
        session.add(
            DemoFxSnapshot(
                id=next_id,
                rate_set_id=rate_set_id,
                base_currency=latest.base_currency,
                rates=rates,
                fetched_at=demo.now + timedelta(hours=hours),
            )
        )
        await session.commit()
    return rate_set_id


async def _jobs(demo: SeededDemo) -> int:
    async with demo.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(CatalogPriceJob)) or 0)


async def test_fx_auto_without_baseline_is_skipped(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    preview = await ops.fx_auto_preview(FxAutoParams(), now=seeded_demo.now)
    assert (preview.status, preview.would_apply, preview.reason) == ("skipped", False, "NO_BASELINE")


async def test_fx_auto_noop_when_nothing_moved_then_one_effect_per_key(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    await _baseline(demo, ops)
    later = demo.now + timedelta(hours=2)
    before = await catalog_snapshot(demo.session_factory)
    noop = await ops.fx_auto_preview(FxAutoParams(), now=later)
    assert (noop.status, noop.would_apply, noop.reason) == ("noop", False, "NO_NEW_SNAPSHOT")
    result = await ops.fx_auto_apply(
        FxAutoParams(), idempotency_key="k-noop", force=False, actor_id=ACTOR, now=later
    )
    assert result.status == "noop" and result.affected_count == 0
    assert await _jobs(demo) == 1

    # A tiny move stays under the default 0.5 % minimum.
    await _new_snapshot(demo, "1.001", hours=1)
    small = await ops.fx_auto_preview(FxAutoParams(), now=later)
    assert (small.status, small.reason) == ("noop", "BELOW_MIN_DELTA")
    assert await catalog_snapshot(demo.session_factory) != before  # only the new snapshot row differs

    moved_id = await _new_snapshot(demo, "0.97", hours=2)
    unmoved = await catalog_snapshot(demo.session_factory)
    ready = await ops.fx_auto_preview(FxAutoParams(), now=later)
    assert await catalog_snapshot(demo.session_factory) == unmoved, "an auto preview changes nothing"
    assert ready.status == "preview" and ready.would_apply and ready.reprice is not None
    assert ready.rate_set_id == moved_id and ready.reprice.affected_count > 0
    jobs = await _jobs(demo)
    first = await ops.fx_auto_apply(
        FxAutoParams(), idempotency_key="k-1", force=False, actor_id=ACTOR, now=later
    )
    assert first.status == "committed" and first.affected_count == ready.reprice.affected_count
    assert not first.replayed
    prices_after_first = await products(demo.session_factory)
    again = await ops.fx_auto_apply(
        FxAutoParams(), idempotency_key="k-1", force=False, actor_id=ACTOR, now=later
    )
    assert again.replayed and again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert await _jobs(demo) == jobs + 1
    assert {k: v.price for k, v in (await products(demo.session_factory)).items()} == {
        k: v.price for k, v in prices_after_first.items()
    }
    with pytest.raises(CatalogIdempotencyConflict):
        await ops.fx_auto_apply(
            FxAutoParams(force_apply=True), idempotency_key="k-1", force=False, actor_id=ACTOR, now=later
        )


async def test_fx_auto_same_key_concurrently_applies_once(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    await _baseline(demo, ops)
    await _new_snapshot(demo, "1.05")
    later = demo.now + timedelta(hours=3)
    jobs = await _jobs(demo)
    results = await asyncio.gather(
        *(
            ops.fx_auto_apply(FxAutoParams(), idempotency_key="same", force=False, actor_id=ACTOR, now=later)
            for _ in range(3)
        )
    )
    assert await _jobs(demo) == jobs + 1
    assert {r.job_id for r in results} == {results[0].job_id} and results[0].job_id is not None
    assert sum(not r.replayed for r in results) == 1


async def test_fx_auto_cooldown_and_force(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    demo = seeded_demo
    await _baseline(demo, ops)
    await ops.fx_settings_update({"min_apply_cooldown_hours": 6}, actor_id=ACTOR, now=demo.now)
    await _new_snapshot(demo, "1.05")
    soon = await ops.fx_auto_preview(FxAutoParams(), now=demo.now + timedelta(hours=2))
    assert (soon.status, soon.reason) == ("skipped", "COOLDOWN")
    forced = await ops.fx_auto_preview(FxAutoParams(force_apply=True), now=demo.now + timedelta(hours=2))
    assert forced.status == "preview" and forced.would_apply
    late = await ops.fx_auto_preview(FxAutoParams(), now=demo.now + timedelta(hours=7))
    assert late.status == "preview"


async def test_fx_settings_whitelist_and_before_after(
    seeded_demo: SeededDemo, ops: DemoCatalogActions
) -> None:
    demo = seeded_demo
    with pytest.raises(CatalogValidationError) as unknown:
        await ops.fx_settings_preview({"provider": "ecb", "api_secret": "x", "zeta": 1})
    assert "api_secret" in unknown.value.message and "zeta" in unknown.value.message
    with pytest.raises(CatalogValidationError, match="reprice_schedule_mode"):
        await ops.fx_settings_preview({"reprice_schedule_mode": "sometimes"})
    before = await catalog_snapshot(demo.session_factory)
    change = await ops.fx_settings_preview({"min_rate_delta_percent": "1.5", "provider": "ecb"})
    assert await catalog_snapshot(demo.session_factory) == before
    assert change.before["provider"] == "demo" and change.after["provider"] == "ecb"
    assert sorted(change.changed_keys) == ["min_rate_delta_percent", "provider"]
    done = await ops.fx_settings_update(
        {"min_rate_delta_percent": "1.5", "provider": "ecb"}, actor_id=ACTOR, now=demo.now
    )
    assert done.after == change.after
    status = await ops.fx_status()
    assert status.provider == "ecb" and status.thresholds["min_rate_delta_percent"] == "1.5"
    assert status.last_snapshot is not None
    assert status.last_snapshot.rate_set_id == (await latest_rate_set(demo.session_factory)).rate_set_id


async def test_products_publish_round_trip(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    demo = seeded_demo
    original = {pid: p.status for pid, p in (await products(demo.session_factory)).items()}
    active = [pid for pid, status in original.items() if status == "ACTIVE"][:7]
    hide = ProductsPublishParams(product_ids=[*active, 99999], target_status="HIDDEN")
    before = await catalog_snapshot(demo.session_factory)
    preview = await ops.products_publish_preview(hide)
    assert await catalog_snapshot(demo.session_factory) == before
    assert preview.ids == active and preview.affected_count == 7 and len(preview.examples) == 5
    assert preview.warnings == ["UNKNOWN_IDS:99999"]
    result = await ops.products_publish_apply(hide, actor_id=ACTOR, now=demo.now)
    assert result.ids == active
    hidden = {pid: p.status for pid, p in (await products(demo.session_factory)).items()}
    assert hidden == {**original, **dict.fromkeys(active, "HIDDEN")}
    back = ProductsPublishParams(product_ids=active, status_from="HIDDEN", target_status="ACTIVE")
    assert (await ops.products_publish_apply(back, actor_id=ACTOR, now=demo.now)).affected_count == 7
    assert {pid: p.status for pid, p in (await products(demo.session_factory)).items()} == original
    by_status = ProductsPublishParams(status_from="ARCHIVED", target_status="ARCHIVED")
    assert (await ops.products_publish_preview(by_status)).affected_count == 0


async def test_looks_publish_round_trip(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    demo = seeded_demo
    async with demo.session_factory() as session:
        looks = {row.id: row.is_active for row in (await session.scalars(select(DemoLook))).all()}
    inactive = [i for i, active in looks.items() if not active]
    off = LooksPublishParams(is_active_from=True, target_active=False)
    before = await catalog_snapshot(demo.session_factory)
    preview = await ops.looks_publish_preview(off)
    assert await catalog_snapshot(demo.session_factory) == before
    assert preview.affected_count == len(looks) - len(inactive) > 0
    await ops.looks_publish_apply(off, actor_id=ACTOR, now=demo.now)
    on = LooksPublishParams(look_ids=preview.ids, target_active=True)
    assert (await ops.looks_publish_apply(on, actor_id=ACTOR, now=demo.now)).affected_count == len(
        preview.ids
    )
    async with demo.session_factory() as session:
        after = {row.id: row.is_active for row in (await session.scalars(select(DemoLook))).all()}
    assert after == looks


async def test_discounts_set_and_clear_round_trip(seeded_demo: SeededDemo, ops: DemoCatalogActions) -> None:
    demo = seeded_demo
    original = await products(demo.session_factory)
    params = DiscountSetParams(only_active=True, stock_lte=5, discount_percent=15)
    expected = {}
    for p in original.values():
        if p.status != "ACTIVE" or p.stock > 5 or p.price is None:
            continue
        list_price = p.compare_at_price if p.compare_at_price is not None else p.price
        price = (list_price * Decimal(85) / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if (price, list_price, 15) != (p.price, p.compare_at_price, p.discount_percent):
            expected[p.id] = (price, list_price)
    before = await catalog_snapshot(demo.session_factory)
    preview = await ops.discounts_set_preview(params)
    assert await catalog_snapshot(demo.session_factory) == before
    assert preview.ids == sorted(expected) and preview.affected_count == len(expected) > 0
    result = await ops.discounts_set_apply(params, actor_id=ACTOR, now=demo.now)
    assert result.ids == preview.ids
    after = await products(demo.session_factory)
    for pid, p in after.items():
        if pid in expected:
            assert (p.price, p.compare_at_price, p.discount_percent) == (*expected[pid], 15)
        else:
            assert (p.price, p.compare_at_price) == (original[pid].price, original[pid].compare_at_price)

    clear = DiscountClearParams(product_ids=preview.ids)
    cleared = await ops.discounts_clear_apply(clear, actor_id=ACTOR, now=demo.now)
    assert cleared.affected_count == len(expected)
    final = await products(demo.session_factory)
    for pid in expected:
        old = original[pid]
        restored = old.compare_at_price if old.compare_at_price is not None else old.price
        assert (final[pid].price, final[pid].compare_at_price, final[pid].discount_percent) == (
            restored,
            None,
            None,
        )
    assert (await ops.discounts_clear_preview(clear)).affected_count == 0
