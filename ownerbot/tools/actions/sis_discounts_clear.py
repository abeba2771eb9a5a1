"""`sis_discounts_clear`: restore the compare-at price and drop the discount (ids bound by the preview)."""

from __future__ import annotations

from ownerbot.tools.actions.sis_common import tr
from ownerbot.tools.actions.sis_state_tool import OwnerFlags, StateTool
from ownerbot.upstream.catalog import DiscountClearParams


# The catalog params, then `reason` and `force` (no docstring: it would become the schema description).
class SisDiscountsClearPayload(OwnerFlags, DiscountClearParams):
    pass


TOOL: StateTool[SisDiscountsClearPayload, DiscountClearParams] = StateTool(
    name="sis_discounts_clear",
    payload_model=SisDiscountsClearPayload,
    params_model=DiscountClearParams,
    ids_field="product_ids",
    preview_call=lambda catalog, params: catalog.discounts_clear_preview(params),
    apply_call=lambda catalog, params, ctx: catalog.discounts_clear_apply(
        params, actor_id=ctx.actor_id, now=ctx.now
    ),
    preview_summary=lambda payload, preview, loc: tr(
        loc,
        f"Снять скидки: {preview.affected_count} товаров",
        f"Clear discounts: {preview.affected_count} products",
    ),
    commit_summary=lambda payload, result, loc: tr(
        loc, f"Скидки сняты: {result.affected_count}.", f"Discounts cleared: {result.affected_count}."
    ),
    noop_reason=("Скидок нет.", "No discounts."),
)
params_of = TOOL.params_of
preview_discounts_clear = TOOL.preview
commit_discounts_clear = TOOL.commit

SPEC = TOOL.spec(
    description="Clear discounts: price back to the compare-at price (by ids / only_active)",
    examples=({"only_active": True},),
)
