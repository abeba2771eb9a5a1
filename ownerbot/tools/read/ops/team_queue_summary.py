"""`team_queue_summary`: the support queue by waiting time, the most overdue threads and what to do next."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump
from ownerbot.tools.read.sales.common import provenance_sources
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.ops import QueueSummary

# A manager holding this share of a queue of at least REBALANCE_MIN_THREADS is a bottleneck.
REBALANCE_SHARE = 0.5
REBALANCE_MIN_THREADS = 4


class TeamQueueSummaryPayload(OpsPayload):
    """No parameters: the queue as it stands now."""


def recommend(summary: QueueSummary) -> dict[str, Any]:
    """One next step as a code with its figures; presenters word it in the owner's language.

    Priority: threads over 24 h first (a customer is likely lost), then one overloaded manager, then
    threads over 2 h; otherwise the queue is fine.
    """
    counts = {bucket.label: bucket.count for bucket in summary.buckets}
    oldest = summary.most_overdue[0] if summary.most_overdue else None
    if summary.total_unanswered == 0 or oldest is None:
        return {"code": "queue_clear", "params": {}}
    if counts["over_24h"]:
        return {
            "code": "answer_oldest",
            "params": {
                "over_24h": counts["over_24h"],
                "thread_id": oldest.thread_id,
                "customer_name": oldest.customer_name,
                "waiting_hours": oldest.waiting_minutes // 60,
            },
        }
    busiest = summary.by_manager[0] if summary.by_manager else None
    if (
        busiest is not None
        and summary.total_unanswered >= REBALANCE_MIN_THREADS
        and busiest.count >= summary.total_unanswered * REBALANCE_SHARE
    ):
        return {
            "code": "rebalance",
            "params": {"manager_name": busiest.manager_name, "threads": busiest.count},
        }
    overdue = counts["2h_6h"] + counts["6h_24h"]
    if overdue:
        return {"code": "answer_overdue", "params": {"over_2h": overdue, "thread_id": oldest.thread_id}}
    return {"code": "keep_pace", "params": {"unanswered": summary.total_unanswered}}


async def team_queue_summary(payload: TeamQueueSummaryPayload, ctx: ToolContext) -> ToolResult:
    """Buckets 2 h / 6 h / 24 h, load per manager and the five most overdue threads (windowless)."""
    summary = await ctx.provider.ops.queue_summary(ctx.now)
    data = {**dump(summary), "recommendation": recommend(summary), "as_of": ctx.now}
    return ToolResult(data=data, sources=provenance_sources(ctx, summary.sources))


SPEC: ToolSpec[TeamQueueSummaryPayload] = ToolSpec(
    name="team_queue_summary",
    kind=ToolKind.READ,
    payload_model=TeamQueueSummaryPayload,
    description="Support queue by waiting time (2 h / 6 h / 24 h), most overdue threads, next step",
    handler=team_queue_summary,
    risk=Risk.LOW,
    examples=({},),
    windowless=True,
)
