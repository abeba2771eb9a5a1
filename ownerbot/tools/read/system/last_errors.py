"""`sys_last_errors`: recent failures from the audit log with their correlation ids.

Failures are: ACTION_FAIL, handler errors, and tool calls that ended in an error — those with an
upstream code (SIS_UNAVAILABLE, SIS_AUTH_ERROR, UPSTREAM_UNAVAILABLE, PROVENANCE_INCOMPLETE, TIMEOUT)
are classed as upstream errors. The audit repository filters by type only, so failed tool calls are
found in a bounded window of the latest `tool_call_finished` events.
"""

from __future__ import annotations

import heapq
from typing import Any, Literal

from pydantic import Field

from ownerbot.storage.dto import AuditRecord
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.read.system.common import SystemPayload
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.tools.services import AUDIT_REPOSITORY_SERVICE

AUDIT_SOURCE = "ownerbot:audit_events"
ACTION_FAIL = "ACTION_FAIL"
HANDLER_ERROR = "handler_error"
TOOL_FINISHED = "tool_call_finished"
TOOL_SCAN_WINDOW = 500  # latest tool_call_finished events searched for errors
UPSTREAM_CODES = frozenset(
    {
        ErrorCode.SIS_UNAVAILABLE.value,
        ErrorCode.SIS_AUTH_ERROR.value,
        ErrorCode.UPSTREAM_UNAVAILABLE.value,
        ErrorCode.PROVENANCE_INCOMPLETE.value,
        ErrorCode.TIMEOUT.value,
    }
)
ErrorKind = Literal["action", "tool", "upstream", "handler"]


class SysLastErrorsPayload(SystemPayload):
    limit: int = Field(default=10, ge=1, le=50)


def _kind(record: AuditRecord) -> ErrorKind | None:
    if record.event_type == ACTION_FAIL:
        return "action"
    if record.event_type == HANDLER_ERROR:
        return "handler"
    if record.event_type == TOOL_FINISHED and record.status == "error":
        code = record.details.get("error_code")
        return "upstream" if code in UPSTREAM_CODES else "tool"
    return None


def _row(record: AuditRecord, kind: ErrorKind) -> dict[str, Any]:
    code = record.details.get("error_code")
    return {
        "id": record.id,
        "created_at": record.created_at,
        "kind": kind,
        "event_type": record.event_type,
        "correlation_id": record.correlation_id,
        "name": record.action_name,
        "error_code": code if isinstance(code, str) else None,
        "status": record.status,
        "summary": record.summary,
    }


async def sys_last_errors(payload: SysLastErrorsPayload, ctx: ToolContext) -> ToolResult:
    """Newest first over the failure kinds."""
    repository = ctx.services.get(AUDIT_REPOSITORY_SERVICE)
    if not isinstance(repository, AuditRepository):
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "The audit log is not available in this process.")
    records = [
        *await repository.recent(payload.limit, event_type=ACTION_FAIL),
        *await repository.recent(payload.limit, event_type=HANDLER_ERROR),
        *await repository.recent(TOOL_SCAN_WINDOW, event_type=TOOL_FINISHED),
    ]
    failures = [(record, kind) for record in records if (kind := _kind(record)) is not None]
    latest = heapq.nlargest(payload.limit, failures, key=lambda pair: pair[0].id)
    errors = [_row(record, kind) for record, kind in latest]
    by_kind: dict[str, int] = {"action": 0, "tool": 0, "upstream": 0, "handler": 0}
    for row in errors:
        by_kind[row["kind"]] += 1
    data = {"errors": errors, "count": len(errors), "by_kind": by_kind, "as_of": ctx.now}
    return ToolResult(data=data, sources=[AUDIT_SOURCE])


SPEC: ToolSpec[SysLastErrorsPayload] = ToolSpec(
    name="sys_last_errors",
    kind=ToolKind.READ,
    payload_model=SysLastErrorsPayload,
    description="Recent failures (failed actions, tool and upstream errors) with their correlation ids",
    handler=sys_last_errors,
    risk=Risk.LOW,
    examples=({}, {"limit": 50}),
    windowless=True,
)
