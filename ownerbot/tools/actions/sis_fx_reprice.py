"""`sis_fx_reprice`: reprice the catalog from input-currency base prices at the latest FX snapshot.

An anomalous preview (a price moving more than `anomaly_threshold_pct`) asks for the explicit force
step; the commit recomputes at the bound `rate_set_id` and refuses (`ForceRequired`) without force when
the data turned anomalous meanwhile. The result's undo is `sis_fx_rollback` of the job it created.
"""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult, ActionUndo
from ownerbot.tools.actions.common import action_spec
from ownerbot.tools.actions.sis_common import (
    FX_ROLLBACK_HINT,
    catalog_errors,
    catalog_of,
    price_examples,
    tr,
    warning_texts,
)
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import PricePreview, RepriceParams


class SisFxRepricePayload(RepriceParams):
    """The contract's reprice body; `force` is sent only after the explicit "apply anyway" step."""

    force: bool = Field(default=False)


def params_of(payload: SisFxRepricePayload) -> RepriceParams:
    return RepriceParams.model_validate(payload.model_dump(exclude={"force"}))


def reprice_preview(preview: PricePreview, locale: str, summary: str) -> ActionPreview:
    """An `ActionPreview` of a reprice plan (shared with `sis_fx_reprice_auto`)."""
    anomaly = preview.anomaly
    anomalous = anomaly is not None and anomaly.is_anomalous
    reason = None
    if anomaly is not None and anomalous:
        worst = ", ".join(f"#{c.id} {c.delta_pct:+}%" for c in anomaly.examples_over_threshold)
        reason = tr(
            locale,
            f"{anomaly.over_threshold_count} цен меняются больше чем на {anomaly.threshold_pct}% "
            f"(макс. {anomaly.max_delta_pct}%): {worst}",
            f"{anomaly.over_threshold_count} prices move more than {anomaly.threshold_pct}% "
            f"(max {anomaly.max_delta_pct}%): {worst}",
        )
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=summary,
        examples=price_examples(preview.examples, preview.currency),
        warnings=warning_texts(preview.warnings, locale),
        anomaly=anomalous,
        anomaly_reason=reason,
        noop_reason=tr(locale, "Цены уже соответствуют курсу.", "Prices already match the rates.")
        if not preview.affected_count
        else None,
        details={
            "max_delta_pct": str(preview.max_delta_pct),
            "rate_set_id": preview.rate_set_id,
            "anomaly": anomaly.model_dump(mode="json") if anomaly else None,
            **{k: str(v) for k, v in preview.details.items()},
        },
    )


async def preview_reprice(payload: SisFxRepricePayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).reprice_preview(params_of(payload))
    summary = tr(
        loc,
        f"Переоценка {payload.input_currency}→{payload.shop_currency} по курсу {preview.rate_set_id}: "
        f"изменится {preview.affected_count}, макс. {preview.max_delta_pct}%",
        f"Reprice {payload.input_currency}→{payload.shop_currency} at {preview.rate_set_id}: "
        f"{preview.affected_count} change, max {preview.max_delta_pct}%",
    )
    return reprice_preview(preview, loc, summary)


async def commit_reprice(payload: SisFxRepricePayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).reprice_apply(
            params_of(payload), force=ctx.force or payload.force, actor_id=ctx.actor_id, now=ctx.now
        )
    undo = None
    if result.rollback_available and result.rollback_job_id is not None:
        undo = ActionUndo(action="sis_fx_rollback", payload={"job_id": result.rollback_job_id})
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc,
            f"Переоценка применена: {result.affected_count} цен.",
            f"Reprice applied: {result.affected_count}.",
        ),
        warnings=warning_texts(result.warnings, loc),
        rollback_hint=tr(loc, *FX_ROLLBACK_HINT) if undo else None,
        undo=undo,
        details={"job_id": result.job_id, "max_delta_pct": str(result.max_delta_pct)},
    )


SPEC = action_spec(
    name="sis_fx_reprice",
    payload_model=SisFxRepricePayload,
    description="Reprice from input-currency base prices at the latest FX snapshot (rate_set_id must match)",
    preview=preview_reprice,
    commit=commit_reprice,
    risk=Risk.HIGH,
    target_system="SIS",
    examples=({"rate_set_id": "rs-00060", "input_currency": "USD", "shop_currency": "EUR"},),
)
