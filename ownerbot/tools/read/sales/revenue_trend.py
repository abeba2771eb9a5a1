"""`revenue_trend`: a zero-filled daily series, its totals and the change against the previous window."""

from __future__ import annotations

import asyncio
from datetime import date

from pydantic import Field

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.sales.common import (
    ToolPayload,
    change,
    dedupe_warnings,
    kpi_block,
    kpi_is_empty,
    no_data_warning,
    provenance_sources,
    shop_today,
    to_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec

TREND_DELTAS = ("revenue_gross", "revenue_net", "orders_paid", "aov")


class RevenueTrendPayload(ToolPayload):
    """`days` (7; 1..365) ending on `end_day` (today when omitted)."""

    days: int = Field(default=7, ge=1, le=365)
    end_day: date | None = None


async def revenue_trend(payload: RevenueTrendPayload, ctx: ToolContext) -> ToolResult:
    """One point per day (quiet days are 0, not gaps), window totals, and the previous equal window."""
    tz = ctx.tenant.timezone
    today = shop_today(ctx)
    window = DayWindow.last_days(payload.days, payload.end_day or today, tz)
    previous_window = window.previous()
    sales = ctx.provider.sales
    # Three independent reads: asked at once, each on its own connection.
    series, totals, previous = await asyncio.gather(
        sales.daily_series(window), sales.kpi_totals(window), sales.kpi_totals(previous_window)
    )

    current_block, previous_block = kpi_block(totals), kpi_block(previous)
    warnings = window_warnings(window, today, totals.days_covered)
    # The previous window only serves the delta: say when it has gaps, in its own words.
    warnings += [
        ToolWarning(
            code=w.code, message=f"previous window: {w.message}", params={**w.params, "window": "previous"}
        )
        for w in window_warnings(previous_window, today, previous.days_covered)
    ]
    if kpi_is_empty(totals):
        warnings.append(no_data_warning("sales activity"))
    data = {
        "window": window.as_provenance(),
        "days": window.n_days,
        "currency": series.currency,
        "series": [
            {
                "day": point.day.isoformat(),
                "revenue_gross": point.revenue_gross,
                "refunds": point.refunds,
                "revenue_net": point.revenue_net,
                "orders_created": point.orders_created,
                "orders_paid": point.orders_paid,
            }
            for point in series.points
        ],
        "totals": current_block,
        "previous": {"window": previous_window.as_provenance(), **previous_block},
        "delta": {name: change(current_block[name], previous_block[name]) for name in TREND_DELTAS},
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, series.sources, totals.sources, previous.sources),
        window=to_window(window),
        warnings=dedupe_warnings(warnings),
    )


SPEC: ToolSpec[RevenueTrendPayload] = ToolSpec(
    name="revenue_trend",
    kind=ToolKind.READ,
    payload_model=RevenueTrendPayload,
    description="Daily revenue and paid orders over N days, totals and change vs the previous N days",
    handler=revenue_trend,
    risk=Risk.LOW,
    examples=({"days": 7}, {"days": 30}, {"days": 14, "end_day": "2026-03-22"}),
)
