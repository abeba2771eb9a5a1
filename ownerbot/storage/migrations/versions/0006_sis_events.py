"""SIS events: received business events, unique by event_id (the pull cursor is a runtime setting).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from event_models.py: a revision keeps creating the same schema.
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `sis_events` with its dedupe constraint and the two read-model indexes."""
    op.create_table(
        "sis_events",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", _TIMESTAMP, nullable=False),
        sa.Column("business_id", sa.String(64), nullable=True),
        sa.Column("subject_type", sa.String(32), nullable=True),
        sa.Column("subject_id", sa.String(128), nullable=True),
        sa.Column("target_type", sa.String(32), nullable=True),
        sa.Column("target_id", sa.String(128), nullable=True),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("envelope", _JSON, nullable=False),
        sa.Column("received_at", _TIMESTAMP, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sis_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_sis_events_event_id")),
    )
    op.create_index("ix_sis_events_name_occurred", "sis_events", ["event_name", "occurred_at"])
    op.create_index("ix_sis_events_subject", "sis_events", ["subject_type", "subject_id", "occurred_at"])


def downgrade() -> None:
    """Drop `sis_events` and the stored pull cursor (it points into the dropped rows)."""
    op.drop_index("ix_sis_events_subject", table_name="sis_events")
    op.drop_index("ix_sis_events_name_occurred", table_name="sis_events")
    op.drop_table("sis_events")
    op.execute(sa.text("DELETE FROM runtime_settings WHERE key = 'sis_events_cursor'"))
