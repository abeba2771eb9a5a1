"""`kpi_snapshot`: revenue, refunds, orders and AOV of one window (today, yesterday, 7d, 30d, custom)."""

from __future__ import annotations

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.sales.common import (
    PAID_RATE_DEFINITION,
    RangePayload,
    kpi_block,
    kpi_is_empty,
    no_data_warning,
    provenance_sources,
    shop_today,
    to_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec


class KpiSnapshotPayload(RangePayload):
    """`range` (today), or one `day`, or `range=custom` with `from`/`to` (at most 366 days)."""


async def kpi_snapshot(payload: KpiSnapshotPayload, ctx: ToolContext) -> ToolResult:
    """Totals of the window from the provider's daily figures."""
    tz = ctx.tenant.timezone
    today = shop_today(ctx)
    window = payload.window(today, tz)
    totals = await ctx.provider.sales.kpi_totals(window)
    warnings = window_warnings(window, today, totals.days_covered)
    if kpi_is_empty(totals):
        warnings.append(no_data_warning("sales activity"))
    data = {
        "range": payload.effective_range,
        "window": window.as_provenance(),
        "days": window.n_days,
        **kpi_block(totals),
        "paid_rate_definition": PAID_RATE_DEFINITION,
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, totals.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[KpiSnapshotPayload] = ToolSpec(
    name="kpi_snapshot",
    kind=ToolKind.READ,
    payload_model=KpiSnapshotPayload,
    description="KPI of a window: gross/net revenue, refunds, orders created/paid, AOV, paid rate",
    handler=kpi_snapshot,
    risk=Risk.LOW,
    examples=(
        {"range": "today"},
        {"range": "7d"},
        {"range": "custom", "from": "2026-03-01", "to": "2026-03-15"},
    ),
)
