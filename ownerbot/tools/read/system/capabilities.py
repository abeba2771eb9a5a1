"""`sis_actions_capabilities`: which SIS action families are supported, and when that was checked."""

from __future__ import annotations

from ownerbot.services.sis_capabilities import CACHE_KEY_PREFIX, probe_paths
from ownerbot.tools.contract import Risk, ToolKind, ToolResult
from ownerbot.tools.read.system.common import SystemPayload, capability_service
from ownerbot.tools.registry import ToolContext, ToolSpec

DEMO_SOURCE = "demo:capabilities"
CACHE_SOURCE = f"ownerbot:state:{CACHE_KEY_PREFIX}"


class SisActionsCapabilitiesPayload(SystemPayload):
    force_refresh: bool = False


async def sis_actions_capabilities(payload: SisActionsCapabilitiesPayload, ctx: ToolContext) -> ToolResult:
    """The cached answer (6 h) unless `force_refresh`; DEMO mode answers that everything is supported."""
    capabilities = await capability_service(ctx).get(force_refresh=payload.force_refresh)
    families = [status.model_dump() for status in capabilities.families.values()]
    data = {
        "families": families,
        "supported": [f["family"] for f in families if f["status"] == "supported"],
        "counts": capabilities.counts(),
        "source": capabilities.source,
        "checked_at": capabilities.checked_at.isoformat(),
        "as_of": ctx.now,
    }
    if capabilities.source == "demo":
        sources = [DEMO_SOURCE]
    else:
        sources = [f"sis:{path}" for path in probe_paths()] + [CACHE_SOURCE + ctx.tenant.shop_id]
    return ToolResult(data=data, sources=sources)


SPEC: ToolSpec[SisActionsCapabilitiesPayload] = ToolSpec(
    name="sis_actions_capabilities",
    kind=ToolKind.READ,
    payload_model=SisActionsCapabilitiesPayload,
    description="Which SIS action families (FX, price bump, rollback, discounts, publishing) are supported",
    handler=sis_actions_capabilities,
    risk=Risk.LOW,
    examples=({}, {"force_refresh": True}),
    windowless=True,
)
