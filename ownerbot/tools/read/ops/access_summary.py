"""`access_summary`: content access denials with spikes against a 14-day baseline, expiries, top targets."""

from __future__ import annotations

from decimal import Decimal

from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.ops.common import OpsRangePayload, dump
from ownerbot.tools.read.sales.common import provenance_sources, shop_today, to_window, window_warnings
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.ops import AccessData, AccessTarget

# A target spikes when its denials per day reach 5× its baseline and there are enough of them to
# matter; a target with no baseline at all spikes on volume alone.
SPIKE_FACTOR = Decimal(5)
SPIKE_MIN_DENIALS = 10
TOP_TARGETS = 5
LISTED_TARGETS = 20


class AccessSummaryPayload(OpsRangePayload):
    """`range` (7d), or `range=custom` with `from`/`to`."""


def spikes(data: AccessData) -> list[AccessTarget]:
    """Targets whose denials in the window are a spike (see SPIKE_FACTOR), biggest first."""
    return [
        target
        for target in data.by_target
        if target.denials >= SPIKE_MIN_DENIALS
        and (target.spike_factor is None or target.spike_factor >= SPIKE_FACTOR)
    ]


async def access_summary(payload: AccessSummaryPayload, ctx: ToolContext) -> ToolResult:
    """Denials by target/action/reason, each against the 14 days before the window."""
    today = shop_today(ctx)
    window = payload.window(today, ctx.tenant.timezone)
    data = await ctx.provider.ops.access(window)
    warnings = window_warnings(window, today)
    if window.start <= today <= window.end:
        warnings.append(
            ToolWarning(
                code="partial_day_rate",
                message="spike factors count today as a whole day, so today's spikes are understated",
            )
        )
    answer = {
        **dump(data, exclude={"by_target"}),
        "range": payload.range,
        "window": window.as_provenance(),
        "by_target": [dump(t) for t in data.by_target[:LISTED_TARGETS]],
        "targets_total": len(data.by_target),
        "top_targets": [dump(t) for t in data.by_target[:TOP_TARGETS]],
        "spikes": [dump(t) for t in spikes(data)],
        "spike_rule": {"factor_at_least": SPIKE_FACTOR, "denials_at_least": SPIKE_MIN_DENIALS},
    }
    return ToolResult(
        data=answer,
        sources=provenance_sources(ctx, data.sources),
        window=to_window(window),
        warnings=warnings,
    )


SPEC: ToolSpec[AccessSummaryPayload] = ToolSpec(
    name="access_summary",
    kind=ToolKind.READ,
    payload_model=AccessSummaryPayload,
    description="Access denials by target/action/reason with spikes vs a 14-day baseline, expiries",
    handler=access_summary,
    risk=Risk.LOW,
    examples=(
        {"range": "today"},
        {"range": "7d"},
        {"range": "custom", "from": "2026-03-01", "to": "2026-03-15"},
    ),
)
