"""`order_detail`: one order with amounts, customer (full phone), items, timeline, flags and notes."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump
from ownerbot.tools.read.sales.common import provenance_sources
from ownerbot.tools.registry import ToolContext, ToolSpec


class OrderDetailPayload(OpsPayload):
    """`order_id` as written by the owner: `1234`, `#1234` or a SIS id such as `A-1234`."""

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")

    @field_validator("order_id", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        # Owners type "#1234" and planners send numbers; both mean the same order.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value.strip().removeprefix("#").strip()
        return value


async def order_detail(payload: OrderDetailPayload, ctx: ToolContext) -> ToolResult:
    """The order as it stands now; a missing order is `NOT_FOUND`, never an empty answer."""
    detail = await ctx.provider.ops.order_detail(payload.order_id)
    if detail is None:
        raise ToolFailure(
            ErrorCode.NOT_FOUND,
            f"Order {payload.order_id} was not found.",
            details={"order_id": payload.order_id},
        )
    data = {**dump(detail), "problems": list(detail.problems(ctx.now)), "as_of": ctx.now}
    return ToolResult(data=data, sources=provenance_sources(ctx, detail.sources))


SPEC: ToolSpec[OrderDetailPayload] = ToolSpec(
    name="order_detail",
    kind=ToolKind.READ,
    payload_model=OrderDetailPayload,
    description="One order: payment plan and stage, total/paid/due-now/remaining, customer, items, "
    "timeline, flags, notes",
    handler=order_detail,
    risk=Risk.LOW,
    examples=({"order_id": "1042"},),
    windowless=True,
)
