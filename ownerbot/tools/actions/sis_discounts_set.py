"""`sis_discounts_set`: a percent discount (compare-at = list price, price rounded to cents).

The preview binds the exact product ids it would change.
"""

from __future__ import annotations

from ownerbot.tools.actions.sis_common import tr
from ownerbot.tools.actions.sis_state_tool import OwnerFlags, StateTool
from ownerbot.upstream.catalog import DiscountSetParams


# The catalog params, then `reason` and `force` (no docstring: it would become the schema description).
class SisDiscountsSetPayload(OwnerFlags, DiscountSetParams):
    pass


TOOL: StateTool[SisDiscountsSetPayload, DiscountSetParams] = StateTool(
    name="sis_discounts_set",
    payload_model=SisDiscountsSetPayload,
    params_model=DiscountSetParams,
    ids_field="product_ids",
    preview_call=lambda catalog, params: catalog.discounts_set_preview(params),
    apply_call=lambda catalog, params, ctx: catalog.discounts_set_apply(
        params, actor_id=ctx.actor_id, now=ctx.now
    ),
    preview_summary=lambda payload, preview, loc: tr(
        loc,
        f"Скидка {payload.discount_percent}%: {preview.affected_count} товаров",
        f"Discount {payload.discount_percent}%: {preview.affected_count} products",
    ),
    commit_summary=lambda payload, result, loc: tr(
        loc,
        f"Скидка {payload.discount_percent}% установлена: {result.affected_count}.",
        f"Discount {payload.discount_percent}% set: {result.affected_count}.",
    ),
    rollback_hint=("Снять: sis_discounts_clear.", "Undo: sis_discounts_clear."),
)
params_of = TOOL.params_of
preview_discounts_set = TOOL.preview
commit_discounts_set = TOOL.commit

SPEC = TOOL.spec(
    description="Set a percent discount (1..95) on products by ids / only_active / stock_lte",
    examples=({"discount_percent": 10, "only_active": True},),
)
