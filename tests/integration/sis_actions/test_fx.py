"""FX actions on the simulator: auto reprice (no-op short-circuit, Idempotency-Key), settings whitelist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.storage.catalog_models import CatalogPriceJob
from ownerbot.storage.demo_models import DemoFxSnapshot
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.catalog import FxAutoParams
from ownerbot.upstream.sis.catalog_actions import SisCatalogActions
from tests.integration.sis_actions.conftest import OWNER, Harness
from tests.integration.sis_actions.test_prices import _rate_args


async def _jobs(harness: Harness) -> int:
    async with harness.sim_db() as session:
        return int(await session.scalar(select(func.count()).select_from(CatalogPriceJob)) or 0)


async def _baseline_and_new_rates(harness: Harness) -> None:
    """A reprice job at the latest snapshot, then a newer snapshot 5 % away: auto reprice would apply."""
    args = await _rate_args(harness)
    baseline = await harness.preview("sis_fx_reprice", args)
    assert (await harness.commit(baseline, force=baseline.force_required)).status is CommitStatus.COMMITTED
    async with harness.sim_db.begin() as session:
        latest = await session.scalar(select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at.desc()))
        assert latest is not None
        moved = {k: str(Decimal(v) * Decimal("1.05")) for k, v in latest.rates.items()}
        moved[latest.base_currency] = latest.rates.get(latest.base_currency, "1")
        session.add(
            DemoFxSnapshot(
                rate_set_id=f"{latest.rate_set_id}-next",
                base_currency=latest.base_currency,
                rates=moved,
                fetched_at=max(latest.fetched_at + timedelta(minutes=1), datetime.now(UTC)),
            )
        )


async def test_auto_reprice_without_baseline_is_a_noop_and_never_applies(harness: Harness) -> None:
    outcome = await harness.preview("sis_fx_reprice_auto", {})

    assert outcome.status is PreviewStatus.NOOP and outcome.token_id is None, outcome.error
    assert outcome.preview is not None and outcome.preview.details["status"] in ("skipped", "noop")
    assert await harness.admin.requests("fx_preview") == 1
    assert await harness.admin.requests("fx_apply") == 0


async def test_auto_reprice_commits_once_with_the_claims_idempotency_key(harness: Harness) -> None:
    await _baseline_and_new_rates(harness)
    jobs = await _jobs(harness)

    outcome = await harness.preview("sis_fx_reprice_auto", {})
    assert outcome.status is PreviewStatus.READY, (outcome.error, outcome.preview)
    result = await harness.commit(outcome)

    assert result.status is CommitStatus.COMMITTED, result.error
    assert result.result is not None and result.result.details["status"] == "committed"
    assert result.result.changed_count == outcome.preview.affected_count if outcome.preview else False
    assert await harness.admin.applies("fx_apply") == 1
    assert await _jobs(harness) == jobs + 1


async def test_the_same_idempotency_key_twice_has_one_effect(harness: Harness) -> None:
    await _baseline_and_new_rates(harness)
    jobs = await _jobs(harness)
    catalog = SisCatalogActions(harness.client, currency="EUR", preview_actor_id=OWNER)
    now = datetime.now(UTC)

    first = await catalog.fx_auto_apply(
        FxAutoParams(), idempotency_key="key-1", force=False, actor_id=OWNER, now=now
    )
    second = await catalog.fx_auto_apply(
        FxAutoParams(), idempotency_key="key-1", force=False, actor_id=OWNER, now=now
    )

    assert first.status == "committed" and not first.replayed
    assert second.replayed and second.job_id == first.job_id
    assert await harness.admin.requests("fx_apply") == 2
    assert await harness.admin.applies("fx_apply") == 1
    assert await _jobs(harness) == jobs + 1


async def test_lost_answers_of_fx_apply_are_retried_only_under_the_key(harness: Harness) -> None:
    """Every answer reset: the client repeats the apply under the same key (SIS replays), one effect."""
    await _baseline_and_new_rates(harness)
    jobs = await _jobs(harness)
    outcome = await harness.preview("sis_fx_reprice_auto", {})
    assert outcome.status is PreviewStatus.READY, outcome.error
    await harness.admin.faults(reset=True, only_families=["fx"])

    result = await harness.commit(outcome)

    assert result.status is CommitStatus.UNKNOWN
    assert result.error is not None and result.error.code is ErrorCode.SIS_UNAVAILABLE
    assert await harness.admin.requests("fx_apply") == 1 + harness.settings.sis_max_retries
    assert await harness.admin.applies("fx_apply") == 1
    assert await _jobs(harness) == jobs + 1


async def test_settings_outside_the_whitelist_never_reach_sis(harness: Harness) -> None:
    outcome = await harness.preview("sis_fx_settings_update", {"updates": {"api_secret": "x"}})

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.VALIDATION_ERROR
    assert "api_secret" in outcome.error.message
    stats = await harness.admin.stats()
    assert "fx_settings" not in stats["requests"] and "fx_status" not in stats["requests"]


async def test_bad_setting_value_is_refused_at_preview(harness: Harness) -> None:
    outcome = await harness.preview(
        "sis_fx_settings_update", {"updates": {"reprice_schedule_mode": "hourly"}}
    )

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and "reprice_schedule_mode" in outcome.error.message
    assert await harness.admin.requests("fx_settings") == 0


async def test_settings_update_shows_sis_values_and_changes_them(harness: Harness) -> None:
    assert harness.sim.state.catalog is not None
    before = (await harness.sim.state.catalog.fx_status()).settings
    wanted = before["min_apply_cooldown_hours"] + 3

    outcome = await harness.preview(
        "sis_fx_settings_update", {"updates": {"min_apply_cooldown_hours": wanted}}
    )

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.preview is not None
    [example] = outcome.preview.examples
    assert (example.before, example.after) == (str(before["min_apply_cooldown_hours"]), str(wanted))
    result = await harness.commit(outcome)
    assert result.status is CommitStatus.COMMITTED, result.error
    assert (await harness.sim.state.catalog.fx_status()).settings["min_apply_cooldown_hours"] == wanted
    assert result.result is not None and result.result.undo is not None
    assert result.result.undo.payload == {
        "updates": {"min_apply_cooldown_hours": before["min_apply_cooldown_hours"]}
    }
    assert await harness.admin.applies("fx_settings") == 1
