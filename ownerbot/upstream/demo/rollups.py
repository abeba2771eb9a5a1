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

Days without activity have no row; readers fill them with zeros. The generator accumulates the same
numbers while it creates the rows; `rebuild_rollups` recomputes them from the base tables, for all days or
for the days an order change touched, and must agree with the generator to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    cast,
    delete,
    distinct,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ownerbot.domain.windows import day_start_utc
from ownerbot.storage.demo_models import (
    DemoDailyProductSales,
    DemoDailySales,
    DemoOrder,
    DemoOrderItem,
    DemoPayment,
    DemoProduct,
)

RECEIVED_STATUSES = ("confirmed", "refunded")
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
# GROUP BY output positions: the local-day expression carries bound parameters, and PostgreSQL would
# not recognise a second copy of it (with its own parameters) as the same expression.
_BY_DAY: tuple[ColumnElement[Any], ...] = (literal_column("1"),)
_BY_DAY_PRODUCT: tuple[ColumnElement[Any], ...] = (
    literal_column("1"),
    literal_column("2"),
    literal_column("3"),
)


def _offset_modifier(offset: timedelta | None) -> str:
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return f"{seconds:+d} seconds"


def _offset_segments(tz: str, lo: datetime, hi: datetime) -> list[tuple[datetime, str]]:
    """UTC instants where the zone's offset changes within [lo, hi], each with the offset from then on.

    Day by day the offset is compared; a change is located to the second by bisection. The first entry
    carries the offset in force at `lo` (its instant is `lo` itself).
    """
    zone = ZoneInfo(tz)
    segments = [(lo, _offset_modifier(lo.astimezone(zone).utcoffset()))]
    t = lo
    while t < hi:
        step = min(t + timedelta(days=1), hi)
        before, after = t.astimezone(zone).utcoffset(), step.astimezone(zone).utcoffset()
        if before != after:
            left, right = t, step  # offset(left) == before, offset(right) == after
            while right - left > timedelta(seconds=1):
                middle = left + (right - left) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    left = middle
                else:
                    right = middle
            segments.append((right.replace(microsecond=0), _offset_modifier(after)))
        t = step
    return segments


class _LocalDay:
    """Builds the SQL for "the shop-local day of this UTC timestamp column" on one dialect."""

    def __init__(self, dialect: str, tz: str, lo: datetime | None, hi: datetime | None) -> None:
        self._dialect = dialect
        self._tz = tz
        self._segments: list[tuple[datetime, str]] = []
        if dialect == "sqlite":
            # SQLite has no time zones: shift by the offset in force, picked by a CASE over the offset
            # changes inside the data's time range.
            if lo is not None and hi is not None:
                self._segments = _offset_segments(tz, lo - timedelta(days=1), hi + timedelta(days=1))
        elif dialect != "postgresql":
            raise NotImplementedError(f"demo rollups are not implemented for {dialect}")

    def of(self, column: Any) -> ColumnElement[Any]:
        if self._dialect == "postgresql":
            return cast(func.timezone(self._tz, column), Date)
        # SQLite keeps times as whole milliseconds and rounds, so 23:59:59.9999 would become the next
        # day: the value is cut to whole seconds (day boundaries are whole seconds) before date().
        seconds = func.substr(column, 1, 19)
        if not self._segments:
            return func.date(seconds)
        whens = [
            (column < start, modifier)
            for (start, _), (_, modifier) in zip(self._segments[1:], self._segments, strict=False)
        ]
        modifier = case(*whens, else_=self._segments[-1][1]) if whens else self._segments[0][1]
        return func.date(seconds, modifier)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs (first, last) of a set of days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


async def _time_range(connection: AsyncConnection) -> tuple[datetime | None, datetime | None]:
    columns = (DemoOrder.created_at, DemoOrder.paid_at, DemoPayment.confirmed_at, DemoPayment.refunded_at)
    lows: list[datetime] = []
    highs: list[datetime] = []
    for column in columns:
        lo, hi = (await connection.execute(select(func.min(column), func.max(column)))).one()
        if lo is not None and hi is not None:
            lows.append(lo)
            highs.append(hi)
    return (min(lows), max(highs)) if lows else (None, None)


async def rebuild_rollups_on(
    connection: AsyncConnection, tz: str, days: Iterable[date] | None = None
) -> None:
    """Recompute the rollups inside the caller's transaction (see `rebuild_rollups`)."""
    runs = None if days is None else _runs(days)
    if runs is not None and not runs:
        return
    if runs is None:
        lo, hi = await _time_range(connection)
    else:
        lo, hi = day_start_utc(runs[0][0], tz), day_start_utc(runs[-1][1] + timedelta(days=1), tz)
    local = _LocalDay(connection.dialect.name, tz, lo, hi)

    def in_days(column: Any) -> ColumnElement[bool]:
        if runs is None:
            return true()
        return or_(
            false(),
            *(
                and_(column >= day_start_utc(first, tz), column < day_start_utc(last + timedelta(days=1), tz))
                for first, last in runs
            ),
        )

    pay, order, item, product = DemoPayment, DemoOrder, DemoOrderItem, DemoProduct
    sales: dict[date, list[Any]] = {}

    def bucket(day: Any) -> list[Any]:
        return sales.setdefault(_as_date(day), [_ZERO, _ZERO, 0, 0, _ZERO])

    revenue = (
        select(local.of(pay.confirmed_at), func.sum(pay.amount))
        .where(pay.status.in_(RECEIVED_STATUSES), pay.confirmed_at.is_not(None), in_days(pay.confirmed_at))
        .group_by(*_BY_DAY)
    )
    for day, amount in await connection.execute(revenue):
        bucket(day)[0] += amount
    refunds = (
        select(local.of(pay.refunded_at), func.sum(pay.refund_amount))
        .where(pay.refunded_at.is_not(None), in_days(pay.refunded_at))
        .group_by(*_BY_DAY)
    )
    for day, amount in await connection.execute(refunds):
        bucket(day)[1] += amount or _ZERO
    created = (
        select(local.of(order.created_at), func.count()).where(in_days(order.created_at)).group_by(*_BY_DAY)
    )
    for day, count in await connection.execute(created):
        bucket(day)[2] += count
    paid = (
        select(local.of(order.paid_at), func.count(), func.sum(order.total))
        .where(order.paid_at.is_not(None), in_days(order.paid_at))
        .group_by(*_BY_DAY)
    )
    for day, count, value in await connection.execute(paid):
        row = bucket(day)
        row[3] += count
        row[4] += value
    products = (
        select(
            local.of(order.paid_at),
            item.product_id,
            product.category_id,
            func.sum(item.qty),
            func.sum(item.line_total),
            func.count(distinct(item.order_id)),
        )
        .select_from(item)
        .join(order, order.id == item.order_id)
        .join(product, product.id == item.product_id)
        .where(order.paid_at.is_not(None), in_days(order.paid_at))
        .group_by(*_BY_DAY_PRODUCT)
    )
    product_rows = [
        {
            "day": _as_date(day),
            "product_id": product_id,
            "category_id": category_id,
            "qty": int(qty),
            "revenue": Decimal(revenue_sum).quantize(_CENT),
            "orders": int(orders),
        }
        for day, product_id, category_id, qty, revenue_sum, orders in await connection.execute(products)
    ]

    if runs is None:
        await connection.execute(delete(DemoDailySales))
        await connection.execute(delete(DemoDailyProductSales))
    else:
        listed = [first + timedelta(days=i) for first, last in runs for i in range((last - first).days + 1)]
        await connection.execute(delete(DemoDailySales).where(DemoDailySales.day.in_(listed)))
        await connection.execute(delete(DemoDailyProductSales).where(DemoDailyProductSales.day.in_(listed)))
    if sales:
        await connection.execute(
            insert(DemoDailySales),
            [
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
        )
    if product_rows:
        await connection.execute(insert(DemoDailyProductSales), product_rows)


async def rebuild_rollups(engine: AsyncEngine, tz: str, days: Iterable[date] | None = None) -> None:
    """Recompute `demo_daily_sales` and `demo_daily_product_sales` from the base tables.

    `days=None` rebuilds everything; otherwise only the given shop-local days (the days an order change
    touched: its created, paid and payment days). One transaction.
    """
    async with engine.begin() as connection:
        await rebuild_rollups_on(connection, tz, days)
