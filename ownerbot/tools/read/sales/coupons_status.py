"""`coupons_status`: which coupons work now, how much they were used, and the sales made under them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from ownerbot.upstream.sales import ZERO, CouponUsage


class CouponsStatusPayload(ToolPayload):
    """Uses over `days` (30; 1..365) ending today; at most `limit` (20; 1..100) coupons listed."""

    days: int = Field(default=30, ge=1, le=365)
    limit: int = Field(default=20, ge=1, le=100)


def coupon_row(coupon: CouponUsage) -> dict[str, Any]:
    """One coupon as the sales tools show it; `uses`, `discount` and `order_total` are in the window."""
    remaining = None if coupon.max_uses is None else max(coupon.max_uses - coupon.uses_total, 0)
    return {
        "code": coupon.code,
        "percent": coupon.percent,
        "active": coupon.active,
        "starts_at": coupon.starts_at.isoformat(),
        "ends_at": coupon.ends_at.isoformat() if coupon.ends_at else None,
        "max_uses": coupon.max_uses,
        "uses_total": coupon.uses_total,
        "uses_left": remaining,
        "uses": coupon.uses,
        "discount": coupon.discount,
        "order_total": coupon.order_total,
    }


def coupon_totals(coupons: Sequence[CouponUsage]) -> dict[str, Any]:
    """Uses, discount given and order totals in the window, summed over `coupons`."""
    return {
        "uses": sum(c.uses for c in coupons),
        "discount": sum((c.discount for c in coupons), ZERO),
        "order_total": sum((c.order_total for c in coupons), ZERO),
    }


async def coupons_status(payload: CouponsStatusPayload, ctx: ToolContext) -> ToolResult:
    """Active coupons first (most used first), then the rest; totals cover every coupon, listed or not."""
    today = shop_today(ctx)
    window = DayWindow.last_days(payload.days, today, ctx.tenant.timezone)
    report = await ctx.provider.sales.coupon_usage(window, ctx.now)
    ordered = sorted(report.coupons, key=lambda c: (not c.active, -c.uses, c.code))
    warnings = window_warnings(window, today)
    if not any(c.uses for c in report.coupons):
        warnings.append(no_data_warning("coupon uses"))
    data = {
        "window": window.as_provenance(),
        "days": window.n_days,
        "as_of": report.as_of.isoformat(),
        "currency": report.currency,
        "coupons_total": len(report.coupons),
        "active": sum(c.active for c in report.coupons),
        "totals": coupon_totals(report.coupons),
        "coupons": [coupon_row(c) for c in ordered[: payload.limit]],
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, report.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[CouponsStatusPayload] = ToolSpec(
    name="coupons_status",
    kind=ToolKind.READ,
    payload_model=CouponsStatusPayload,
    description="Coupons: which are active, uses, discount given and sales under discount",
    handler=coupons_status,
    risk=Risk.LOW,
    examples=({}, {"days": 7, "limit": 10}),
)
