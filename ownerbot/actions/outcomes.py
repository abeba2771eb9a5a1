"""What the pipeline answers each entry point: plain models a presenter turns into text.

Statuses are stable values; the bot maps each to a locale text, the CLI prints them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ownerbot.actions.contract import ActionPreview, ActionResult
from ownerbot.tools.contract import ErrorCode, Risk

Channel = Literal["telegram", "cli", "template", "planner", "voice"]
# CLI tokens are bound to this chat id: no Telegram chat has id 0, so a CLI token can never be
# confirmed from a chat and a chat token never from the CLI.
CLI_CHAT_ID = 0


class ActionRequest(BaseModel):
    """An entry point asks for a preview of `action` with `payload` on behalf of `actor_id` in `chat_id`."""

    model_config = ConfigDict(extra="forbid")

    action: str
    payload: dict[str, Any] = Field(default_factory=dict)
    actor_id: int
    chat_id: int
    locale: str = Field(default="ru", max_length=8)
    channel: Channel = "telegram"
    correlation_id: str | None = Field(default=None, max_length=64)
    # The committed token whose undo this previews (its commit is audited as ACTION_ROLLBACK).
    undo_of: str | None = None
    # A question, not a change (`TemplateSpec.preview_only`): dry-run only, no confirm token is stored.
    preview_only: bool = False


class ConfirmPress(BaseModel):
    """A press of ✅ (or of "apply anyway" with `force`), ❌ or ↩️: only the token id comes from outside."""

    model_config = ConfigDict(extra="forbid")

    token_id: str
    actor_id: int
    chat_id: int
    message_id: int | None = None
    force: bool = False


class ActionError(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str


class PreviewStatus(StrEnum):
    READY = "ready"  # a token exists; show ✅ / ❌
    NOOP = "noop"  # nothing to change: no token, no button, `preview.noop_reason` says why
    REJECTED = "rejected"  # verify or the dry run failed: `error`
    PREVIEW_ONLY = "preview_only"  # asked as a question: the dry run, no token, nothing can be confirmed


class PreviewOutcome(BaseModel):
    status: PreviewStatus
    action: str
    title_key: str | None = None
    risk: Risk = Risk.LOW
    correlation_id: str
    preview: ActionPreview | None = None
    token_id: str | None = None
    payload_hash: str | None = None
    expires_at: AwareDatetime | None = None
    force_required: bool = False
    error: ActionError | None = None


class TokenView(BaseModel):
    """What a presenter needs about a token to redraw its message (never the payload itself)."""

    token_id: str
    action: str
    title_key: str
    risk: Risk
    locale: str
    correlation_id: str
    preview: ActionPreview
    expires_at: AwareDatetime
    force_required: bool
    result: ActionResult | None = None


class ConfirmStatus(StrEnum):
    CLAIMED = "claimed"  # this press won the claim: `execute(claim)` commits
    FORCE_REQUIRED = "force_required"  # anomalous: show the explicit "apply anyway" step
    IN_PROGRESS = "in_progress"  # «Уже выполняется. Подожди.»
    ALREADY_DONE = "already_done"  # «Уже выполнено.»
    ALREADY_FAILED = "already_failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    CLOSED = "closed"  # cancel pressed on a token already cancelled or expired
    CANCELLED = "cancelled"  # cancel won
    TAMPERED = "tampered"  # «Некорректное подтверждение. Запусти действие снова.»


@dataclass(frozen=True, eq=False)
class Claim:
    """Proof of a won claim, handed only by `ActionPipeline.confirm`; `execute` accepts each once."""

    execution_id: int
    token_id: str
    action: str
    payload: str
    payload_hash: str
    idempotency_key: str
    actor_id: int
    chat_id: int
    correlation_id: str
    forced: bool
    _nonce: object = field(default_factory=object, repr=False)


class ConfirmDecision(BaseModel):
    """The quick part of a press (verify + claim): enough to answer the callback at once."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    status: ConfirmStatus
    token: TokenView | None = None
    claim: Claim | None = None
    reason: str | None = None  # why a press was refused as tampered (audited, not shown)


class OutcomeUnknown(Exception):
    """Raised by a commit whose upstream write was sent but whose answer was lost: it may or may not
    have applied. The pipeline ends the action `unknown` (never retried) and the owner is told to check."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CommitStatus(StrEnum):
    COMMITTED = "committed"
    FAILED = "failed"
    UNKNOWN = "unknown"  # timed out, or the upstream's answer was lost: it may or may not have applied
    FORCE_REQUIRED = "force_required"  # the upstream asked for force; nothing was applied


class CommitOutcome(BaseModel):
    status: CommitStatus
    token: TokenView
    result: ActionResult | None = None
    error: ActionError | None = None
    force_reason: str | None = None
    rollback: bool = False  # this commit undid an earlier one
