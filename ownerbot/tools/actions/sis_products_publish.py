"""`sis_products_publish`: set products ACTIVE / HIDDEN / ARCHIVED by ids, current status and/or stock.

The preview binds the exact product ids it would change; the commit changes only those that still
match, so it applies what the owner saw. `stock_lte` (0..999) selects products whose stock is ≤ N
(e.g. hide low-stock products): DEMO filters its own table; the SIS contract has no such field, so the
SIS catalog resolves it to `product_ids` through the read gateway, and the preview says so.
"""

from __future__ import annotations

from pydantic import Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import STOCK_IDS_FROM_INVENTORY, STOCK_LIST_TRUNCATED, ProductsPublishParams


class SisProductsPublishPayload(ProductsPublishParams):
    reason: FlagReason = None
    force: bool = Field(default=False)


def params_of(payload: SisProductsPublishPayload) -> ProductsPublishParams:
    return ProductsPublishParams.model_validate(payload.model_dump(exclude={"reason", "force"}))


def selection_texts(stock_lte: int | None, codes: list[str], locale: str) -> tuple[list[str], list[str]]:
    """How `stock_lte` chose the products (owner texts), and the remaining warning codes."""
    if stock_lte is None:
        return [], codes
    notes: list[str] = []
    rest: list[str] = []
    from_inventory: str | None = None
    for code in codes:
        name, _, value = code.partition(":")
        if name == STOCK_IDS_FROM_INVENTORY:
            from_inventory = value
        elif name == STOCK_LIST_TRUNCATED:
            notes.append(
                tr(
                    locale,
                    f"SIS отдал не весь список ({value}): часть товаров с таким остатком не попала в выбор.",
                    f"SIS listed only part ({value}): some products with such stock are not selected.",
                )
            )
        else:
            rest.append(code)
    if from_inventory is not None:
        head = tr(
            locale,
            f"Выбор по остатку ≤ {stock_lte}: у SIS нет такого фильтра, поэтому id взяты из "
            f"GET /ownerbot/v1/inventory/status?low_stock_lte={stock_lte} (активные и скрытые товары), "
            f"найдено {from_inventory}; в SIS отправлены эти product_ids.",
            f"Chosen by stock ≤ {stock_lte}: SIS has no such filter, so the ids come from "
            f"GET /ownerbot/v1/inventory/status?low_stock_lte={stock_lte} (active and hidden products), "
            f"{from_inventory} found; these product_ids are sent to SIS.",
        )
    else:
        head = tr(
            locale,
            f"Выбор по остатку ≤ {stock_lte} в каталоге DEMO.",
            f"Chosen by stock ≤ {stock_lte} in the DEMO catalog.",
        )
    return [head, *notes], rest


async def preview_publish(payload: SisProductsPublishPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).products_publish_preview(params_of(payload))
    plan = payload.model_dump(mode="json")
    plan["product_ids"] = preview.ids
    selection, codes = selection_texts(payload.stock_lte, preview.warnings, loc)
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=tr(
            loc,
            f"Товары → {payload.target_status}: {preview.affected_count} (подходят {preview.matched_count})",
            f"Products → {payload.target_status}: {preview.affected_count} (matched {preview.matched_count})",
        ),
        examples=state_examples(preview.examples),
        warnings=[*selection, *warning_texts(codes, loc)],
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
        warnings=warning_texts(selection_texts(payload.stock_lte, result.warnings, loc)[1], loc),
        details={"ids": result.ids, "reason": payload.reason},
    )


SPEC = action_spec(
    name="sis_products_publish",
    payload_model=SisProductsPublishPayload,
    description="Publish, hide or archive products by product_ids, status_from and/or stock_lte (stock ≤ N)",
    preview=preview_publish,
    commit=commit_publish,
    risk=Risk.MED,
    target_system="SIS",
    examples=(
        {"status_from": "HIDDEN", "target_status": "ACTIVE"},
        {"status_from": "ACTIVE", "stock_lte": 2, "target_status": "HIDDEN"},
    ),
)
