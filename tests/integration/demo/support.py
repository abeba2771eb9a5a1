"""Reading the demo tables back, and an independent (plain Python) computation of the rollups."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.domain.windows import local_day
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES, TABLES_BY_NAME

Rows = dict[str, list[dict[str, Any]]]
SalesRollup = dict[date, tuple[Decimal, Decimal, int, int, Decimal]]
ProductRollup = dict[tuple[date, int], tuple[int, int, Decimal, int]]


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


def expected_rollups(rows: Rows, tz: str) -> tuple[SalesRollup, ProductRollup]:
    """The rollups recomputed from base rows with `local_day`, written as the rollups module defines them."""
    zero = Decimal("0.00")
    sales: dict[date, list[Any]] = defaultdict(lambda: [zero, zero, 0, 0, zero])
    for payment in rows["demo_payments"]:
        if payment["status"] in ("confirmed", "refunded"):
            sales[local_day(payment["confirmed_at"], tz)][0] += payment["amount"]
        if payment["refunded_at"] is not None:
            sales[local_day(payment["refunded_at"], tz)][1] += payment["refund_amount"]
    paid_day: dict[int, date] = {}
    for order in rows["demo_orders"]:
        sales[local_day(order["created_at"], tz)][2] += 1
        if order["paid_at"] is not None:
            day = local_day(order["paid_at"], tz)
            paid_day[order["id"]] = day
            sales[day][3] += 1
            sales[day][4] += order["total"]
    category = {p["id"]: p["category_id"] for p in rows["demo_products"]}
    products: dict[tuple[date, int], list[Any]] = defaultdict(lambda: [0, 0, zero, set()])
    for item in rows["demo_order_items"]:
        item_day = paid_day.get(item["order_id"])
        if item_day is None:
            continue
        acc = products[(item_day, item["product_id"])]
        acc[0] = category[item["product_id"]]
        acc[1] += item["qty"]
        acc[2] += item["line_total"]
        acc[3].add(item["order_id"])
    return (
        {day: (v[0], v[1], v[2], v[3], v[4]) for day, v in sales.items()},
        {key: (v[0], v[1], v[2], len(v[3])) for key, v in products.items()},
    )


async def stored_rollups(engine: AsyncEngine) -> tuple[SalesRollup, ProductRollup]:
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
    return sales, products
