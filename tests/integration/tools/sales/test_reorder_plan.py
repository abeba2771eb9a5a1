"""reorder_plan: quantities and days of stock left from raw daily units and current stock."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ownerbot.tools.read.sales.forecasting import forecast
from ownerbot.tools.read.sales.reorder_plan import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


CASES_PLAN_MATCHES_A_FORECAST_OF_THE_RAW_UNITS: list[dict[str, Any]] = [
    {},
    {"horizon_days": 7, "lead_time_days": 3, "safety_stock_days": 0, "limit": 100},
    {"lead_time_days": 60, "limit": 5},
]


async def test_plan_matches_a_forecast_of_the_raw_units(sales: SalesHarness) -> None:
    await each_case(
        CASES_PLAN_MATCHES_A_FORECAST_OF_THE_RAW_UNITS,
        lambda payload: _plan_matches_a_forecast_of_the_raw_units(sales, payload),
    )


async def _plan_matches_a_forecast_of_the_raw_units(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    raw = sales.raw
    last = raw.today - timedelta(days=1)
    first = last - timedelta(days=27)
    daily_units = raw.daily_units(first, last)
    lead, horizon = payload.get("lead_time_days", 14), payload.get("horizon_days", 30)
    cover = lead + horizon + payload.get("safety_stock_days", 7)

    expected = []
    for product in sorted(raw.products.values(), key=lambda p: p.id):
        if product.kind != "product" or product.status == "ARCHIVED":
            continue
        fc = forecast(
            daily_units.get(product.id, [0] * 28),
            history_start=first,
            horizon_start=raw.today + timedelta(days=1),
            horizon_days=cover,
            method="sma",
        )
        need = sum(fc.daily, Decimal(0))
        stock = max(product.stock, 0)
        qty = max(math.ceil(need - stock), 0)
        if qty:
            days_left = _one_decimal(stock / (need / cover))
            expected.append((days_left, product.id, qty, days_left <= lead))
    expected.sort()
    data = result.data

    assert data["cover_days"] == cover
    assert data["products_to_reorder"] == len(expected)
    assert data["units_to_order"] == sum(e[2] for e in expected)
    assert data["urgent"] == sum(1 for e in expected if e[3])
    rows = [(r["days_of_stock_left"], r["product_id"], r["reorder_qty"], r["urgent"]) for r in data["rows"]]
    assert rows == expected[: payload.get("limit", 20)]
    for row in data["rows"]:
        assert row["stock"] == raw.products[row["product_id"]].stock


async def test_the_demo_has_something_to_reorder(sales: SalesHarness) -> None:
    # Guards the comparison above: an empty plan would agree with an empty expectation.
    data = (await sales.run(SPEC, {"limit": 100})).data
    assert data["products_to_reorder"] > 0
    assert all(row["reorder_qty"] > 0 for row in data["rows"])
