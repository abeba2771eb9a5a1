"""`sis_fx_rollback`: restore the prices backed up by the last reprice (and re-enable its coupons).

The preview binds the job it shows (`job_id`); the commit rolls back only that job, answers
«already rolled back» when it was, and refuses when a newer reprice exists.
"""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import ActionPayload, action_spec
from ownerbot.tools.actions.sis_common import (
    catalog_errors,
    catalog_of,
    price_examples,
    tr,
    warning_texts,
)
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure


class SisFxRollbackPayload(ActionPayload):
    """Empty from the owner; `job_id` is bound by the preview (or given by a reprice's undo)."""

    job_id: int | None = Field(default=None, ge=1)


async def preview_rollback(payload: SisFxRollbackPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    catalog = catalog_of(ctx)
    with catalog_errors():
        preview = await catalog.rollback_preview()
    job = preview.job
    if payload.job_id is not None and job is not None and job.job_id != payload.job_id:
        raise ToolFailure(
            ErrorCode.VALIDATION_ERROR,
            tr(
                loc,
                f"Переоценка {payload.job_id} уже не последняя (последняя {job.job_id}).",
                f"Reprice {payload.job_id} is no longer the latest ({job.job_id}).",
            ),
        )
    summary = (
        tr(
            loc,
            f"Откат переоценки {job.job_id} ({job.rate_set_id}): вернуть {preview.affected_count} цен",
            f"Roll back reprice {job.job_id} ({job.rate_set_id}): restore {preview.affected_count} prices",
        )
        if job is not None and preview.affected_count
        else tr(loc, "Откатывать нечего.", "Nothing to roll back.")
    )
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=summary,
        examples=price_examples(preview.examples, ctx.tenant.currency),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Нет данных для отката.", "No rollback data.")
        if not preview.affected_count
        else None,
        bound_payload={"job_id": job.job_id} if job is not None else None,
        details={"job": job.model_dump(mode="json") if job else None},
    )


async def commit_rollback(payload: SisFxRollbackPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).rollback_apply(payload.job_id, actor_id=ctx.actor_id, now=ctx.now)
    if result.status == "already_rolled_back":
        summary = tr(
            loc, f"Переоценка {result.job_id} уже откачена.", f"Reprice {result.job_id} was rolled back."
        )
    else:
        summary = tr(
            loc,
            f"Откат выполнен: {result.affected_count} цен восстановлено.",
            f"Rolled back: {result.affected_count}.",
        )
    return ActionResult(
        changed_count=result.affected_count,
        summary=summary,
        warnings=warning_texts(result.warnings, loc),
        details={"job_id": result.job_id, "status": result.status},
    )


SPEC = action_spec(
    name="sis_fx_rollback",
    payload_model=SisFxRollbackPayload,
    description="Roll back the last FX reprice: restore the backed-up prices",
    preview=preview_rollback,
    commit=commit_rollback,
    risk=Risk.HIGH,
    target_system="SIS",
    examples=({},),
)
