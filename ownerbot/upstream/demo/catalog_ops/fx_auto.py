"""FX status and the automatic reprice: the decision (skip, noop, no change or reprice) and the
Idempotency-Key records that make an automatic apply happen at most once per key."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.catalog_models import CatalogIdempotencyRecord
from ownerbot.upstream.catalog import (
    SNAPSHOT_NOT_REFRESHED,
    CatalogIdempotencyConflict,
    FxAutoParams,
    FxAutoPreview,
    FxAutoResult,
    FxStatus,
    PriceApplyResult,
    RepriceParams,
)
from ownerbot.upstream.demo.catalog_ops import queries
from ownerbot.upstream.demo.catalog_ops.fx_rates import latest_and_oldest, snapshot_by_id
from ownerbot.upstream.demo.catalog_ops.fx_settings import read_fx_settings
from ownerbot.upstream.demo.catalog_ops.prices import current_reprice_plan

AUTO_APPLY_OPERATION = "fx_apply"


async def fx_status(session: AsyncSession) -> FxStatus:
    settings = await read_fx_settings(session)
    latest, _ = await latest_and_oldest(session)
    job = await queries.last_reprice(session)
    return FxStatus(
        mode=str(settings["reprice_schedule_mode"]),
        provider=str(settings["provider"]),
        last_snapshot=latest.info() if latest else None,
        thresholds={
            "min_rate_delta_abs": settings["min_rate_delta_abs"],
            "min_rate_delta_percent": settings["min_rate_delta_percent"],
        },
        cooldown_hours=int(settings["min_apply_cooldown_hours"]),
        schedule={
            "mode": settings["reprice_schedule_mode"],
            "interval_hours": settings["reprice_schedule_interval_hours"],
            "notify_on_success": settings["reprice_schedule_notify_on_success"],
            "notify_on_failure": settings["reprice_schedule_notify_on_failure"],
        },
        last_apply=queries.job_info(job) if job else None,
        settings=settings,
    )


async def auto_decision(
    session: AsyncSession, params: FxAutoParams, now: datetime, currency: str
) -> tuple[FxAutoPreview, RepriceParams | None]:
    """What an automatic reprice would do now: skipped/noop/no_change, or the reprice params."""
    warnings = [SNAPSHOT_NOT_REFRESHED] if params.refresh_snapshot else []
    settings = await read_fx_settings(session)
    latest, _ = await latest_and_oldest(session)
    job = await queries.last_reprice(session)

    def stop(status: Any, reason: str, summary: str, **extra: Any) -> tuple[FxAutoPreview, None]:
        return (
            FxAutoPreview(
                status=status,
                would_apply=False,
                reason=reason,
                summary=summary,
                warnings=warnings,
                rate_set_id=latest.rate_set_id if latest else None,
                baseline_rate_set_id=job.rate_set_id if job else None,
                **extra,
            ),
            None,
        )

    if latest is None:
        return stop("skipped", "NO_SNAPSHOT", "no FX snapshot yet")
    if job is None:
        return stop("skipped", "NO_BASELINE", "no manual reprice yet: run the first one by hand")
    if job.rolled_back_at is not None:
        return stop("skipped", "ROLLED_BACK", "the last reprice was rolled back: reprice by hand")
    base_params = {k: v for k, v in job.params.items() if k != "auto"}
    reprice = RepriceParams.model_validate({**base_params, "rate_set_id": latest.rate_set_id})
    baseline = await snapshot_by_id(session, job.rate_set_id)
    new_factor = latest.factor(reprice.input_currency, reprice.shop_currency)
    old_factor = baseline.factor(reprice.input_currency, reprice.shop_currency) if baseline else new_factor
    delta_abs = abs(new_factor - old_factor)
    delta_rel = (delta_abs * 100 / old_factor).quantize(Decimal("0.0001")) if old_factor else Decimal(0)
    moved = {"rate_delta_abs": delta_abs, "rate_delta_pct": delta_rel}
    if not params.force_apply:
        if latest.rate_set_id == job.rate_set_id:
            return stop("noop", "NO_NEW_SNAPSHOT", "no new FX snapshot since the last reprice", **moved)
        cooldown = timedelta(hours=int(settings["min_apply_cooldown_hours"]))
        if now - job.created_at < cooldown:
            return stop("skipped", "COOLDOWN", "the cooldown since the last reprice is not over", **moved)
        if not (
            delta_abs > Decimal(str(settings["min_rate_delta_abs"]))
            and delta_rel > Decimal(str(settings["min_rate_delta_percent"]))
        ):
            return stop("noop", "BELOW_MIN_DELTA", "the rate moved less than the minimum", **moved)
    plan = await current_reprice_plan(session, reprice, currency)
    if plan.preview.affected_count == 0:
        return stop(
            "no_change", "NO_CHANGE", "prices already match the latest rates", reprice=plan.preview, **moved
        )
    return (
        FxAutoPreview(
            status="preview",
            would_apply=True,
            summary=plan.preview.summary,
            warnings=warnings + plan.preview.warnings,
            rate_set_id=latest.rate_set_id,
            baseline_rate_set_id=job.rate_set_id,
            reprice=plan.preview,
            **moved,
        ),
        reprice,
    )


def auto_result(
    preview: FxAutoPreview, applied: PriceApplyResult | None, rate_set_id: str | None
) -> FxAutoResult:
    """The stored answer of an automatic apply: what the decision said, or what the reprice did."""
    if applied is None:
        status: Any = preview.status
        return FxAutoResult(
            status=status,
            would_apply=False,
            reason=preview.reason,
            summary=preview.summary,
            warnings=preview.warnings,
            rate_set_id=preview.rate_set_id,
        )
    return FxAutoResult(
        status="committed",
        would_apply=True,
        summary=applied.summary,
        warnings=applied.warnings,
        job_id=applied.job_id,
        affected_count=applied.affected_count,
        rate_set_id=rate_set_id,
    )


def request_hash(operation: str, body: dict[str, Any]) -> str:
    text = json.dumps({"op": operation, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_result(row: CatalogIdempotencyRecord | None, key: str, hashed: str) -> FxAutoResult | None:
    """The replayed result of an earlier call with this key; a conflict when the request differed."""
    if row is None:
        return None
    if row.request_hash != hashed:
        raise CatalogIdempotencyConflict("this Idempotency-Key was used for another request", {"key": key})
    return FxAutoResult.model_validate({**row.result, "replayed": True})
