"""`sis_products_publish`: set products ACTIVE / HIDDEN / ARCHIVED by ids and/or current status.

The preview binds the exact product ids it would change; the commit changes only those that still
match, so it applies what the owner saw.
"""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import ProductsPublishParams


class SisProductsPublishPayload(ProductsPublishParams):
    reason: FlagReason = None
    force: bool = Field(default=False)


def params_of(payload: SisProductsPublishPayload) -> ProductsPublishParams:
    return ProductsPublishParams.model_validate(payload.model_dump(exclude={"reason", "force"}))


async def preview_publish(payload: SisProductsPublishPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).products_publish_preview(params_of(payload))
    plan = payload.model_dump(mode="json")
    plan["product_ids"] = preview.ids
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=tr(
            loc,
            f"Товары → {payload.target_status}: {preview.affected_count} (подходят {preview.matched_count})",
            f"Products → {payload.target_status}: {preview.affected_count} (matched {preview.matched_count})",
        ),
        examples=state_examples(preview.examples),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Менять нечего.", "Nothing to change.") if not preview.affected_count else None,
        bound_payload=plan if preview.ids else None,
    )


async def commit_publish(payload: SisProductsPublishPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).products_publish_apply(
            params_of(payload), actor_id=ctx.actor_id, now=ctx.now
        )
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc,
            f"Товары → {payload.target_status}: {result.affected_count}.",
            f"Products → {payload.target_status}: {result.affected_count}.",
        ),
        warnings=warning_texts(result.warnings, loc),
        details={"ids": result.ids, "reason": payload.reason},
    )


SPEC = action_spec(
    name="sis_products_publish",
    payload_model=SisProductsPublishPayload,
    description="Publish, hide or archive products by product_ids and/or status_from",
    preview=preview_publish,
    commit=commit_publish,
    risk=Risk.MED,
    target_system="SIS",
    examples=({"status_from": "HIDDEN", "target_status": "ACTIVE"},),
)
