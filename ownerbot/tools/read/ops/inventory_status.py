"""`inventory_status`: catalog health — out of stock, low stock, missing photo/video/price, unpublished."""

from __future__ import annotations

from pydantic import Field

from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload, dump
from ownerbot.tools.read.sales.common import provenance_sources
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.ops import InventorySection


class InventoryStatusPayload(OpsPayload):
    """Without `section` every list is shown; `limit` caps each list, counts are always complete."""

    low_stock_lte: int = Field(default=5, ge=0, le=999)
    section: InventorySection | None = None
    limit: int = Field(default=20, ge=1, le=100)


async def inventory_status(payload: InventoryStatusPayload, ctx: ToolContext) -> ToolResult:
    """Counts per section and the products in each listed section, as of now (windowless)."""
    data = await ctx.provider.ops.inventory(payload.low_stock_lte, payload.section, payload.limit)
    return ToolResult(data={**dump(data), "as_of": ctx.now}, sources=provenance_sources(ctx, data.sources))


SPEC: ToolSpec[InventoryStatusPayload] = ToolSpec(
    name="inventory_status",
    kind=ToolKind.READ,
    payload_model=InventoryStatusPayload,
    description="Catalog health: out of stock, low stock, missing photo/video/price, unpublished",
    handler=inventory_status,
    risk=Risk.LOW,
    examples=({}, {"section": "out_of_stock"}, {"section": "low_stock", "low_stock_lte": 3}),
    windowless=True,
)
