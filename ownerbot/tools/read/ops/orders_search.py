"""`orders_search`: find orders by text, status, flag and problem presets; keyset-paged, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump, field_failure
from ownerbot.tools.read.sales.common import provenance_sources, to_window
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.ops import InvalidCursor, OrderPreset, OrderQuery

OrderStatus = Literal["new", "awaiting_payment", "paid", "shipped", "delivered", "cancelled", "stuck"]


class OrdersSearchPayload(OpsPayload):
    """Filters combine with AND; `cursor` is the `next_cursor` of the previous page."""

    q: str | None = Field(default=None, min_length=1, max_length=100)
    status: OrderStatus | None = None
    preset: OrderPreset | None = None
    flagged: bool | None = None
    since_hours: int | None = Field(default=None, ge=1, le=720)
    limit: int = Field(default=20, ge=1, le=200)
    cursor: str | None = Field(default=None, min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_\-=]+$")

    @field_validator("q")
    @classmethod
    def _q_has_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().lstrip("#"):
            raise ValueError("q: must contain an order id, a phone or a customer id, not only spaces or #")
        return value


async def orders_search(payload: OrdersSearchPayload, ctx: ToolContext) -> ToolResult:
    """One page of matching orders plus the total count.

    The answer is a snapshot "as of now", so the tool is windowless; with `since_hours` it also carries
    the shop-local days that period touches.
    """
    query = OrderQuery(**payload.model_dump())
    try:
        page = await ctx.provider.ops.search_orders(query, ctx.now)
    except InvalidCursor:
        raise field_failure("cursor", "the next_cursor of a previous page", payload.cursor) from None
    applied: dict[str, Any] = payload.model_dump(exclude_none=True, exclude={"cursor"})
    window = None
    if payload.since_hours is not None:
        tz = ctx.tenant.timezone
        since = page.as_of - timedelta(hours=payload.since_hours)
        window = to_window(DayWindow(local_day(since, tz), local_day(page.as_of, tz), tz))
    data = {**dump(page), "applied_filters": applied}
    return ToolResult(data=data, sources=provenance_sources(ctx, page.sources), window=window)


SPEC: ToolSpec[OrdersSearchPayload] = ToolSpec(
    name="orders_search",
    kind=ToolKind.READ,
    payload_model=OrdersSearchPayload,
    description="Search orders by id/phone/customer, status, flag or problem preset (stuck, late_ship, "
    "payment_issues)",
    handler=orders_search,
    risk=Risk.LOW,
    examples=({"preset": "stuck"}, {"q": "+49 151"}, {"preset": "payment_issues", "since_hours": 48}),
    windowless=True,
)
