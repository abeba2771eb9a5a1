"""`reorder_plan`: which products to reorder now, how many units, and how long current stock lasts."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from pydantic import Field

from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.sales.common import ToolPayload, provenance_sources, shop_today, to_window
from ownerbot.tools.read.sales.demand_forecast import forecast_horizon, load_history, product_forecast
from ownerbot.tools.read.sales.forecasting import hundredths, units
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import CatalogProduct

HISTORY_DAYS = 28  # four whole weeks: every weekday weighs the same in the average


class ReorderPlanPayload(ToolPayload):
    """Cover `horizon_days` (30; 1..90) after a `lead_time_days` (14; 0..180) delivery, plus safety stock."""

    horizon_days: int = Field(default=30, ge=1, le=90)
    lead_time_days: int = Field(default=14, ge=0, le=180)
    safety_stock_days: int = Field(default=7, ge=0, le=90)
    limit: int = Field(default=20, ge=1, le=100)


def plan_row(product: CatalogProduct, need: Decimal, cover_days: int, lead_time_days: int) -> dict[str, Any]:
    """Days of stock left at the expected pace, and the whole units to order to cover `need`.

    `need` is the expected demand over `cover_days`; with no demand the stock never runs out (None).
    """
    stock = max(product.stock, 0)
    per_day = need / cover_days
    days_left = units(stock / per_day) if per_day > 0 else None
    return {
        "product_id": product.id,
        "name": product.name,
        "category": product.category_name,
        "stock": product.stock,
        "per_day": hundredths(per_day),
        "days_of_stock_left": days_left,
        "units_needed": units(need),
        # Whole units, rounded up: ordering 0.3 units short still runs out.
        "reorder_qty": max(math.ceil(need - stock), 0),
        "urgent": days_left is not None and days_left <= lead_time_days,
    }


async def reorder_plan(payload: ReorderPlanPayload, ctx: ToolContext) -> ToolResult:
    """Products whose stock does not cover lead time + horizon + safety days of expected demand.

    Demand is the moving-average forecast with weekly pattern over the last 28 complete days;
    `urgent` means stock runs out before a delivery ordered today could arrive. Courses have no stock.
    """
    today = shop_today(ctx)
    history = await load_history(ctx, HISTORY_DAYS, today)
    catalog = await ctx.provider.sales.catalog_products()
    cover_days = payload.lead_time_days + payload.horizon_days + payload.safety_stock_days
    horizon = forecast_horizon(today, cover_days, ctx.tenant.timezone)
    rows = []
    for product in catalog.products:
        if product.kind != "product" or product.status == "ARCHIVED":
            continue
        fc = product_forecast(history, product.id, horizon, "sma")
        need = sum(fc.daily, Decimal(0))
        row = plan_row(product, need, cover_days, payload.lead_time_days)
        if row["reorder_qty"] > 0:
            rows.append({**row, "confidence": fc.confidence, "note": fc.note})
    # reorder_qty > 0 implies demand, so every row has days_of_stock_left.
    rows.sort(key=lambda r: (r["days_of_stock_left"], r["product_id"]))
    warnings = history.warnings()
    if not rows:
        warnings.append(ToolWarning(code="nothing_to_reorder", message="stock covers the expected demand"))
    data = {
        "window": (history.window or history.asked).as_provenance(),
        "cover": horizon.as_provenance(),
        "cover_days": cover_days,
        "horizon_days": payload.horizon_days,
        "lead_time_days": payload.lead_time_days,
        "safety_stock_days": payload.safety_stock_days,
        "products_to_reorder": len(rows),
        "urgent": sum(1 for r in rows if r["urgent"]),
        "units_to_order": sum(r["reorder_qty"] for r in rows),
        "rows": rows[: payload.limit],
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, history.sources, catalog.sources),
        window=to_window(history.window or history.asked),
        warnings=warnings,
    )


SPEC: ToolSpec[ReorderPlanPayload] = ToolSpec(
    name="reorder_plan",
    kind=ToolKind.READ,
    payload_model=ReorderPlanPayload,
    description="Products to reorder: days of stock left and units to order for lead time + horizon",
    handler=reorder_plan,
    risk=Risk.LOW,
    examples=({}, {"horizon_days": 14, "lead_time_days": 7, "safety_stock_days": 3, "limit": 10}),
)
