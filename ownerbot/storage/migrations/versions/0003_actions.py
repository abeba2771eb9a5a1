"""The ACTION pipeline: confirm tokens and claimed executions (exactly-once by a UNIQUE key).

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from action_models.py: a revision must keep creating the
# same schema however the models change later.
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)

_CONFIRM_STATUS_CHECK = (
    "status IN ('previewed', 'cancelled', 'expired', 'claimed', 'committed', 'failed', 'unknown')"
)
_EXECUTION_STATUS_CHECK = "status IN ('in_progress', 'committed', 'failed', 'unknown')"


def upgrade() -> None:
    """Create action_confirm_tokens and action_executions with their checks and indexes."""
    op.create_table(
        "action_confirm_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("actor_tg_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("risk", sa.String(8), nullable=False),
        sa.Column("preview", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.Column("force_required", sa.Boolean(), nullable=False),
        sa.Column("force_confirmed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("undo_of", sa.String(64), nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint(_CONFIRM_STATUS_CHECK, name=op.f("ck_action_confirm_tokens_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_confirm_tokens")),
    )
    op.create_index(
        op.f("ix_action_confirm_tokens_chat_message"), "action_confirm_tokens", ["chat_id", "message_id"]
    )
    op.create_index(
        op.f("ix_action_confirm_tokens_status_expires"), "action_confirm_tokens", ["status", "expires_at"]
    )
    op.create_table(
        "action_executions",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("token_id", sa.String(64), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("actor_tg_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("started_at", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner_notified_at", _TIMESTAMP, nullable=True),
        sa.CheckConstraint(_EXECUTION_STATUS_CHECK, name=op.f("ck_action_executions_status")),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["action_confirm_tokens.id"],
            name=op.f("fk_action_executions_token_id_action_confirm_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_executions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_action_executions_idempotency_key")),
    )
    op.create_index(op.f("ix_action_executions_token_id"), "action_executions", ["token_id"])
    op.create_index(
        op.f("ix_action_executions_status_started"), "action_executions", ["status", "started_at"]
    )


def downgrade() -> None:
    """Drop both tables (executions first: they reference tokens)."""
    op.drop_index(op.f("ix_action_executions_status_started"), table_name="action_executions")
    op.drop_index(op.f("ix_action_executions_token_id"), table_name="action_executions")
    op.drop_table("action_executions")
    op.drop_index(op.f("ix_action_confirm_tokens_status_expires"), table_name="action_confirm_tokens")
    op.drop_index(op.f("ix_action_confirm_tokens_chat_message"), table_name="action_confirm_tokens")
    op.drop_table("action_confirm_tokens")
