"""Tables of the DEMO shop: a believable Telegram shop kept in OwnerBot's own database.

Only the DEMO provider (`upstream/demo/`) and the demo generator read or write them. Money is
`Numeric(12, 2)` (read back as `Decimal`), timestamps are UTC (`UTCDateTime`). `demo_daily_*` are
rollups by shop-local day so KPI, trend, compare, funnel and payment-issue answers cost O(days), not
O(orders). Partial indexes keep the small "live" sets (open orders, open chat threads, troubled and
refunded payments) cheap to read however long the history grows; they are declared here with their
`*_where` clauses, so the generator's drop-and-rebuild around big loads recreates them as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from ownerbot.storage.models import Base, BigIntegerPK, JSONType, UTCDateTime

Money = Numeric(12, 2)


def sql_constant(value: str) -> ColumnElement[str]:
    """A string constant written into the SQL text, not sent as a bound parameter.

    For the predicates of partial indexes: the planner uses such an index only when it can prove the
    query implies the predicate, and the generic plan of a prepared statement (asyncpg prepares every
    statement) cannot see parameter values.
    """
    return literal_column(f"'{value}'", String)


class DemoMeta(Base):
    """Key/value facts about the generated shop: seed, anchor day, timezone of the rollups, counts."""

    __tablename__ = "demo_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType, nullable=False)


class DemoCategory(Base):
    __tablename__ = "demo_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)


class DemoProduct(Base):
    """A product (or a course). `price` NULL means "missing price"; `status` ACTIVE | HIDDEN | ARCHIVED."""

    __tablename__ = "demo_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("demo_categories.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # product | course
    price: Mapped[Decimal | None] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    discount_percent: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    stock: Mapped[int] = mapped_column(Integer, nullable=False)
    has_photo: Mapped[bool] = mapped_column(Boolean, nullable=False)
    has_video: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DemoVariant(Base):
    __tablename__ = "demo_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("demo_products.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)  # size / colour / tariff
    sku: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    stock: Mapped[int] = mapped_column(Integer, nullable=False)


class DemoLook(Base):
    """A look: an outfit of products, or a course made of blocks."""

    __tablename__ = "demo_looks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # outfit | course
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    product_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DemoCustomer(Base):
    __tablename__ = "demo_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    phone: Mapped[str] = mapped_column(String(32), nullable=False, index=True)


class DemoOrder(Base):
    """An order with its payment plan and stage.

    status: new | awaiting_payment | paid | shipped | delivered | cancelled.
    payment_plan: full | deposit | preorder; payment_stage: pending | deposit_due | balance_due |
    fully_paid | preorder. `paid_at` is when the order became fully paid; `stage_changed_at` when it
    entered its current stage.
    """

    __tablename__ = "demo_orders"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("demo_customers.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    payment_plan: Mapped[str] = mapped_column(String(16), nullable=False)
    payment_stage: Mapped[str] = mapped_column(String(16), nullable=False)
    payment_method: Mapped[str] = mapped_column(String(16), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_paid: Mapped[Decimal] = mapped_column(Money, nullable=False)
    upfront_due: Mapped[Decimal] = mapped_column(Money, nullable=False)
    due_now: Mapped[Decimal] = mapped_column(Money, nullable=False)
    remaining_due: Mapped[Decimal] = mapped_column(Money, nullable=False)
    coupon_code: Mapped[str | None] = mapped_column(String(32))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ship_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        # A status's orders newest first, keyset-ordered, with their stage: the status-led presets
        # (stuck, payment issues) count and page from the index alone.
        Index(
            "ix_demo_orders_status_created",
            "status",
            "created_at",
            "id",
            postgresql_include=["payment_stage"],
        ),
        Index("ix_demo_orders_paid_at", "paid_at"),
        Index("ix_demo_orders_flagged", "flagged"),
    )


# An OPEN order still owes money: not fully paid and not cancelled. A few thousand of a million orders;
# every question about time in a stage is about them (the funnel's due-now buckets and median waits, the
# `stuck` preset, the stuck-deposit list), so this index replaces a (stage, stage_changed_at) index over
# all orders. Its columns cover those queries on PostgreSQL.
OPEN_ORDER: ColumnElement[bool] = and_(
    DemoOrder.payment_stage != sql_constant("fully_paid"), DemoOrder.status != sql_constant("cancelled")
)
Index(
    "ix_demo_orders_open",
    DemoOrder.payment_stage,
    DemoOrder.stage_changed_at,
    DemoOrder.id,
    postgresql_include=["created_at", "status", "due_now"],
    postgresql_where=OPEN_ORDER,
    sqlite_where=OPEN_ORDER,
)


class DemoOrderItem(Base):
    __tablename__ = "demo_order_items"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demo_orders.id"), nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("demo_products.id"), nullable=False, index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("demo_variants.id"))
    qty: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    line_total: Mapped[Decimal] = mapped_column(Money, nullable=False)


class DemoPayment(Base):
    """A payment attempt. status: pending | confirmed | failed | refunded; kind: full | deposit | balance."""

    __tablename__ = "demo_payments"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demo_orders.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    failure_reason: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # Attempts by creation time, read from the index alone (method and status ride along).
        Index("ix_demo_payments_created_at", "created_at", postgresql_include=["method", "status"]),
    )


# Failed and pending attempts (a few percent of all): the payment-issue preset probes them per order.
TROUBLED_PAYMENT: ColumnElement[bool] = DemoPayment.status.in_(
    [sql_constant("failed"), sql_constant("pending")]
)
Index(
    "ix_demo_payments_troubled",
    DemoPayment.order_id,
    DemoPayment.status,
    DemoPayment.created_at,
    postgresql_where=TROUBLED_PAYMENT,
    sqlite_where=TROUBLED_PAYMENT,
)
REFUNDED_PAYMENT: ColumnElement[bool] = DemoPayment.refunded_at.is_not(None)
Index(
    "ix_demo_payments_refunded_at",
    DemoPayment.refunded_at,
    postgresql_where=REFUNDED_PAYMENT,
    sqlite_where=REFUNDED_PAYMENT,
)


class DemoOrderNote(Base):
    __tablename__ = "demo_order_notes"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demo_orders.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    author_tg_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DemoChatThread(Base):
    """A support thread; unanswered when the last customer message is newer than the last manager reply."""

    __tablename__ = "demo_chat_threads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("demo_customers.id"), nullable=False)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    manager_name: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_customer_msg_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_manager_msg_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open | closed

    __table_args__ = (
        # The support queue: open threads by how long the customer has waited (few open, many closed).
        Index(
            "ix_demo_chat_threads_status_waiting",
            "status",
            "last_customer_msg_at",
            "id",
            postgresql_include=["last_manager_msg_at", "manager_name"],
        ),
    )


class DemoCoupon(Base):
    __tablename__ = "demo_coupons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    percent: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None] = mapped_column(Integer)


class DemoCouponUse(Base):
    __tablename__ = "demo_coupon_uses"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("demo_coupons.id"), nullable=False, index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("demo_orders.id"), nullable=False)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    discount_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    order_total: Mapped[Decimal] = mapped_column(Money, nullable=False)


class DemoAccessEvent(Base):
    """Content access: event granted | denied | expired | renew_offered | renew_completed.

    target_type product | look; action view | buy | content; reason_code for denials; amount for renewals.
    """

    __tablename__ = "demo_access_events"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("demo_customers.id"), nullable=False)
    event: Mapped[str] = mapped_column(String(24), nullable=False)
    target_type: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    reason_code: Mapped[str | None] = mapped_column(String(48))
    amount: Mapped[Decimal | None] = mapped_column(Money)

    __table_args__ = (Index("ix_demo_access_events_event_time", "event", "occurred_at"),)


class DemoNudge(Base):
    """AutoNudge payment reminders: status sent | failed | skipped (kind order | digest)."""

    __tablename__ = "demo_nudges"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        # "Was this order reminded lately?" is answered from the index alone.
        Index("ix_demo_nudges_order_status_time", "order_id", "status", "occurred_at"),
        # Counts of a window by kind/status/reason, from the index alone.
        Index("ix_demo_nudges_occurred_at", "occurred_at", postgresql_include=["kind", "status", "reason"]),
    )


# The daily digests (one a day among a million order reminders): the latest one is an index lookup.
DIGEST_NUDGE: ColumnElement[bool] = DemoNudge.kind == sql_constant("digest")
Index(
    "ix_demo_nudges_digest",
    DemoNudge.occurred_at,
    DemoNudge.id,
    postgresql_include=["status"],
    postgresql_where=DIGEST_NUDGE,
    sqlite_where=DIGEST_NUDGE,
)


class DemoFxSnapshot(Base):
    __tablename__ = "demo_fx_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rate_set_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    base_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    rates: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False)  # quote -> decimal string
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DemoDailySales(Base):
    """Rollup per shop-local day: money moved and orders counted that day (see docs/decisions.md)."""

    __tablename__ = "demo_daily_sales"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    revenue_gross: Mapped[Decimal] = mapped_column(Money, nullable=False)  # confirmed payments
    refunds: Mapped[Decimal] = mapped_column(Money, nullable=False)  # refunded amounts
    orders_created: Mapped[int] = mapped_column(Integer, nullable=False)
    orders_paid: Mapped[int] = mapped_column(Integer, nullable=False)  # became fully paid
    paid_orders_value: Mapped[Decimal] = mapped_column(Money, nullable=False)  # totals of those orders


class DemoDailyProductSales(Base):
    """Rollup per shop-local day and product over orders that became fully paid that day."""

    __tablename__ = "demo_daily_product_sales"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, nullable=False)
    qty: Mapped[int] = mapped_column(Integer, nullable=False)
    revenue: Mapped[Decimal] = mapped_column(Money, nullable=False)
    orders: Mapped[int] = mapped_column(Integer, nullable=False)


class DemoDailyFunnel(Base):
    """Rollup per shop-local day of creation × payment stage × plan × cancelled: the orders as they stand.

    `orders_with_payment` counts orders with money received (`amount_paid` > 0); the money columns are
    sums over the orders of the row. Rebuilt for an order's created day whenever the order changes.
    """

    __tablename__ = "demo_daily_funnel"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    payment_stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    payment_plan: Mapped[str] = mapped_column(String(16), primary_key=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, nullable=False)
    orders_with_payment: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_paid: Mapped[Decimal] = mapped_column(Money, nullable=False)
    due_now: Mapped[Decimal] = mapped_column(Money, nullable=False)
    remaining_due: Mapped[Decimal] = mapped_column(Money, nullable=False)


class DemoDailyPayments(Base):
    """Rollup per shop-local day × payment method × current payment status.

    `attempts`: payments created that day; `refunds` / `refund_amount`: payments refunded that day.
    """

    __tablename__ = "demo_daily_payments"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    refunds: Mapped[int] = mapped_column(Integer, nullable=False)
    refund_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)


class DemoDailyProductPayments(Base):
    """The same per product: payments of the orders holding the product (each payment once a product)."""

    __tablename__ = "demo_daily_product_payments"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    refunds: Mapped[int] = mapped_column(Integer, nullable=False)
