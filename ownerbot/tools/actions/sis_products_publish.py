"""`sis_products_publish`: set products ACTIVE / HIDDEN / ARCHIVED by ids, current status and/or stock.

The preview binds the exact product ids it would change; the commit changes only those that still
match, so it applies what the owner saw. `stock_lte` (0..999) selects products whose stock is ≤ N
(e.g. hide low-stock products): DEMO filters its own table; the SIS contract has no such field, so the
SIS catalog resolves it to `product_ids` through the read gateway, and the preview says so.
"""

from __future__ import annotations

from ownerbot.tools.actions.sis_common import tr
from ownerbot.tools.actions.sis_state_tool import OwnerFlags, StateTool
from ownerbot.upstream.catalog import STOCK_IDS_FROM_INVENTORY, STOCK_LIST_TRUNCATED, ProductsPublishParams


# The catalog params, then `reason` and `force` (no docstring: it would become the schema description).
class SisProductsPublishPayload(OwnerFlags, ProductsPublishParams):
    pass


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


def _selection(
    payload: SisProductsPublishPayload, codes: list[str], locale: str
) -> tuple[list[str], list[str]]:
    return selection_texts(payload.stock_lte, codes, locale)


TOOL: StateTool[SisProductsPublishPayload, ProductsPublishParams] = StateTool(
    name="sis_products_publish",
    payload_model=SisProductsPublishPayload,
    params_model=ProductsPublishParams,
    ids_field="product_ids",
    preview_call=lambda catalog, params: catalog.products_publish_preview(params),
    apply_call=lambda catalog, params, ctx: catalog.products_publish_apply(
        params, actor_id=ctx.actor_id, now=ctx.now
    ),
    preview_summary=lambda payload, preview, loc: tr(
        loc,
        f"Товары → {payload.target_status}: {preview.affected_count} (подходят {preview.matched_count})",
        f"Products → {payload.target_status}: {preview.affected_count} (matched {preview.matched_count})",
    ),
    commit_summary=lambda payload, result, loc: tr(
        loc,
        f"Товары → {payload.target_status}: {result.affected_count}.",
        f"Products → {payload.target_status}: {result.affected_count}.",
    ),
    selection=_selection,
)
params_of = TOOL.params_of
preview_publish = TOOL.preview
commit_publish = TOOL.commit

SPEC = TOOL.spec(
    description="Publish, hide or archive products by product_ids, status_from and/or stock_lte (stock ≤ N)",
    examples=(
        {"status_from": "HIDDEN", "target_status": "ACTIVE"},
        {"status_from": "ACTIVE", "stock_lte": 2, "target_status": "HIDDEN"},
    ),
)
