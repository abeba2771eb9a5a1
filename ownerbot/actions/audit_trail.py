"""The pipeline's audit events (ACTIONS.md, "Audit events"): one method per event kind, no secrets.

Tokens are named by an 8-character prefix: enough to find the row, useless to press the button.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ownerbot.actions.contract import ActionResult
from ownerbot.actions.outcomes import ActionRequest, Claim, CommitStatus, ConfirmPress, PreviewOutcome
from ownerbot.observability.correlation import current_correlation_id
from ownerbot.services.audit_log import AuditLog
from ownerbot.tools.contract import ErrorCode, Risk

EVENT_PREVIEW = "ACTION_PREVIEW"
EVENT_COMMIT = "ACTION_COMMIT"
EVENT_FAIL = "ACTION_FAIL"
EVENT_TAMPER = "ACTION_TAMPER"
EVENT_ROLLBACK = "ACTION_ROLLBACK"
TOKEN_PREFIX_CHARS = 8


def _prefix(token_id: str | None) -> str | None:
    return token_id[:TOKEN_PREFIX_CHARS] if token_id else None


class ActionAuditTrail:
    """Writes ACTION_* events through `AuditLog` (which never raises into the pipeline); None: no audit."""

    def __init__(self, audit: AuditLog | None) -> None:
        self._audit = audit

    async def _record(self, event_type: str, **fields: Any) -> None:
        if self._audit is not None:
            await self._audit.record(event_type, **fields)

    async def preview(
        self,
        request: ActionRequest,
        outcome: PreviewOutcome,
        target_system: str | None,
        started: datetime,
        finished: datetime,
    ) -> None:
        """ACTION_PREVIEW with status ready | noop | rejected."""
        preview = outcome.preview
        await self._record(
            EVENT_PREVIEW,
            correlation_id=outcome.correlation_id,
            action_name=outcome.action,
            actor_tg_id=request.actor_id,
            target_system=target_system,
            payload_hash=outcome.payload_hash,
            status=outcome.status.value,
            summary=preview.summary if preview else (outcome.error.message if outcome.error else None),
            warnings=list(preview.warnings) if preview else [],
            started_at=started,
            finished_at=finished,
            details={
                "channel": request.channel,
                "risk": outcome.risk.value,
                "affected_count": preview.affected_count if preview else None,
                "anomaly": preview.anomaly_reason if preview and preview.anomaly else None,
                "noop_reason": preview.noop_reason if preview else None,
                "error_code": outcome.error.code.value if outcome.error else None,
                "token": _prefix(outcome.token_id),
                "undo_of": _prefix(request.undo_of),
            },
        )

    async def commit(
        self,
        claim: Claim,
        *,
        risk: Risk,
        target_system: str | None,
        started: datetime,
        finished: datetime,
        status: str,
        result: ActionResult | None,
        error: str | None,
        rollback: bool,
    ) -> None:
        """ACTION_COMMIT (ok | partial), ACTION_ROLLBACK for an undo, ACTION_FAIL otherwise."""
        committed = status == CommitStatus.COMMITTED.value
        event = (EVENT_ROLLBACK if rollback else EVENT_COMMIT) if committed else EVENT_FAIL
        await self._record(
            event,
            correlation_id=claim.correlation_id,
            action_name=claim.action,
            actor_tg_id=claim.actor_id,
            target_system=target_system,
            payload_hash=claim.payload_hash,
            status=result.status if committed and result else status,
            summary=result.summary if result else error,
            warnings=list(result.warnings) if result else [],
            started_at=started,
            finished_at=finished,
            details={
                "risk": risk.value,
                "changed_count": result.changed_count if result else None,
                "forced": claim.forced,
                "token": _prefix(claim.token_id),
                "execution_id": claim.execution_id,
                "press_correlation_id": current_correlation_id(),
            },
        )

    async def tamper(
        self,
        press: ConfirmPress,
        reason: str,
        *,
        action_name: str | None,
        target_system: str | None,
        payload_hash: str | None,
        token_correlation_id: str | None,
    ) -> None:
        """ACTION_TAMPER: who pressed what where, and why it was refused (`PAYLOAD_TAMPERED`)."""
        await self._record(
            EVENT_TAMPER,
            action_name=action_name,
            actor_tg_id=press.actor_id,
            target_system=target_system,
            payload_hash=payload_hash,
            status="refused",
            summary=f"confirm refused: {reason}",
            details={
                "reason": reason,
                "code": ErrorCode.PAYLOAD_TAMPERED.value,
                "token": _prefix(press.token_id),
                "chat_id": press.chat_id,
                "message_id": press.message_id,
                "force": press.force,
                "token_correlation_id": token_correlation_id,
            },
        )
