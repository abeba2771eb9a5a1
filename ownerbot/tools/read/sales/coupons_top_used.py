"""`coupons_top_used`: the coupons used most in a window."""

from __future__ import annotations

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
from ownerbot.tools.read.sales.coupons_status import coupon_row, coupon_totals
from ownerbot.tools.registry import ToolContext, ToolSpec


class CouponsTopUsedPayload(ToolPayload):
    """Uses over `days` (30; 1..365) ending today; the top `limit` (10; 1..50)."""

    days: int = Field(default=30, ge=1, le=365)
    limit: int = Field(default=10, ge=1, le=50)


async def coupons_top_used(payload: CouponsTopUsedPayload, ctx: ToolContext) -> ToolResult:
    """Coupons with at least one use, by uses, then discount given, then code."""
    today = shop_today(ctx)
    window = DayWindow.last_days(payload.days, today, ctx.tenant.timezone)
    report = await ctx.provider.sales.coupon_usage(window, ctx.now)
    used = sorted((c for c in report.coupons if c.uses), key=lambda c: (-c.uses, -c.discount, c.code))
    warnings = window_warnings(window, today)
    if not used:
        warnings.append(no_data_warning("coupon uses"))
    data = {
        "window": window.as_provenance(),
        "days": window.n_days,
        "currency": report.currency,
        "coupons_used": len(used),
        "totals": coupon_totals(used),
        "rows": [{"rank": rank, **coupon_row(c)} for rank, c in enumerate(used[: payload.limit], start=1)],
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, report.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[CouponsTopUsedPayload] = ToolSpec(
    name="coupons_top_used",
    kind=ToolKind.READ,
    payload_model=CouponsTopUsedPayload,
    description="Most used coupons in a window: uses, discount given, sales under discount",
    handler=coupons_top_used,
    risk=Risk.LOW,
    examples=({}, {"days": 7, "limit": 5}),
)
