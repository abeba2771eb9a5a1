"""`funnel_snapshot`: where the orders created in a window stand in their payment plan right now."""

from __future__ import annotations

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.sales.common import (
    RangeName,
    RangePayload,
    no_data_warning,
    provenance_sources,
    shop_today,
    to_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import ZERO


class FunnelSnapshotPayload(RangePayload):
    """Orders created in `range` (30d), one `day`, or `range=custom` `from`/`to`."""

    range: RangeName = "30d"


async def funnel_snapshot(payload: FunnelSnapshotPayload, ctx: ToolContext) -> ToolResult:
    """Orders and money by payment stage, due-now buckets, median wait, and the drop after a deposit.

    The cohort is the orders created in the window, shown as they stand at `ctx.now`; cancelled orders
    are counted apart and owe nothing, so they are out of the stages and buckets.
    """
    today = shop_today(ctx)
    window = payload.window(today, ctx.tenant.timezone)
    funnel = await ctx.provider.sales.funnel(window, ctx.now)
    warnings = window_warnings(window, today)
    if funnel.orders_created == 0:
        warnings.append(no_data_warning("orders created"))
    open_stages = [s for s in funnel.stages if s.stage != "fully_paid"]
    data = {
        "range": payload.effective_range,
        "window": window.as_provenance(),
        "as_of": funnel.as_of.isoformat(),
        "currency": funnel.currency,
        "orders_created": funnel.orders_created,
        "cancelled": funnel.cancelled,
        "stages": [
            {
                "stage": s.stage,
                "orders": s.orders,
                "total": s.total,
                "paid": s.paid,
                "due_now": s.due_now,
                "remaining_due": s.remaining_due,
                "median_hours_in_stage": s.median_hours_in_stage,
            }
            for s in funnel.stages
        ],
        "open_orders": sum(s.orders for s in open_stages),
        "open_due_now": sum((s.due_now for s in open_stages), ZERO),
        "due_now_buckets": [
            {"age": b.label, "orders": b.orders, "due_now": b.due_now} for b in funnel.due_buckets
        ],
        "deposit": {
            "paid_deposit": funnel.deposit_paid,
            "balance_not_paid": funnel.deposit_dropped,
            "drop_pct": funnel.deposit_drop_pct,
        },
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, funnel.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[FunnelSnapshotPayload] = ToolSpec(
    name="funnel_snapshot",
    kind=ToolKind.READ,
    payload_model=FunnelSnapshotPayload,
    description="Payment funnel: orders and money by stage, what is due now and how long, deposit drop-off",
    handler=funnel_snapshot,
    risk=Risk.LOW,
    examples=(
        {"range": "30d"},
        {"range": "7d"},
        {"range": "custom", "from": "2026-03-01", "to": "2026-03-29"},
    ),
)
