"""`sys_shadow_check`: the same read tools against DEMO and SIS, with the normalised diff (contract §6)."""

from __future__ import annotations

from ownerbot.services.shadow_check import (
    SHADOW_CHECK_SERVICE_KEY,
    ShadowCheckService,
    ShadowReport,
    SisNotConfigured,
)
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.system.common import SystemPayload
from ownerbot.tools.registry import ToolContext, ToolSpec

MISMATCH_WARNING = "SHADOW_MISMATCH"
NOT_CONFIGURED_WARNING = "SIS_NOT_CONFIGURED"
NOT_CONFIGURED_TEXT = (
    "SIS is not configured (SIS_BASE_URL, SIS_OWNERBOT_API_KEY): nothing to compare DEMO with."
)
SETTINGS_SOURCE = "ownerbot:settings"


class SysShadowCheckPayload(SystemPayload):
    pass


async def sys_shadow_check(payload: SysShadowCheckPayload, ctx: ToolContext) -> ToolResult:
    service = ctx.services.get(SHADOW_CHECK_SERVICE_KEY)
    if not isinstance(service, ShadowCheckService):
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "The shadow check is not available in this process.")
    try:
        report = await service.run(
            now=ctx.now, correlation_id=ctx.correlation_id, actor=ctx.actor, tenant=ctx.tenant
        )
    except SisNotConfigured:
        # A true answer, not a failure: with no SIS configured there is nothing to compare DEMO with.
        empty = ShadowReport(
            tools=[], compared=0, matched=0, mismatched=0, errors=0, sis_sources=[], demo_sources=[]
        )
        return ToolResult(
            data={**empty.model_dump(mode="json"), "sis_configured": False, "as_of": ctx.now},
            sources=[SETTINGS_SOURCE],
            warnings=[ToolWarning(code=NOT_CONFIGURED_WARNING, message=NOT_CONFIGURED_TEXT)],
        )
    data = {**report.model_dump(mode="json"), "sis_configured": True, "as_of": ctx.now}
    warnings = []
    if report.mismatched:
        names = ", ".join(c.tool for c in report.tools if c.status == "mismatch")
        warnings.append(
            ToolWarning(
                code=MISMATCH_WARNING, message=f"DEMO and SIS differ in: {names}", params={"tools": names}
            )
        )
    sources = sorted({*report.demo_sources, *report.sis_sources}) or ["demo:shadow_check", "sis:shadow_check"]
    return ToolResult(data=data, sources=sources, warnings=warnings)


SPEC: ToolSpec[SysShadowCheckPayload] = ToolSpec(
    name="sys_shadow_check",
    kind=ToolKind.READ,
    payload_model=SysShadowCheckPayload,
    description="Shadow check: the same reports from DEMO and SIS, compared (numbers to cents, keys, shapes)",
    handler=sys_shadow_check,
    risk=Risk.LOW,
    examples=({},),
    windowless=True,
)
