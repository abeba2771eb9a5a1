"""`renew_summary`: access renewals — offers, completions, conversion and the revenue they brought."""

from __future__ import annotations

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsRangePayload, RangeName, dump
from ownerbot.tools.read.sales.common import provenance_sources, shop_today, to_window, window_warnings
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.ops import RenewalsData


class RenewSummaryPayload(OpsRangePayload):
    """`range` (30d: renewals are monthly events), or `range=custom` with `from`/`to`."""

    range: RangeName = "30d"


async def renew_summary(payload: RenewSummaryPayload, ctx: ToolContext) -> ToolResult:
    """Conversion counts offers and completions that happened in the window (not offer cohorts)."""
    today = shop_today(ctx)
    window = payload.window(today, ctx.tenant.timezone)
    data: RenewalsData = await ctx.provider.ops.renewals(window)
    answer = {**dump(data), "range": payload.range, "window": window.as_provenance()}
    return ToolResult(
        data=answer,
        sources=provenance_sources(ctx, data.sources),
        window=to_window(window),
        warnings=window_warnings(window, today),
    )


SPEC: ToolSpec[RenewSummaryPayload] = ToolSpec(
    name="renew_summary",
    kind=ToolKind.READ,
    payload_model=RenewSummaryPayload,
    description="Access renewals: offers, completions, conversion, revenue from renewals",
    handler=renew_summary,
    risk=Risk.LOW,
    examples=({}, {"range": "7d"}),
)
