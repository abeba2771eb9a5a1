"""Tables of the ACTION pipeline: confirm tokens and claimed executions (see docs/actions.md).

State changes are conditional UPDATEs (`… WHERE status = 'previewed'`): one row changed means this
caller won. The UNIQUE idempotency key of `action_executions` makes a second claim of the same token
fail in the database itself, on PostgreSQL and SQLite alike, however many processes press at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ownerbot.storage.models import Base, BigIntegerPK, JSONType, UTCDateTime

TOKEN_STATUSES: tuple[str, ...] = (
    "previewed",
    "cancelled",
    "expired",
    "claimed",
    "committed",
    "failed",
    "unknown",
)
EXECUTION_STATUSES: tuple[str, ...] = ("in_progress", "committed", "failed", "unknown")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ActionConfirmToken(Base):
    """A previewed action waiting for its confirm: bound to action, canonical payload, actor, chat, message.

    `payload` is the canonical JSON text itself (not a JSON column): the confirm re-hashes these exact
    bytes, so any change to the stored payload is detected. `chat_id = 0` marks CLI tokens.
    """

    __tablename__ = "action_confirm_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    action_name: Mapped[str] = mapped_column(String(128), nullable=False)
    payload: Mapped[str] = mapped_column(Text(), nullable=False)
    payload_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_tg_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    chat_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    message_id: Mapped[int | None] = mapped_column(BigInteger())
    correlation_id: Mapped[str] = mapped_column(String(64), nullable=False)
    locale: Mapped[str] = mapped_column(String(8), nullable=False)
    risk: Mapped[str] = mapped_column(String(8), nullable=False)
    preview: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    force_required: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    force_confirmed: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Set when this token previews the undo of another token's commit (its commit audits ACTION_ROLLBACK).
    undo_of: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        CheckConstraint(_one_of("status", TOKEN_STATUSES), name="status"),
        Index("ix_action_confirm_tokens_chat_message", "chat_id", "message_id"),
        Index("ix_action_confirm_tokens_status_expires", "status", "expires_at"),
    )


class ActionExecution(Base):
    """One claimed commit attempt. The UNIQUE `idempotency_key` is the exactly-once guarantee."""

    __tablename__ = "action_executions"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_id: Mapped[str] = mapped_column(ForeignKey("action_confirm_tokens.id"), nullable=False)
    action_name: Mapped[str] = mapped_column(String(128), nullable=False)
    payload_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_tg_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    chat_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    correlation_id: Mapped[str] = mapped_column(String(64), nullable=False)
    forced: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # Which process claimed it: start-up recovery only marks claims of earlier processes `unknown`.
    worker_id: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text())
    # Set once the owner was told about an `unknown` outcome (conditional UPDATE: told once).
    owner_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(_one_of("status", EXECUTION_STATUSES), name="status"),
        Index("ix_action_executions_token_id", "token_id"),
        Index("ix_action_executions_status_started", "status", "started_at"),
    )
