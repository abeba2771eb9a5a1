"""Catalog read tools: `sis_fx_status` (FX mode, provider, last snapshot, thresholds, last apply).

They read through the `CatalogActions` the process puts in `ToolContext.services` under
`CATALOG_SERVICE_KEY` (DEMO tables, or SIS later); without one the answer is `NOT_SUPPORTED`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.catalog import CATALOG_SERVICE_KEY, CatalogActions, CatalogError


class SisFxStatusPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


def catalog_service(ctx: ToolContext) -> CatalogActions:
    catalog = ctx.services.get(CATALOG_SERVICE_KEY)
    if catalog is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "FX status is not available in this process.")
    return catalog  # type: ignore[no-any-return]  # services hold Any; the key names a CatalogActions


async def sis_fx_status(payload: SisFxStatusPayload, ctx: ToolContext) -> ToolResult:
    try:
        status = await catalog_service(ctx).fx_status()
    except CatalogError as exc:  # SIS refused or failed: its code, not a crash
        code = ErrorCode(exc.code) if exc.code in ErrorCode.__members__ else ErrorCode.SIS_UNAVAILABLE
        raise ToolFailure(code, exc.message) from exc
    data = {**status.model_dump(mode="json"), "as_of": ctx.now}
    return ToolResult(data=data, sources=list(catalog_service(ctx).sources))


SIS_FX_STATUS_SPEC: ToolSpec[SisFxStatusPayload] = ToolSpec(
    name="sis_fx_status",
    kind=ToolKind.READ,
    payload_model=SisFxStatusPayload,
    description="FX status: mode, provider, last snapshot, thresholds, cooldown, schedule, last apply",
    handler=sis_fx_status,
    risk=Risk.LOW,
    examples=({},),
    windowless=True,
)

SPECS: list[ToolSpec[Any]] = [SIS_FX_STATUS_SPEC]
