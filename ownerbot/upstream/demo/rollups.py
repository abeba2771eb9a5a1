"""Daily rollups of the DEMO shop, by SHOP-LOCAL day (`domain.windows.local_day`; DST-correct).

Definitions (the read tools use exactly these):

`demo_daily_sales`, one row per local day that has any activity:
* revenue_gross(day) = sum of `amount` of payments whose `confirmed_at` falls on the day, status
  `confirmed` or `refunded` (a refunded payment was received first; the refund is counted separately);
* refunds(day) = sum of `refund_amount` of payments whose `refunded_at` falls on the day;
* orders_created(day) = orders whose `created_at` falls on the day;
* orders_paid(day) = orders whose `paid_at` (became fully paid) falls on the day;
* paid_orders_value(day) = sum of `total` of those orders.

`demo_daily_product_sales`, one row per (local day, product) with sales: over the orders whose `paid_at`
falls on the day, qty = sum of item `qty`, revenue = sum of item `line_total` (after coupon discounts, so
the products of an order add up to its total), orders = distinct orders; `category_id` is the product's
current category.

`demo_daily_funnel`, one row per (local day of `created_at`, payment_stage, payment_plan, cancelled =
status is `cancelled`) with orders: orders, orders_with_payment (`amount_paid` > 0) and the sums of
`total`, `amount_paid`, `due_now`, `remaining_due` - the orders as they stand now.

`demo_daily_payments`, one row per (local day, method, status) with activity: attempts = payments whose
`created_at` falls on the day; refunds / refund_amount = payments whose `refunded_at` falls on the day
(count, sum of `refund_amount`). `status` is the payment's current status.

`demo_daily_product_payments`, the same per (local day, product, status) without amounts: a payment
counts once for every distinct product of its order.

Days without activity have no row; readers fill them with zeros. The generator accumulates the same
numbers while it creates the rows; `rebuild_rollups` recomputes them from the base tables, for all days or
for the days an order change touched (its created, paid and payment days: created, confirmed, refunded),
and must agree with the generator to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, case, delete, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ownerbot.domain.windows import day_start_utc
from ownerbot.storage.demo_models import (
    DemoDailyFunnel,
    DemoDailyPayments,
    DemoDailyProductPayments,
    DemoDailyProductSales,
    DemoDailySales,
    DemoOrder,
    DemoOrderItem,
    DemoPayment,
    DemoProduct,
)
from ownerbot.storage.models import Base
from ownerbot.upstream.demo.db import cents_sum, from_cents
from ownerbot.upstream.demo.local_day_sql import DaySet, LocalDay, as_date, by_columns, day_runs

RECEIVED_STATUSES = ("confirmed", "refunded")
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
ROLLUP_TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[model.__tablename__]
    for model in (
        DemoDailySales,
        DemoDailyProductSales,
        DemoDailyFunnel,
        DemoDailyPayments,
        DemoDailyProductPayments,
    )
)
RollupRows = dict[str, list[dict[str, Any]]]


async def _time_range(connection: AsyncConnection) -> tuple[datetime | None, datetime | None]:
    columns = (
        DemoOrder.created_at,
        DemoOrder.paid_at,
        DemoPayment.created_at,
        DemoPayment.confirmed_at,
        DemoPayment.refunded_at,
    )
    lows: list[datetime] = []
    highs: list[datetime] = []
    for column in columns:
        lo, hi = (await connection.execute(select(func.min(column), func.max(column)))).one()
        if lo is not None and hi is not None:
            lows.append(lo)
            highs.append(hi)
    return (min(lows), max(highs)) if lows else (None, None)


async def _sales_rows(connection: AsyncConnection, days: DaySet) -> RollupRows:
    pay, order, item, product = DemoPayment, DemoOrder, DemoOrderItem, DemoProduct
    sales: dict[date, list[Any]] = {}

    def bucket(day: Any) -> list[Any]:
        return sales.setdefault(as_date(day), [_ZERO, _ZERO, 0, 0, _ZERO])

    revenue = (
        select(days.of(pay.confirmed_at), func.sum(pay.amount))
        .where(
            pay.status.in_(RECEIVED_STATUSES), pay.confirmed_at.is_not(None), days.holding(pay.confirmed_at)
        )
        .group_by(*by_columns(1))
    )
    for day, amount in await connection.execute(revenue):
        bucket(day)[0] += amount
    refunds = (
        select(days.of(pay.refunded_at), func.sum(pay.refund_amount))
        .where(pay.refunded_at.is_not(None), days.holding(pay.refunded_at))
        .group_by(*by_columns(1))
    )
    for day, amount in await connection.execute(refunds):
        bucket(day)[1] += amount or _ZERO
    created = (
        select(days.of(order.created_at), func.count())
        .where(days.holding(order.created_at))
        .group_by(*by_columns(1))
    )
    for day, count in await connection.execute(created):
        bucket(day)[2] += count
    paid = (
        select(days.of(order.paid_at), func.count(), func.sum(order.total))
        .where(order.paid_at.is_not(None), days.holding(order.paid_at))
        .group_by(*by_columns(1))
    )
    for day, count, value in await connection.execute(paid):
        row = bucket(day)
        row[3] += count
        row[4] += value
    products = (
        select(
            days.of(order.paid_at),
            item.product_id,
            product.category_id,
            func.sum(item.qty),
            func.sum(item.line_total),
            func.count(distinct(item.order_id)),
        )
        .select_from(item)
        .join(order, order.id == item.order_id)
        .join(product, product.id == item.product_id)
        .where(order.paid_at.is_not(None), days.holding(order.paid_at))
        .group_by(*by_columns(3))
    )
    return {
        DemoDailySales.__tablename__: [
            {
                "day": day,
                "revenue_gross": Decimal(values[0]).quantize(_CENT),
                "refunds": Decimal(values[1]).quantize(_CENT),
                "orders_created": values[2],
                "orders_paid": values[3],
                "paid_orders_value": Decimal(values[4]).quantize(_CENT),
            }
            for day, values in sorted(sales.items())
        ],
        DemoDailyProductSales.__tablename__: [
            {
                "day": as_date(day),
                "product_id": product_id,
                "category_id": category_id,
                "qty": int(qty),
                "revenue": Decimal(revenue_sum).quantize(_CENT),
                "orders": int(orders),
            }
            for day, product_id, category_id, qty, revenue_sum, orders in await connection.execute(products)
        ],
    }


async def _funnel_rows(connection: AsyncConnection, days: DaySet) -> RollupRows:
    order = DemoOrder
    stmt = (
        select(
            days.of(order.created_at),
            order.payment_stage,
            order.payment_plan,
            case((order.status == "cancelled", 1), else_=0),
            func.count(),
            func.sum(case((order.amount_paid > 0, 1), else_=0)),
            cents_sum(order.total),
            cents_sum(order.amount_paid),
            cents_sum(order.due_now),
            cents_sum(order.remaining_due),
        )
        .where(days.holding(order.created_at))
        .group_by(*by_columns(4))
    )
    return {
        DemoDailyFunnel.__tablename__: [
            {
                "day": as_date(day),
                "payment_stage": stage,
                "payment_plan": plan,
                "cancelled": bool(cancelled),
                "orders": int(orders),
                "orders_with_payment": int(with_payment),
                "total": from_cents(total),
                "amount_paid": from_cents(paid),
                "due_now": from_cents(due),
                "remaining_due": from_cents(remaining),
            }
            for day, stage, plan, cancelled, orders, with_payment, total, paid, due, remaining in (
                await connection.execute(stmt)
            )
        ]
    }


async def _payment_rows(connection: AsyncConnection, days: DaySet) -> RollupRows:
    pay, item = DemoPayment, DemoOrderItem
    methods: dict[tuple[date, str, str], list[int]] = {}
    products: dict[tuple[date, int, str], list[int]] = {}
    # Attempts count by creation day (slot 0), refunds by refund day (slot 1).
    for slot, at, only in (
        (0, pay.created_at, days.holding(pay.created_at)),
        (1, pay.refunded_at, pay.refunded_at.is_not(None) & days.holding(pay.refunded_at)),
    ):
        by_method = (
            select(days.of(at), pay.method, pay.status, func.count(), cents_sum(pay.refund_amount))
            .where(only)
            .group_by(*by_columns(3))
        )
        for day, method, status, count, cents in await connection.execute(by_method):
            acc = methods.setdefault((as_date(day), method, status), [0, 0, 0])
            acc[slot] += int(count)
            if slot:
                acc[2] += int(cents)
        # A payment counts once per distinct product of its order, however many lines hold the product.
        by_product = (
            select(days.of(at), item.product_id, pay.status, func.count(distinct(pay.id)))
            .select_from(pay)
            .join(item, item.order_id == pay.order_id)
            .where(only)
            .group_by(*by_columns(3))
        )
        for day, product_id, status, count in await connection.execute(by_product):
            products.setdefault((as_date(day), int(product_id), status), [0, 0])[slot] += int(count)
    return {
        DemoDailyPayments.__tablename__: [
            {
                "day": day,
                "method": method,
                "status": status,
                "attempts": values[0],
                "refunds": values[1],
                "refund_amount": from_cents(values[2]),
            }
            for (day, method, status), values in sorted(methods.items())
        ],
        DemoDailyProductPayments.__tablename__: [
            {
                "day": day,
                "product_id": product_id,
                "status": status,
                "attempts": values[0],
                "refunds": values[1],
            }
            for (day, product_id, status), values in sorted(products.items())
        ],
    }


async def rebuild_rollups_on(
    connection: AsyncConnection, tz: str, days: Iterable[date] | None = None
) -> None:
    """Recompute the rollups inside the caller's transaction (see `rebuild_rollups`)."""
    runs = None if days is None else day_runs(days)
    if runs is not None and not runs:
        return
    if runs is None:
        lo, hi = await _time_range(connection)
    else:
        lo, hi = day_start_utc(runs[0][0], tz), day_start_utc(runs[-1][1] + timedelta(days=1), tz)
    scope = DaySet(LocalDay(connection.dialect.name, tz, lo, hi), tz, runs)
    rows: RollupRows = {}
    for compute in (_sales_rows, _funnel_rows, _payment_rows):
        rows.update(await compute(connection, scope))
    for table in ROLLUP_TABLES:
        if runs is None:
            await connection.execute(delete(table))
        else:
            await connection.execute(delete(table).where(table.c.day.in_(scope.listed())))
        if rows[table.name]:
            await connection.execute(insert(table), rows[table.name])


async def rebuild_rollups(engine: AsyncEngine, tz: str, days: Iterable[date] | None = None) -> None:
    """Recompute every `demo_daily_*` rollup from the base tables (see the module docstring).

    `days=None` rebuilds everything; otherwise only the given shop-local days (the days an order change
    touched: its created, paid and payment days). One transaction.
    """
    async with engine.begin() as connection:
        await rebuild_rollups_on(connection, tz, days)
