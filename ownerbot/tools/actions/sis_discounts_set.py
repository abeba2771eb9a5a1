"""`sis_discounts_set`: a percent discount (compare-at = list price, price rounded to cents).

The preview binds the exact product ids it would change.
"""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import DiscountSetParams


class SisDiscountsSetPayload(DiscountSetParams):
    reason: FlagReason = None
    force: bool = Field(default=False)


def params_of(payload: SisDiscountsSetPayload) -> DiscountSetParams:
    return DiscountSetParams.model_validate(payload.model_dump(exclude={"reason", "force"}))


async def preview_discounts_set(payload: SisDiscountsSetPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).discounts_set_preview(params_of(payload))
    plan = payload.model_dump(mode="json")
    plan["product_ids"] = preview.ids
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=tr(
            loc,
            f"Скидка {payload.discount_percent}%: {preview.affected_count} товаров",
            f"Discount {payload.discount_percent}%: {preview.affected_count} products",
        ),
        examples=state_examples(preview.examples),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Менять нечего.", "Nothing to change.") if not preview.affected_count else None,
        bound_payload=plan if preview.ids else None,
    )


async def commit_discounts_set(payload: SisDiscountsSetPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).discounts_set_apply(
            params_of(payload), actor_id=ctx.actor_id, now=ctx.now
        )
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc,
            f"Скидка {payload.discount_percent}% установлена: {result.affected_count}.",
            f"Discount {payload.discount_percent}% set: {result.affected_count}.",
        ),
        warnings=warning_texts(result.warnings, loc),
        rollback_hint=tr(loc, "Снять: sis_discounts_clear.", "Undo: sis_discounts_clear."),
        details={"ids": result.ids, "reason": payload.reason},
    )


SPEC = action_spec(
    name="sis_discounts_set",
    payload_model=SisDiscountsSetPayload,
    description="Set a percent discount (1..95) on products by ids / only_active / stock_lte",
    preview=preview_discounts_set,
    commit=commit_discounts_set,
    risk=Risk.MED,
    target_system="SIS",
    examples=({"discount_percent": 10, "only_active": True},),
)
