"""The DEMO shop: every `demo_*` table of storage/demo_models.py, with its indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types are spelled out here rather than imported from demo_models.py: a revision must keep
# creating the same schema however the models change later.
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)
_MONEY = sa.Numeric(12, 2)
# A foreign key takes the type of the column it points at, so references to demo_orders.id use the
# same variant (INTEGER on SQLite) as the models do.
_ORDER_REF = _BIGINT_PK

_OPEN_ORDER = "payment_stage <> 'fully_paid' AND status <> 'cancelled'"
_TROUBLED_PAYMENT = "status IN ('failed', 'pending')"
_REFUNDED_PAYMENT = "refunded_at IS NOT NULL"
_DIGEST_NUDGE = "kind = 'digest'"

# (index name, table, key columns, PostgreSQL INCLUDE columns, partial-index predicate); dropped in reverse
# order on downgrade. INCLUDE is PostgreSQL-only (SQLite builds the index on the key columns alone).
_INDEXES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str | None], ...] = (
    ("ix_demo_products_category_id", "demo_products", ("category_id",), (), None),
    ("ix_demo_products_status", "demo_products", ("status",), (), None),
    ("ix_demo_variants_product_id", "demo_variants", ("product_id",), (), None),
    ("ix_demo_customers_phone", "demo_customers", ("phone",), (), None),
    ("ix_demo_orders_customer_id", "demo_orders", ("customer_id",), (), None),
    ("ix_demo_orders_created_at", "demo_orders", ("created_at",), (), None),
    (
        "ix_demo_orders_status_created",
        "demo_orders",
        ("status", "created_at", "id"),
        ("payment_stage",),
        None,
    ),
    ("ix_demo_orders_paid_at", "demo_orders", ("paid_at",), (), None),
    ("ix_demo_orders_flagged", "demo_orders", ("flagged",), (), None),
    (
        "ix_demo_orders_open",
        "demo_orders",
        ("payment_stage", "stage_changed_at", "id"),
        ("created_at", "status", "due_now"),
        _OPEN_ORDER,
    ),
    ("ix_demo_order_items_order_id", "demo_order_items", ("order_id",), (), None),
    ("ix_demo_order_items_product_id", "demo_order_items", ("product_id",), (), None),
    ("ix_demo_payments_order_id", "demo_payments", ("order_id",), (), None),
    ("ix_demo_payments_created_at", "demo_payments", ("created_at",), ("method", "status"), None),
    (
        "ix_demo_payments_troubled",
        "demo_payments",
        ("order_id", "status", "created_at"),
        (),
        _TROUBLED_PAYMENT,
    ),
    ("ix_demo_payments_refunded_at", "demo_payments", ("refunded_at",), (), _REFUNDED_PAYMENT),
    ("ix_demo_order_notes_order_id", "demo_order_notes", ("order_id",), (), None),
    (
        "ix_demo_chat_threads_status_waiting",
        "demo_chat_threads",
        ("status", "last_customer_msg_at", "id"),
        ("last_manager_msg_at", "manager_name"),
        None,
    ),
    ("ix_demo_coupon_uses_coupon_id", "demo_coupon_uses", ("coupon_id",), (), None),
    ("ix_demo_coupon_uses_used_at", "demo_coupon_uses", ("used_at",), (), None),
    ("ix_demo_access_events_event_time", "demo_access_events", ("event", "occurred_at"), (), None),
    ("ix_demo_nudges_order_status_time", "demo_nudges", ("order_id", "status", "occurred_at"), (), None),
    ("ix_demo_nudges_occurred_at", "demo_nudges", ("occurred_at",), ("kind", "status", "reason"), None),
    ("ix_demo_nudges_digest", "demo_nudges", ("occurred_at", "id"), ("status",), _DIGEST_NUDGE),
)

# Children before parents, so foreign keys never block a drop.
_TABLES_DROP_ORDER: tuple[str, ...] = (
    "demo_daily_product_payments",
    "demo_daily_payments",
    "demo_daily_funnel",
    "demo_daily_product_sales",
    "demo_daily_sales",
    "demo_fx_snapshots",
    "demo_nudges",
    "demo_access_events",
    "demo_coupon_uses",
    "demo_coupons",
    "demo_chat_threads",
    "demo_order_notes",
    "demo_payments",
    "demo_order_items",
    "demo_orders",
    "demo_customers",
    "demo_looks",
    "demo_variants",
    "demo_products",
    "demo_categories",
    "demo_meta",
)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _create_catalog() -> None:
    op.create_table(
        "demo_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        _pk("demo_meta", "key"),
    )
    op.create_table(
        "demo_categories",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        _pk("demo_categories", "id"),
    )
    op.create_table(
        "demo_products",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("price", _MONEY, nullable=True),
        sa.Column("compare_at_price", _MONEY, nullable=True),
        sa.Column("discount_percent", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("has_photo", sa.Boolean(), nullable=False),
        sa.Column("has_video", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        _fk("demo_products", "category_id", "demo_categories"),
        _pk("demo_products", "id"),
    )
    op.create_table(
        "demo_variants",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        _fk("demo_variants", "product_id", "demo_products"),
        _pk("demo_variants", "id"),
        sa.UniqueConstraint("sku", name=op.f("uq_demo_variants_sku")),
    )
    op.create_table(
        "demo_looks",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("product_ids", _JSON, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        _pk("demo_looks", "id"),
    )
    op.create_table(
        "demo_customers",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        _pk("demo_customers", "id"),
    )


def _create_orders() -> None:
    op.create_table(
        "demo_orders",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("payment_plan", sa.String(16), nullable=False),
        sa.Column("payment_stage", sa.String(16), nullable=False),
        sa.Column("payment_method", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.Column("amount_paid", _MONEY, nullable=False),
        sa.Column("upfront_due", _MONEY, nullable=False),
        sa.Column("due_now", _MONEY, nullable=False),
        sa.Column("remaining_due", _MONEY, nullable=False),
        sa.Column("coupon_code", sa.String(32), nullable=True),
        sa.Column("paid_at", _TIMESTAMP, nullable=True),
        sa.Column("stage_changed_at", _TIMESTAMP, nullable=False),
        sa.Column("ship_due_at", _TIMESTAMP, nullable=True),
        sa.Column("shipped_at", _TIMESTAMP, nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.String(300), nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        _fk("demo_orders", "customer_id", "demo_customers"),
        _pk("demo_orders", "id"),
    )
    op.create_table(
        "demo_order_items",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("order_id", _ORDER_REF, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_price", _MONEY, nullable=False),
        sa.Column("line_total", _MONEY, nullable=False),
        _fk("demo_order_items", "order_id", "demo_orders"),
        _fk("demo_order_items", "product_id", "demo_products"),
        _fk("demo_order_items", "variant_id", "demo_variants"),
        _pk("demo_order_items", "id"),
    )
    op.create_table(
        "demo_payments",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("order_id", _ORDER_REF, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("confirmed_at", _TIMESTAMP, nullable=True),
        sa.Column("refunded_at", _TIMESTAMP, nullable=True),
        sa.Column("refund_amount", _MONEY, nullable=True),
        sa.Column("failure_reason", sa.String(64), nullable=True),
        _fk("demo_payments", "order_id", "demo_orders"),
        _pk("demo_payments", "id"),
    )
    op.create_table(
        "demo_order_notes",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("order_id", _ORDER_REF, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_tg_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _fk("demo_order_notes", "order_id", "demo_orders"),
        _pk("demo_order_notes", "id"),
    )


def _create_activity() -> None:
    op.create_table(
        "demo_chat_threads",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("manager_name", sa.String(64), nullable=True),
        sa.Column("opened_at", _TIMESTAMP, nullable=False),
        sa.Column("last_customer_msg_at", _TIMESTAMP, nullable=False),
        sa.Column("last_manager_msg_at", _TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _fk("demo_chat_threads", "customer_id", "demo_customers"),
        _pk("demo_chat_threads", "id"),
    )
    op.create_table(
        "demo_coupons",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_at", _TIMESTAMP, nullable=False),
        sa.Column("ends_at", _TIMESTAMP, nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        _pk("demo_coupons", "id"),
        sa.UniqueConstraint("code", name=op.f("uq_demo_coupons_code")),
    )
    op.create_table(
        "demo_coupon_uses",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("order_id", _ORDER_REF, nullable=False),
        sa.Column("used_at", _TIMESTAMP, nullable=False),
        sa.Column("discount_amount", _MONEY, nullable=False),
        sa.Column("order_total", _MONEY, nullable=False),
        _fk("demo_coupon_uses", "coupon_id", "demo_coupons"),
        _fk("demo_coupon_uses", "order_id", "demo_orders"),
        _pk("demo_coupon_uses", "id"),
    )
    op.create_table(
        "demo_access_events",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("occurred_at", _TIMESTAMP, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(24), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(48), nullable=True),
        sa.Column("amount", _MONEY, nullable=True),
        _fk("demo_access_events", "customer_id", "demo_customers"),
        _pk("demo_access_events", "id"),
    )
    op.create_table(
        "demo_nudges",
        sa.Column("id", _BIGINT_PK, nullable=False, autoincrement=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("occurred_at", _TIMESTAMP, nullable=False),
        _pk("demo_nudges", "id"),
    )
    op.create_table(
        "demo_fx_snapshots",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("rate_set_id", sa.String(64), nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("rates", _JSON, nullable=False),
        sa.Column("fetched_at", _TIMESTAMP, nullable=False),
        _pk("demo_fx_snapshots", "id"),
        sa.UniqueConstraint("rate_set_id", name=op.f("uq_demo_fx_snapshots_rate_set_id")),
    )


def _create_rollups() -> None:
    op.create_table(
        "demo_daily_sales",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("revenue_gross", _MONEY, nullable=False),
        sa.Column("refunds", _MONEY, nullable=False),
        sa.Column("orders_created", sa.Integer(), nullable=False),
        sa.Column("orders_paid", sa.Integer(), nullable=False),
        sa.Column("paid_orders_value", _MONEY, nullable=False),
        _pk("demo_daily_sales", "day"),
    )
    op.create_table(
        "demo_daily_product_sales",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("revenue", _MONEY, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        _pk("demo_daily_product_sales", "day", "product_id"),
    )
    op.create_table(
        "demo_daily_funnel",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("payment_stage", sa.String(16), nullable=False),
        sa.Column("payment_plan", sa.String(16), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("orders_with_payment", sa.Integer(), nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.Column("amount_paid", _MONEY, nullable=False),
        sa.Column("due_now", _MONEY, nullable=False),
        sa.Column("remaining_due", _MONEY, nullable=False),
        _pk("demo_daily_funnel", "day", "payment_stage", "payment_plan", "cancelled"),
    )
    op.create_table(
        "demo_daily_payments",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("refund_amount", _MONEY, nullable=False),
        _pk("demo_daily_payments", "day", "method", "status"),
    )
    op.create_table(
        "demo_daily_product_payments",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        _pk("demo_daily_product_payments", "day", "product_id", "status"),
    )


def upgrade() -> None:
    """Create the demo tables (catalog, orders, activity, rollups) and their secondary indexes."""
    _create_catalog()
    _create_orders()
    _create_activity()
    _create_rollups()
    for name, table, columns, include, where in _INDEXES:
        predicate = None if where is None else sa.text(where)
        op.create_index(
            op.f(name),
            table,
            list(columns),
            postgresql_include=list(include),
            postgresql_where=predicate,
            sqlite_where=predicate,
        )


def downgrade() -> None:
    """Drop every demo table and index."""
    for name, table, *_definition in reversed(_INDEXES):
        op.drop_index(op.f(name), table_name=table)
    for table in _TABLES_DROP_ORDER:
        op.drop_table(table)
