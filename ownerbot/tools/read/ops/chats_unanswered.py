"""`chats_unanswered`: support threads waiting for a manager longer than a threshold."""

from __future__ import annotations

from pydantic import Field

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump
from ownerbot.tools.read.sales.common import provenance_sources
from ownerbot.tools.registry import ToolContext, ToolSpec


class ChatsUnansweredPayload(OpsPayload):
    """`threshold_hours` 0 lists every thread whose customer wrote last."""

    threshold_hours: int = Field(default=2, ge=0, le=168)
    limit: int = Field(default=10, ge=1, le=50)


async def chats_unanswered(payload: ChatsUnansweredPayload, ctx: ToolContext) -> ToolResult:
    """Count and the most overdue threads (waiting at least the threshold), as of now (windowless)."""
    found = await ctx.provider.ops.unanswered_threads(payload.threshold_hours * 60, payload.limit, ctx.now)
    data = {**dump(found), "threshold_hours": payload.threshold_hours, "as_of": ctx.now}
    return ToolResult(data=data, sources=provenance_sources(ctx, found.sources))


SPEC: ToolSpec[ChatsUnansweredPayload] = ToolSpec(
    name="chats_unanswered",
    kind=ToolKind.READ,
    payload_model=ChatsUnansweredPayload,
    description="Support chats waiting for a reply longer than N hours, most overdue first",
    handler=chats_unanswered,
    risk=Risk.LOW,
    examples=({}, {"threshold_hours": 6, "limit": 20}),
    windowless=True,
)
