"""`sis_looks_publish`: switch looks on or off by ids and/or current state (ids bound by the preview)."""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import LooksPublishParams


class SisLooksPublishPayload(LooksPublishParams):
    reason: FlagReason = None
    force: bool = Field(default=False)


def params_of(payload: SisLooksPublishPayload) -> LooksPublishParams:
    return LooksPublishParams.model_validate(payload.model_dump(exclude={"reason", "force"}))


def _state(active: bool, locale: str) -> str:
    return tr(locale, "включены" if active else "выключены", "on" if active else "off")


async def preview_looks(payload: SisLooksPublishPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).looks_publish_preview(params_of(payload))
    plan = payload.model_dump(mode="json")
    plan["look_ids"] = preview.ids
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=tr(
            loc,
            f"Образы {_state(payload.target_active, loc)}: {preview.affected_count}",
            f"Looks {_state(payload.target_active, loc)}: {preview.affected_count}",
        ),
        examples=state_examples(preview.examples),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Менять нечего.", "Nothing to change.") if not preview.affected_count else None,
        bound_payload=plan if preview.ids else None,
    )


async def commit_looks(payload: SisLooksPublishPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).looks_publish_apply(
            params_of(payload), actor_id=ctx.actor_id, now=ctx.now
        )
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc,
            f"Образы {_state(payload.target_active, loc)}: {result.affected_count}.",
            f"Looks {_state(payload.target_active, loc)}: {result.affected_count}.",
        ),
        warnings=warning_texts(result.warnings, loc),
        details={"ids": result.ids, "reason": payload.reason},
    )


SPEC = action_spec(
    name="sis_looks_publish",
    payload_model=SisLooksPublishPayload,
    description="Switch looks on or off by look_ids and/or is_active_from",
    preview=preview_looks,
    commit=commit_looks,
    risk=Risk.MED,
    target_system="SIS",
    examples=({"is_active_from": False, "target_active": True},),
)
