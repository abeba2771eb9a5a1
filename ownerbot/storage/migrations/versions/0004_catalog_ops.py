"""Catalog operations: price jobs and backups, base prices, FX settings, idempotency records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from catalog_models.py: a revision keeps creating the same schema.
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)
_MONEY = sa.Numeric(12, 2)


def upgrade() -> None:
    """Create the five catalog tables."""
    op.create_table(
        "catalog_price_jobs",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("rate_set_id", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("affected_count", sa.Integer(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("rolled_back_at", _TIMESTAMP, nullable=True),
        sa.Column("rolled_back_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_price_jobs")),
    )
    op.create_index(op.f("ix_catalog_price_jobs_kind"), "catalog_price_jobs", ["kind"])
    op.create_table(
        "catalog_price_backups",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("job_id", _BIGINT_PK, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("price_before", _MONEY, nullable=True),
        sa.Column("compare_at_before", _MONEY, nullable=True),
        sa.Column("discount_before", sa.Integer(), nullable=True),
        sa.Column("price_after", _MONEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["catalog_price_jobs.id"],
            name=op.f("fk_catalog_price_backups_job_id_catalog_price_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_price_backups")),
    )
    op.create_index(op.f("ix_catalog_price_backups_job_id"), "catalog_price_backups", ["job_id"])
    op.create_table(
        "catalog_base_prices",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price", _MONEY, nullable=False),
        sa.Column("rate_set_id", sa.String(64), nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("product_id", "currency", name=op.f("pk_catalog_base_prices")),
    )
    op.create_table(
        "catalog_fx_settings",
        sa.Column("shop_key", sa.String(32), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("shop_key", name=op.f("pk_catalog_fx_settings")),
    )
    op.create_table(
        "catalog_idempotency",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_catalog_idempotency")),
    )


def downgrade() -> None:
    """Drop the catalog tables (backups before the jobs they reference)."""
    op.drop_table("catalog_idempotency")
    op.drop_table("catalog_fx_settings")
    op.drop_table("catalog_base_prices")
    op.drop_index(op.f("ix_catalog_price_backups_job_id"), table_name="catalog_price_backups")
    op.drop_table("catalog_price_backups")
    op.drop_index(op.f("ix_catalog_price_jobs_kind"), table_name="catalog_price_jobs")
    op.drop_table("catalog_price_jobs")
