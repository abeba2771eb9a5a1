"""Notifications: per-owner settings, open escalations, dedupe / last-sent state.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from notification_models.py: a revision keeps creating the same schema.
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three notification tables."""
    op.create_table(
        "notification_settings",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("owner_id", "kind", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notification_escalations",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("alert_key", sa.String(191), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("opened_at", _TIMESTAMP, nullable=False),
        sa.Column("last_sent_at", _TIMESTAMP, nullable=True),
        sa.Column("repeats_sent", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", _TIMESTAMP, nullable=True),
        sa.Column("acked_at", _TIMESTAMP, nullable=True),
        sa.Column("acked_by", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_escalations")),
    )
    op.create_index(op.f("ix_notification_escalations_owner_id"), "notification_escalations", ["owner_id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(191), nullable=False),
        sa.Column("last_sent_at", _TIMESTAMP, nullable=True),
        sa.Column("last_attempt_at", _TIMESTAMP, nullable=True),
        sa.Column("last_error_at", _TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "kind", "dedupe_key", name=op.f("pk_notification_deliveries")),
    )


def downgrade() -> None:
    """Drop the notification tables."""
    op.drop_table("notification_deliveries")
    op.drop_index(op.f("ix_notification_escalations_owner_id"), table_name="notification_escalations")
    op.drop_table("notification_escalations")
    op.drop_table("notification_settings")
