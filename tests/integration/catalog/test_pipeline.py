"""The SIS catalog action tools through the real ACTION pipeline on the seeded demo shop (DEMO mode)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from ownerbot.actions.outcomes import (
    ActionRequest,
    CommitOutcome,
    CommitStatus,
    ConfirmPress,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
)
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.wiring import build_action_services
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.catalog_models import CatalogIdempotencyRecord
from ownerbot.storage.demo_models import DemoFxSnapshot, DemoProduct
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolRequest
from ownerbot.tools.read.catalog import SPECS as CATALOG_SPECS
from ownerbot.tools.read.ops import SPECS as OPS_SPECS
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.catalog import CATALOG_SERVICE_KEY, BumpParams, RepriceParams
from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions
from ownerbot.upstream.demo.provider import DemoProvider
from tests.conftest import SeededDemo
from tests.integration.actions.support import token_row
from tests.integration.catalog.conftest import ACTOR, catalog_snapshot, latest_rate_set, products

OWNER = ACTOR  # make_settings' owner


def _pipeline(demo: SeededDemo) -> ActionPipeline:
    services = build_action_services(
        demo.settings,
        demo.engine,
        AuditLog(AuditRepository(demo.session_factory)),
        None,
        clock=lambda: demo.now,
    )
    return services.pipeline


async def _preview(pipeline: ActionPipeline, action: str, payload: dict[str, Any]) -> PreviewOutcome:
    return await pipeline.preview(
        ActionRequest(action=action, payload=payload, actor_id=OWNER, chat_id=OWNER)
    )


def _press(outcome: PreviewOutcome, force: bool = False) -> ConfirmPress:
    assert outcome.token_id is not None
    return ConfirmPress(token_id=outcome.token_id, actor_id=OWNER, chat_id=OWNER, force=force)


async def _commit(pipeline: ActionPipeline, outcome: PreviewOutcome, force: bool = False) -> CommitOutcome:
    decision, result = await pipeline.confirm_and_execute(_press(outcome, force))
    assert result is not None, decision
    return result


async def _read(
    demo: SeededDemo, tool: str, payload: dict[str, Any], services: dict[str, Any] | None = None
) -> Any:
    provider = DemoProvider(demo.session_factory, tz=demo.tz, currency=demo.currency)
    runner = ToolRunner(
        ToolRegistry([*OPS_SPECS, *CATALOG_SPECS]),
        provider_for=lambda: provider,
        audit=None,
        clock=lambda: demo.now,
        services=services,
    )
    return await runner.run(
        ToolRequest(
            tool=tool,
            correlation_id="c",
            actor=Actor(owner_user_id=OWNER),
            tenant=Tenant(timezone=demo.tz),
            payload=payload,
        )
    )


async def test_bump_through_the_pipeline(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    ops = DemoCatalogActions(demo.session_factory, currency=demo.currency)
    expected = await ops.prices_bump_preview(BumpParams(bump_percent=Decimal("5"), rounding_mode="CEIL_0_50"))
    before = await catalog_snapshot(demo.session_factory)
    outcome = await _preview(pipeline, "sis_prices_bump", {"bump_percent": "5", "rounding_mode": "CEIL_0_50"})
    assert outcome.status is PreviewStatus.READY and outcome.preview is not None, outcome
    assert await catalog_snapshot(demo.session_factory) == before
    assert outcome.preview.affected_count == expected.affected_count
    assert outcome.risk.value == "HIGH" and not outcome.force_required
    assert [e.target.split()[0] for e in outcome.preview.examples] == [f"#{c.id}" for c in expected.examples]
    result = await _commit(pipeline, outcome)
    assert result.status is CommitStatus.COMMITTED and result.result is not None
    assert result.result.changed_count == expected.affected_count
    prices = await products(demo.session_factory)
    assert {c.id: c.after for c in expected.changes} == {c.id: prices[c.id].price for c in expected.changes}
    # A second press of the same token commits nothing more.
    again, nothing = await pipeline.confirm_and_execute(_press(outcome))
    assert again.status is ConfirmStatus.ALREADY_DONE and nothing is None


async def test_reprice_force_step_then_rollback_through_the_pipeline(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    original = await products(demo.session_factory)
    latest = await latest_rate_set(demo.session_factory)
    payload = {
        "rate_set_id": latest.rate_set_id,
        "input_currency": "USD",
        "shop_currency": demo.currency,
        "markup_percent": "35",
    }
    outcome = await _preview(pipeline, "sis_fx_reprice", payload)
    assert outcome.status is PreviewStatus.READY and outcome.preview is not None, outcome
    assert outcome.force_required and outcome.preview.anomaly and outcome.preview.anomaly_reason
    unforced, nothing = await pipeline.confirm_and_execute(_press(outcome))
    assert unforced.status is ConfirmStatus.FORCE_REQUIRED and nothing is None
    assert {k: v.price for k, v in (await products(demo.session_factory)).items()} == {
        k: v.price for k, v in original.items()
    }
    ops = DemoCatalogActions(demo.session_factory, currency=demo.currency)
    plan = await ops.reprice_preview(RepriceParams.model_validate(payload))
    # A rollback previewed now (before the reprice) finds nothing: a no-op without a token.
    empty = await _preview(pipeline, "sis_fx_rollback", {})
    assert empty.status is PreviewStatus.NOOP

    committed = await _commit(pipeline, outcome, force=True)
    assert committed.status is CommitStatus.COMMITTED and committed.result is not None
    assert committed.result.changed_count == plan.affected_count
    assert committed.result.undo is not None and committed.result.undo.action == "sis_fx_rollback"
    repriced = await products(demo.session_factory)
    assert {c.id: c.after for c in plan.changes} == {c.id: repriced[c.id].price for c in plan.changes}

    first = await _preview(pipeline, "sis_fx_rollback", {})
    second = await _preview(pipeline, "sis_fx_rollback", {})
    assert first.status is PreviewStatus.READY and first.preview is not None
    assert first.preview.affected_count == plan.affected_count
    rolled = await _commit(pipeline, first)
    assert rolled.status is CommitStatus.COMMITTED and rolled.result is not None
    assert rolled.result.changed_count == plan.affected_count
    restored = await products(demo.session_factory)
    for pid, row in restored.items():
        old = original[pid]
        assert (row.price, row.compare_at_price, row.discount_percent) == (
            old.price,
            old.compare_at_price,
            old.discount_percent,
        )
    late = await _commit(pipeline, second)
    assert late.status is CommitStatus.COMMITTED and late.result is not None
    assert late.result.changed_count == 0 and late.result.details["status"] == "already_rolled_back"


async def test_reprice_turning_anomalous_after_preview_asks_for_force(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    latest = await latest_rate_set(demo.session_factory)
    payload = {
        "rate_set_id": latest.rate_set_id,
        "input_currency": "EUR",
        "shop_currency": demo.currency,
        "anomaly_threshold_pct": "60",
    }
    outcome = await _preview(pipeline, "sis_fx_reprice", payload)
    assert outcome.status is PreviewStatus.READY and not outcome.force_required
    ops = DemoCatalogActions(demo.session_factory, currency=demo.currency)
    # Meanwhile a reprice stores the base prices and then prices halve: the previewed reprice back to
    # the bases is now a +100 % jump.
    await ops.reprice_apply(RepriceParams.model_validate(payload), force=True, actor_id=OWNER, now=demo.now)
    await ops.prices_bump_apply(BumpParams(bump_percent=Decimal("-50")), actor_id=OWNER, now=demo.now)
    before = await catalog_snapshot(demo.session_factory)
    result = await _commit(pipeline, outcome)
    assert result.status is CommitStatus.FORCE_REQUIRED
    assert await catalog_snapshot(demo.session_factory) == before
    forced = await _commit(pipeline, outcome, force=True)
    assert forced.status is CommitStatus.COMMITTED


async def test_fx_auto_noop_and_settings_whitelist_through_the_pipeline(seeded_demo: SeededDemo) -> None:
    pipeline = _pipeline(seeded_demo)
    noop = await _preview(pipeline, "sis_fx_reprice_auto", {})
    assert noop.status is PreviewStatus.NOOP and noop.token_id is None
    assert noop.preview is not None and noop.preview.noop_reason is not None
    assert noop.preview.noop_reason.startswith("NO_BASELINE")
    bad = await _preview(
        pipeline, "sis_fx_settings_update", {"updates": {"provider": "ecb", "secret_key": "x"}}
    )
    assert bad.status is PreviewStatus.REJECTED and bad.error is not None
    assert bad.error.code is ErrorCode.VALIDATION_ERROR and "secret_key" in bad.error.message
    ok = await _preview(pipeline, "sis_fx_settings_update", {"updates": {"provider": "ecb"}})
    assert ok.status is PreviewStatus.READY and ok.preview is not None
    assert [(e.target, e.before, e.after) for e in ok.preview.examples] == [("provider", "demo", "ecb")]
    done = await _commit(pipeline, ok)
    assert done.result is not None and done.result.undo is not None
    assert done.result.undo.payload == {"updates": {"provider": "demo"}}


async def test_publish_shows_in_inventory_status_and_fx_status_reads(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    before = await _read(demo, "inventory_status", {"section": "unpublished"})
    assert before.status == "ok", before.error
    active = [pid for pid, p in (await products(demo.session_factory)).items() if p.status == "ACTIVE"][:3]
    outcome = await _preview(
        pipeline, "sis_products_publish", {"product_ids": active, "target_status": "HIDDEN"}
    )
    assert outcome.status is PreviewStatus.READY and outcome.preview is not None
    assert outcome.preview.affected_count == 3 and outcome.risk.value == "MED"
    assert (await _commit(pipeline, outcome)).status is CommitStatus.COMMITTED
    after = await _read(demo, "inventory_status", {"section": "unpublished"})
    assert after.data["counts"]["unpublished"] == before.data["counts"]["unpublished"] + 3

    ops = DemoCatalogActions(demo.session_factory, currency=demo.currency)
    status = await _read(demo, "sis_fx_status", {}, services={CATALOG_SERVICE_KEY: ops})
    assert status.status == "ok", status.error
    assert (
        status.data["last_snapshot"]["rate_set_id"]
        == (await latest_rate_set(demo.session_factory)).rate_set_id
    )
    missing = await _read(demo, "sis_fx_status", {})
    assert missing.status == "error" and missing.error is not None
    assert missing.error.code is ErrorCode.NOT_SUPPORTED


async def test_discount_commit_applies_the_bound_ids_only(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    outcome = await _preview(pipeline, "sis_discounts_set", {"stock_lte": 0, "discount_percent": 20})
    assert outcome.status is PreviewStatus.READY and outcome.preview is not None
    bound = json.loads((await token_row(demo.session_factory, outcome.token_id or "")).payload)
    assert len(bound["product_ids"]) == outcome.preview.affected_count > 0
    late = next(
        p for p in (await products(demo.session_factory)).values() if p.stock > 0 and p.price is not None
    )
    async with demo.session_factory() as session:
        await session.execute(update(DemoProduct).where(DemoProduct.id == late.id).values(stock=0))
        await session.commit()
    result = await _commit(pipeline, outcome)
    assert result.result is not None and result.result.changed_count == len(bound["product_ids"])
    after = (await products(demo.session_factory))[late.id]
    assert (after.price, after.discount_percent) == (late.price, late.discount_percent)


async def test_fx_auto_commit_uses_the_claims_key(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    pipeline = _pipeline(demo)
    ops = DemoCatalogActions(demo.session_factory, currency=demo.currency)
    latest = await latest_rate_set(demo.session_factory)
    params = {"rate_set_id": latest.rate_set_id, "input_currency": "USD", "shop_currency": demo.currency}
    await ops.reprice_apply(RepriceParams.model_validate(params), force=True, actor_id=OWNER, now=demo.now)
    rates = {**latest.rates, "USD": str(Decimal(latest.rates["USD"]) * Decimal("0.95"))}
    async with demo.session_factory() as session:
        session.add(
            DemoFxSnapshot(
                id=100_000,
                rate_set_id="rs-moved",
                base_currency=latest.base_currency,
                rates=rates,
                fetched_at=demo.now + timedelta(hours=1),
            )
        )
        await session.commit()
    outcome = await _preview(pipeline, "sis_fx_reprice_auto", {})
    assert outcome.status is PreviewStatus.READY, outcome
    decision, result = await pipeline.confirm_and_execute(_press(outcome, force=outcome.force_required))
    assert decision.claim is not None and result is not None and result.result is not None
    assert result.status is CommitStatus.COMMITTED and result.result.details["status"] == "committed"
    async with demo.session_factory() as session:
        keys = list((await session.scalars(select(CatalogIdempotencyRecord.key))).all())
    assert keys == [decision.claim.idempotency_key]
