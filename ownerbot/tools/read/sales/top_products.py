"""`top_products`: best or worst products (or categories) by revenue or units over fully paid orders."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.sales.common import (
    ToolPayload,
    no_data_warning,
    provenance_sources,
    shop_today,
    to_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import ratio


class TopProductsPayload(ToolPayload):
    """`days` (7; 1..365, ending today), `metric`, `direction`, `group_by`, `limit` (10; 1..50)."""

    days: int = Field(default=7, ge=1, le=365)
    metric: Literal["revenue", "qty"] = "revenue"
    direction: Literal["top", "bottom"] = "top"
    group_by: Literal["product", "category"] = "product"
    limit: int = Field(default=10, ge=1, le=50)


async def top_products(payload: TopProductsPayload, ctx: ToolContext) -> ToolResult:
    """Ranked rows with their share of the window's revenue and units, plus the window's totals."""
    today = shop_today(ctx)
    window = DayWindow.last_days(payload.days, today, ctx.tenant.timezone)
    ranking = await ctx.provider.sales.top_products(
        window,
        metric=payload.metric,
        direction=payload.direction,
        group_by=payload.group_by,
        limit=payload.limit,
    )
    warnings = window_warnings(window, today)
    if ranking.total_qty == 0:
        warnings.append(no_data_warning("paid orders"))
    rows = [
        {
            "rank": rank,
            "id": row.id,
            "name": row.name,
            "category_id": row.category_id,
            "category": row.category_name,
            "qty": row.qty,
            "revenue": row.revenue,
            "orders": row.orders,
            "revenue_share_pct": ratio(row.revenue, ranking.total_revenue, scale=100),
            "qty_share_pct": ratio(row.qty, ranking.total_qty, scale=100),
        }
        for rank, row in enumerate(ranking.rows, start=1)
    ]
    data = {
        "window": window.as_provenance(),
        "days": window.n_days,
        "currency": ranking.currency,
        "metric": payload.metric,
        "direction": payload.direction,
        "group_by": payload.group_by,
        "rows": rows,
        "ranked": ranking.candidates,
        "totals": {
            "qty": ranking.total_qty,
            "revenue": ranking.total_revenue,
            "orders": ranking.total_orders,
        },
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, ranking.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[TopProductsPayload] = ToolSpec(
    name="top_products",
    kind=ToolKind.READ,
    payload_model=TopProductsPayload,
    description="Top or bottom products or categories by revenue or units over paid orders",
    handler=top_products,
    risk=Risk.LOW,
    examples=(
        {"days": 7, "metric": "revenue"},
        {"days": 30, "metric": "qty", "direction": "bottom"},
        {"days": 30, "group_by": "category", "limit": 5},
    ),
)
