"""demand_forecast: the forecast is fed exactly the units the raw paid orders hold, day by day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ownerbot.tools.read.sales.demand_forecast import SPEC
from ownerbot.tools.read.sales.forecasting import forecast, units
from tests.integration.tools.sales.conftest import SalesHarness, each_case


def _history(sales: SalesHarness, days: int) -> tuple[date, date]:
    """The `days` ended days before today, cut to start on the shop's first day of activity."""
    last = sales.raw.today - timedelta(days=1)
    return max(last - timedelta(days=days - 1), sales.raw.first_activity_day()), last


CASES_EVERY_ROW_IS_THE_FORECAST_OF_THE_RAW_DAI: list[dict[str, Any]] = [
    {},
    {"horizon_days": 14, "method": "ses", "limit": 100},
    {"history_days": 7, "limit": 5},
    {"history_days": 180},
]


async def test_every_row_is_the_forecast_of_the_raw_daily_units(sales: SalesHarness) -> None:
    await each_case(
        CASES_EVERY_ROW_IS_THE_FORECAST_OF_THE_RAW_DAI,
        lambda payload: _every_row_is_the_forecast_of_the_raw_daily_units(sales, payload),
    )


async def _every_row_is_the_forecast_of_the_raw_daily_units(
    sales: SalesHarness, payload: dict[str, Any]
) -> None:
    result = await sales.run(SPEC, payload)
    raw = sales.raw
    first, last = _history(sales, payload.get("history_days", 30))
    n_days = (last - first).days + 1
    daily_units = raw.daily_units(first, last)
    horizon_days, method = payload.get("horizon_days", 7), payload.get("method", "sma")
    candidates = [p for p in raw.products.values() if p.id in daily_units or p.status == "ACTIVE"]
    expected = {
        p.id: forecast(
            daily_units.get(p.id, [0] * n_days),
            history_start=first,
            horizon_start=raw.today + timedelta(days=1),
            horizon_days=horizon_days,
            method=method,
        )
        for p in candidates
    }
    ranked = sorted(candidates, key=lambda p: (-expected[p.id].total, p.id))
    data = result.data

    assert data["window"] == {"from": first.isoformat(), "to": last.isoformat(), "tz": sales.tz}
    assert data["history_days"] == n_days
    assert data["horizon"]["from"] == (raw.today + timedelta(days=1)).isoformat()
    assert data["products"] == len(candidates)
    assert data["expected_units_total"] == units(sum((f.total for f in expected.values()), Decimal(0)))
    assert [row["product_id"] for row in data["rows"]] == [p.id for p in ranked[: payload.get("limit", 20)]]
    for row in data["rows"]:
        fc = expected[row["product_id"]]
        assert row["expected_units"] == fc.total
        assert row["history_units"] == sum(daily_units.get(row["product_id"], []))
        assert (row["confidence"], row["note"], row["sale_days"]) == (fc.confidence, fc.note, fc.sale_days)
        assert row["stock"] == raw.products[row["product_id"]].stock
    assert data["rows"][0]["expected_units"] > 0
    trimmed = "history_trimmed" in {w.code for w in result.warnings}
    assert trimmed == (payload.get("history_days", 30) > n_days)


async def test_the_forecast_sees_the_same_units_as_the_sales_report(sales: SalesHarness) -> None:
    # 7 days of history: the units behind the top row equal that product's units in the raw orders.
    result = await sales.run(SPEC, {"history_days": 7, "limit": 1})
    first, last = _history(sales, 7)
    top = result.data["rows"][0]
    assert top["history_units"] == sales.raw.product_sales(first, last, "product")[top["product_id"]]["qty"]
