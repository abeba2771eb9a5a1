"""`sis_fx_reprice_auto`: reprice with the last reprice's parameters when the rates moved enough.

Nothing to do (no new snapshot, below the minimum delta, cooldown, no baseline) is a no-op preview with
no confirm button. The commit sends the claim's idempotency key as `Idempotency-Key`: the same key
always answers the stored result, and takes effect once.
"""

from __future__ import annotations

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult, ActionUndo
from ownerbot.tools.actions.common import ActionPayload, action_spec
from ownerbot.tools.actions.sis_common import FX_ROLLBACK_HINT, catalog_errors, catalog_of, tr, warning_texts
from ownerbot.tools.actions.sis_fx_reprice import reprice_preview
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure
from ownerbot.upstream.catalog import FxAutoParams


class SisFxRepriceAutoPayload(ActionPayload):
    """`force` skips the min-delta and cooldown checks (the anomaly step still applies)."""

    refresh_snapshot: bool = False
    force: bool = False


def params_of(payload: SisFxRepriceAutoPayload) -> FxAutoParams:
    return FxAutoParams(refresh_snapshot=payload.refresh_snapshot, force_apply=payload.force)


async def preview_auto(payload: SisFxRepriceAutoPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).fx_auto_preview(params_of(payload), now=ctx.now)
    if not preview.would_apply or preview.reprice is None:
        return ActionPreview(
            affected_count=0,
            summary=tr(loc, f"Автопереоценка: {preview.status}", f"Auto reprice: {preview.status}"),
            warnings=warning_texts(preview.warnings, loc),
            noop_reason=f"{preview.reason}: {preview.summary}",
            details={"status": preview.status, "reason": preview.reason},
        )
    summary = tr(
        loc,
        f"Автопереоценка по курсу {preview.rate_set_id} (было {preview.baseline_rate_set_id}, "
        f"курс {preview.rate_delta_pct}%): изменится {preview.reprice.affected_count}",
        f"Auto reprice at {preview.rate_set_id} (from {preview.baseline_rate_set_id}, "
        f"rate {preview.rate_delta_pct}%): {preview.reprice.affected_count} change",
    )
    out = reprice_preview(preview.reprice, loc, summary[:500])
    out.details["status"] = preview.status
    return out


async def commit_auto(payload: SisFxRepriceAutoPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    if not ctx.idempotency_key:
        raise ToolFailure(ErrorCode.VALIDATION_ERROR, "An idempotency key is required.")
    with catalog_errors():
        result = await catalog_of(ctx).fx_auto_apply(
            params_of(payload),
            idempotency_key=ctx.idempotency_key,
            force=ctx.force,
            actor_id=ctx.actor_id,
            now=ctx.now,
        )
    undo = ActionUndo(action="sis_fx_rollback", payload={"job_id": result.job_id}) if result.job_id else None
    if result.status == "committed":
        summary = tr(
            loc,
            f"Автопереоценка применена: {result.affected_count} цен.",
            f"Auto reprice: {result.affected_count}.",
        )
    else:
        summary = tr(loc, f"Ничего не сделано: {result.reason}.", f"Nothing done: {result.reason}.")
    return ActionResult(
        changed_count=result.affected_count,
        summary=summary,
        warnings=warning_texts(result.warnings, loc),
        undo=undo,
        rollback_hint=tr(loc, *FX_ROLLBACK_HINT) if undo else None,
        details={"status": result.status, "job_id": result.job_id, "replayed": result.replayed},
    )


SPEC = action_spec(
    name="sis_fx_reprice_auto",
    payload_model=SisFxRepriceAutoPayload,
    description="Reprice automatically when the FX rate moved past the thresholds (no-op otherwise)",
    preview=preview_auto,
    commit=commit_auto,
    risk=Risk.HIGH,
    target_system="SIS",
    examples=({},),
)
