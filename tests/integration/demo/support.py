"""Reading the demo tables back, and an independent (plain Python) computation of the rollups."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.domain.windows import local_day
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES, TABLES_BY_NAME

Rows = dict[str, list[dict[str, Any]]]
SalesRollup = dict[date, tuple[Decimal, Decimal, int, int, Decimal]]
ProductRollup = dict[tuple[date, int], tuple[int, int, Decimal, int]]
# (created day, stage, plan, cancelled) -> orders, orders_with_payment, total, amount_paid, due_now, remaining
FunnelRollup = dict[tuple[date, str, str, bool], tuple[int, int, Decimal, Decimal, Decimal, Decimal]]
# (day, method, status) -> attempts, refunds, refund_amount
PaymentRollup = dict[tuple[date, str, str], tuple[int, int, Decimal]]
# (day, product, status) -> attempts, refunds
ProductPaymentRollup = dict[tuple[date, int, str], tuple[int, int]]


class Rollups(NamedTuple):
    """Every `demo_daily_*` rollup, keyed and valued as the tables hold them."""

    sales: SalesRollup
    products: ProductRollup
    funnel: FunnelRollup
    payments: PaymentRollup
    product_payments: ProductPaymentRollup


async def table_rows(engine: AsyncEngine, name: str) -> list[dict[str, Any]]:
    """Every row of a demo table as a dict, in primary-key order, with the model's Python types."""
    table = TABLES_BY_NAME[name]
    async with engine.connect() as connection:
        result = await connection.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in result]


async def all_rows(engine: AsyncEngine) -> Rows:
    return {table.name: await table_rows(engine, table.name) for table in DEMO_TABLES}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"unexpected {type(value).__name__}")


def fingerprint(rows: Rows) -> str:
    """A digest of the table contents that ignores how a backend spells a value (Decimal scale)."""
    return hashlib.sha256(json.dumps(rows, default=_plain, sort_keys=True).encode()).hexdigest()


async def demo_meta(engine: AsyncEngine) -> dict[str, Any]:
    return {row["key"]: row["value"] for row in await table_rows(engine, "demo_meta")}


def anomaly(meta: dict[str, Any], kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in meta["anomalies"] if a["kind"] == kind]
    assert len(found) == 1, f"expected one {kind} anomaly in demo_meta"
    return found[0]


def expected_rollups(rows: Rows, tz: str) -> Rollups:
    """The rollups recomputed from base rows with `local_day`, written as the rollups module defines them."""
    zero = Decimal("0.00")
    sales: dict[date, list[Any]] = defaultdict(lambda: [zero, zero, 0, 0, zero])
    payments: dict[tuple[date, str, str], list[Any]] = defaultdict(lambda: [0, 0, zero])
    for payment in rows["demo_payments"]:
        if payment["status"] in ("confirmed", "refunded"):
            sales[local_day(payment["confirmed_at"], tz)][0] += payment["amount"]
        method_row = payments[(local_day(payment["created_at"], tz), payment["method"], payment["status"])]
        method_row[0] += 1
        if payment["refunded_at"] is not None:
            sales[local_day(payment["refunded_at"], tz)][1] += payment["refund_amount"]
            refund_row = payments[
                (local_day(payment["refunded_at"], tz), payment["method"], payment["status"])
            ]
            refund_row[1] += 1
            refund_row[2] += payment["refund_amount"]
    paid_day: dict[int, date] = {}
    funnel: dict[tuple[date, str, str, bool], list[Any]] = defaultdict(lambda: [0, 0, zero, zero, zero, zero])
    for order in rows["demo_orders"]:
        created = local_day(order["created_at"], tz)
        sales[created][2] += 1
        if order["paid_at"] is not None:
            day = local_day(order["paid_at"], tz)
            paid_day[order["id"]] = day
            sales[day][3] += 1
            sales[day][4] += order["total"]
        stage = funnel[
            (created, order["payment_stage"], order["payment_plan"], order["status"] == "cancelled")
        ]
        stage[0] += 1
        stage[1] += order["amount_paid"] > 0
        for i, column in enumerate(("total", "amount_paid", "due_now", "remaining_due"), start=2):
            stage[i] += order[column]
    category = {p["id"]: p["category_id"] for p in rows["demo_products"]}
    products: dict[tuple[date, int], list[Any]] = defaultdict(lambda: [0, 0, zero, set()])
    order_products: dict[int, set[int]] = defaultdict(set)
    for item in rows["demo_order_items"]:
        order_products[item["order_id"]].add(item["product_id"])
        item_day = paid_day.get(item["order_id"])
        if item_day is None:
            continue
        acc = products[(item_day, item["product_id"])]
        acc[0] = category[item["product_id"]]
        acc[1] += item["qty"]
        acc[2] += item["line_total"]
        acc[3].add(item["order_id"])
    product_payments: dict[tuple[date, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for payment in rows["demo_payments"]:
        for product_id in order_products[payment["order_id"]]:
            product_payments[(local_day(payment["created_at"], tz), product_id, payment["status"])][0] += 1
            if payment["refunded_at"] is not None:
                key = (local_day(payment["refunded_at"], tz), product_id, payment["status"])
                product_payments[key][1] += 1
    return Rollups(
        sales={day: (v[0], v[1], v[2], v[3], v[4]) for day, v in sales.items()},
        products={key: (v[0], v[1], v[2], len(v[3])) for key, v in products.items()},
        funnel={key: (v[0], v[1], v[2], v[3], v[4], v[5]) for key, v in funnel.items()},
        payments={key: (v[0], v[1], v[2]) for key, v in payments.items()},
        product_payments={key: (v[0], v[1]) for key, v in product_payments.items()},
    )


async def stored_rollups(engine: AsyncEngine) -> Rollups:
    sales = {
        r["day"]: (
            r["revenue_gross"],
            r["refunds"],
            r["orders_created"],
            r["orders_paid"],
            r["paid_orders_value"],
        )
        for r in await table_rows(engine, "demo_daily_sales")
    }
    products = {
        (r["day"], r["product_id"]): (r["category_id"], r["qty"], r["revenue"], r["orders"])
        for r in await table_rows(engine, "demo_daily_product_sales")
    }
    funnel = {
        (r["day"], r["payment_stage"], r["payment_plan"], r["cancelled"]): (
            r["orders"],
            r["orders_with_payment"],
            r["total"],
            r["amount_paid"],
            r["due_now"],
            r["remaining_due"],
        )
        for r in await table_rows(engine, "demo_daily_funnel")
    }
    payments = {
        (r["day"], r["method"], r["status"]): (r["attempts"], r["refunds"], r["refund_amount"])
        for r in await table_rows(engine, "demo_daily_payments")
    }
    product_payments = {
        (r["day"], r["product_id"], r["status"]): (r["attempts"], r["refunds"])
        for r in await table_rows(engine, "demo_daily_product_payments")
    }
    return Rollups(sales, products, funnel, payments, product_payments)
