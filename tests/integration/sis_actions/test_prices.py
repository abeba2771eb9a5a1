"""Price actions (bump, reprice, rollback) previewed and committed through the pipeline on the simulator."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.storage.demo_models import DemoProduct
from ownerbot.tools.contract import ErrorCode
from tests.integration.sis_actions.conftest import Harness, products_in


async def test_bump_preview_matches_the_simulator_and_commit_changes_it(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    priced = {pid: p for pid, p in before.items() if p.price is not None}

    outcome = await harness.preview("sis_prices_bump", {"bump_percent": "10"})

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.preview is not None
    assert outcome.preview.affected_count == len(priced)
    for example in outcome.preview.examples:
        pid = int(example.target.split()[0].lstrip("#"))
        assert example.before == f"{priced[pid].price} EUR"
    assert await harness.admin.applies("prices_bump_apply") == 0

    result = await harness.commit(outcome)

    assert result.status is CommitStatus.COMMITTED, result.error
    assert result.result is not None and result.result.changed_count == len(priced)
    after = await products_in(harness.sim_db)
    for example in outcome.preview.examples:
        pid = int(example.target.split()[0].lstrip("#"))
        assert example.after.startswith(f"{after[pid].price} EUR")
        old_price, new_price = priced[pid].price, after[pid].price
        assert old_price is not None and new_price is not None
        assert new_price >= old_price * Decimal("1.1")
    assert await harness.admin.applies("prices_bump_apply") == 1


async def _rate_args(harness: Harness) -> dict[str, str]:
    assert harness.sim.state.catalog is not None
    status = await harness.sim.state.catalog.fx_status()
    assert status.last_snapshot is not None
    other = next(c for c in sorted(status.last_snapshot.rates) if c != "EUR")
    return {"rate_set_id": status.last_snapshot.rate_set_id, "input_currency": other, "shop_currency": "EUR"}


async def test_anomalous_reprice_goes_through_the_force_step_then_rolls_back(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    outcome = await harness.preview("sis_fx_reprice", {**await _rate_args(harness), "markup_percent": "60"})

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.force_required and outcome.preview is not None and outcome.preview.anomaly
    decision, result = await harness.pipeline.confirm_and_execute(harness.press(outcome))
    assert result is None and decision.status.value == "force_required"
    assert await harness.admin.requests("reprice_apply") == 0

    forced = await harness.commit(outcome, force=True)

    assert forced.status is CommitStatus.COMMITTED, forced.error
    assert await harness.admin.applies("reprice_apply") == 1
    repriced = await products_in(harness.sim_db)
    changed = [pid for pid in before if before[pid].price != repriced[pid].price]
    assert len(changed) > 0 and forced.result is not None
    assert forced.result.changed_count == outcome.preview.affected_count
    assert forced.result.undo is not None and forced.result.undo.action == "sis_fx_rollback"

    rollback = await harness.preview("sis_fx_rollback", {})
    assert rollback.status is PreviewStatus.READY, rollback.error
    assert rollback.preview is not None and rollback.preview.affected_count == forced.result.changed_count
    undone = await harness.commit(rollback)

    assert undone.status is CommitStatus.COMMITTED, undone.error
    restored = await products_in(harness.sim_db)
    assert {pid: p.price for pid, p in restored.items()} == {pid: p.price for pid, p in before.items()}
    assert await harness.admin.applies("rollback_apply") == 1

    again = await harness.preview("sis_fx_rollback", {})
    assert again.status is PreviewStatus.NOOP and again.token_id is None
    assert await harness.admin.applies("rollback_apply") == 1


async def test_sis_409_at_apply_leads_to_the_force_step(harness: Harness) -> None:
    """A preview that was calm, data that turned anomalous before the confirm: SIS 409 → force step."""
    args = await _rate_args(harness)
    baseline = await harness.preview("sis_fx_reprice", args)  # the seeded prices are far from the rates
    assert (await harness.commit(baseline, force=True)).status is CommitStatus.COMMITTED
    outcome = await harness.preview("sis_fx_reprice", {**args, "markup_percent": "10"})
    assert outcome.status is PreviewStatus.READY and not outcome.force_required, outcome.error
    applies = await harness.admin.applies("reprice_apply")
    # Halve every price in SIS behind OwnerBot's back: the reprice now moves them by ~+100 %.
    async with harness.sim_db.begin() as session:
        for product in (await session.scalars(select(DemoProduct))).all():
            if product.price is not None:
                product.price = (product.price / 2).quantize(Decimal("0.01"))

    first = await harness.commit(outcome)

    assert first.status is CommitStatus.FORCE_REQUIRED, first.error
    assert first.force_reason
    assert first.token.force_required
    assert await harness.admin.applies("reprice_apply") == applies
    forced = await harness.commit(outcome, force=True)
    assert forced.status is CommitStatus.COMMITTED, forced.error
    assert await harness.admin.applies("reprice_apply") == applies + 1


async def test_reprice_with_a_stale_rate_set_is_a_validation_error(harness: Harness) -> None:
    args = {**await _rate_args(harness), "rate_set_id": "no-such-rate-set"}
    outcome = await harness.preview("sis_fx_reprice", args)

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.VALIDATION_ERROR
    assert "rate_set_id" in outcome.error.message


async def test_reprice_with_a_currency_sis_has_no_rate_for_is_rate_missing(harness: Harness) -> None:
    args = {**await _rate_args(harness), "input_currency": "XYZ"}
    outcome = await harness.preview("sis_fx_reprice", args)

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.SIS_RATE_MISSING, outcome.error


async def test_rollback_of_a_job_that_is_no_longer_the_latest_is_refused_by_sis(harness: Harness) -> None:
    args = await _rate_args(harness)
    first = await harness.preview("sis_fx_reprice", args)
    assert (await harness.commit(first, force=first.force_required)).status is CommitStatus.COMMITTED
    rollback = await harness.preview("sis_fx_rollback", {})  # bound to the first job
    assert rollback.status is PreviewStatus.READY, rollback.error
    second = await harness.preview("sis_fx_reprice", {**args, "markup_percent": "5"})
    assert (await harness.commit(second, force=second.force_required)).status is CommitStatus.COMMITTED
    prices = {pid: p.price for pid, p in (await products_in(harness.sim_db)).items()}

    result = await harness.commit(rollback)

    assert result.status is CommitStatus.FAILED
    assert result.error is not None and result.error.code is ErrorCode.VALIDATION_ERROR
    assert await harness.admin.requests("rollback_apply") == 1
    assert await harness.admin.applies("rollback_apply") == 0
    assert {pid: p.price for pid, p in (await products_in(harness.sim_db)).items()} == prices
