"""`sis_discounts_clear`: restore the compare-at price and drop the discount (ids bound by the preview)."""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import DiscountClearParams


class SisDiscountsClearPayload(DiscountClearParams):
    reason: FlagReason = None
    force: bool = Field(default=False)


def params_of(payload: SisDiscountsClearPayload) -> DiscountClearParams:
    return DiscountClearParams.model_validate(payload.model_dump(exclude={"reason", "force"}))


async def preview_discounts_clear(payload: SisDiscountsClearPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).discounts_clear_preview(params_of(payload))
    plan = payload.model_dump(mode="json")
    plan["product_ids"] = preview.ids
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=tr(
            loc,
            f"Снять скидки: {preview.affected_count} товаров",
            f"Clear discounts: {preview.affected_count} products",
        ),
        examples=state_examples(preview.examples),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Скидок нет.", "No discounts.") if not preview.affected_count else None,
        bound_payload=plan if preview.ids else None,
    )


async def commit_discounts_clear(payload: SisDiscountsClearPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).discounts_clear_apply(
            params_of(payload), actor_id=ctx.actor_id, now=ctx.now
        )
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc, f"Скидки сняты: {result.affected_count}.", f"Discounts cleared: {result.affected_count}."
        ),
        warnings=warning_texts(result.warnings, loc),
        details={"ids": result.ids, "reason": payload.reason},
    )


SPEC = action_spec(
    name="sis_discounts_clear",
    payload_model=SisDiscountsClearPayload,
    description="Clear discounts: price back to the compare-at price (by ids / only_active)",
    preview=preview_discounts_clear,
    commit=commit_discounts_clear,
    risk=Risk.MED,
    target_system="SIS",
    examples=({"only_active": True},),
)
