"""`nudge_health`: AutoNudge reminders sent/failed/skipped, digest status, orders due with no nudge."""

from __future__ import annotations

from typing import Literal

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump, named_window
from ownerbot.tools.read.sales.common import provenance_sources, shop_today, to_window, window_warnings
from ownerbot.tools.registry import ToolContext, ToolSpec


class NudgeHealthPayload(OpsPayload):
    """`range` of the counted reminders; the "due with no nudge" list is always as of now."""

    range: Literal["today", "yesterday", "7d", "30d"] = "7d"


async def nudge_health(payload: NudgeHealthPayload, ctx: ToolContext) -> ToolResult:
    """Counts in the window plus the orders owing money now that got no reminder in 72 h."""
    today = shop_today(ctx)
    window = named_window(payload.range, today, ctx.tenant.timezone)
    health = await ctx.provider.ops.nudges(window, ctx.now)
    answer = {**dump(health), "range": payload.range, "window": window.as_provenance(), "as_of": ctx.now}
    return ToolResult(
        data=answer,
        sources=provenance_sources(ctx, health.sources),
        window=to_window(window),
        warnings=window_warnings(window, today),
    )


SPEC: ToolSpec[NudgeHealthPayload] = ToolSpec(
    name="nudge_health",
    kind=ToolKind.READ,
    payload_model=NudgeHealthPayload,
    description="AutoNudge health: reminders sent/failed/skipped, digest status, orders due with no nudge",
    handler=nudge_health,
    risk=Risk.LOW,
    examples=({}, {"range": "today"}),
)
