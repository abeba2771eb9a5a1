"""`sys_audit_recent`: the latest owner-relevant audit events (actions and access denials)."""

from __future__ import annotations

import heapq

from pydantic import Field

from ownerbot.storage.dto import AuditRecord
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.read.ops.common import OpsPayload
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.tools.services import AUDIT_REPOSITORY_SERVICE

AUDIT_SOURCE = "ownerbot:audit_events"
# Every tool call writes tool_call_started/finished; listing those would bury the actions the owner
# asked about (and this very call), so only these types are shown.
SHOWN_EVENT_TYPES: tuple[str, ...] = (
    "ACTION_PREVIEW",
    "ACTION_COMMIT",
    "ACTION_FAIL",
    "ACTION_TAMPER",
    "ACTION_ROLLBACK",
    "access_denied",
)


class SysAuditRecentPayload(OpsPayload):
    limit: int = Field(default=20, ge=1, le=100)


async def sys_audit_recent(payload: SysAuditRecentPayload, ctx: ToolContext) -> ToolResult:
    """Newest first, merged over the shown event types (one indexed query per type)."""
    repository = ctx.services.get(AUDIT_REPOSITORY_SERVICE)
    if not isinstance(repository, AuditRepository):
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "The audit log is not available in this process.")
    per_type = [await repository.recent(payload.limit, event_type=kind) for kind in SHOWN_EVENT_TYPES]
    latest: list[AuditRecord] = heapq.nlargest(
        payload.limit, (record for records in per_type for record in records), key=lambda r: r.id
    )
    events = [
        record.model_dump(
            include={
                "id",
                "created_at",
                "event_type",
                "correlation_id",
                "actor_tg_id",
                "action_name",
                "target_system",
                "status",
                "summary",
                "warnings",
            }
        )
        for record in latest
    ]
    data = {"events": events, "count": len(events), "event_types": list(SHOWN_EVENT_TYPES), "as_of": ctx.now}
    return ToolResult(data=data, sources=[AUDIT_SOURCE])


SPEC: ToolSpec[SysAuditRecentPayload] = ToolSpec(
    name="sys_audit_recent",
    kind=ToolKind.READ,
    payload_model=SysAuditRecentPayload,
    description="Recent audited actions and access denials with their correlation ids",
    handler=sys_audit_recent,
    risk=Risk.LOW,
    examples=({}, {"limit": 50}),
    windowless=True,
)
