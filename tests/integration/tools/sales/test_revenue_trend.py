"""revenue_trend: the zero-filled series, totals and the previous window against the raw rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ownerbot.tools.read.sales.revenue_trend import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import days_between, pct

TOTALS = (
    "revenue_gross",
    "refunds",
    "revenue_net",
    "orders_created",
    "orders_paid",
    "paid_orders_value",
    "aov",
)


CASES_SERIES_TOTALS_AND_PREVIOUS_WINDOW_MATCH_: list[dict[str, Any]] = [
    {},
    {"days": 1},
    {"days": 30},
    {"days": 10, "end_day": "2026-03-31"},
    {"days": 21, "end_day": "2026-03-20"},
]


async def test_series_totals_and_previous_window_match_the_raw_rows(sales: SalesHarness) -> None:
    await each_case(
        CASES_SERIES_TOTALS_AND_PREVIOUS_WINDOW_MATCH_,
        lambda payload: _series_totals_and_previous_window_match_the_raw_rows(sales, payload),
    )


async def _series_totals_and_previous_window_match_the_raw_rows(
    sales: SalesHarness, payload: dict[str, Any]
) -> None:
    result = await sales.run(SPEC, payload)
    days = payload.get("days", 7)
    last = date.fromisoformat(payload["end_day"]) if "end_day" in payload else sales.raw.today
    first = last - timedelta(days=days - 1)
    data = result.data

    expected_series = []
    for day in days_between(first, last):
        kpi = sales.raw.kpi(day, day)
        expected_series.append(
            {
                "day": day.isoformat(),
                "revenue_gross": kpi["revenue_gross"],
                "refunds": kpi["refunds"],
                "revenue_net": kpi["revenue_net"],
                "orders_created": kpi["orders_created"],
                "orders_paid": kpi["orders_paid"],
            }
        )
    assert data["series"] == expected_series
    totals = sales.raw.kpi(first, last)
    previous = sales.raw.kpi(first - timedelta(days=days), first - timedelta(days=1))
    assert {name: data["totals"][name] for name in TOTALS} == {name: totals[name] for name in TOTALS}
    assert {name: data["previous"][name] for name in TOTALS} == {name: previous[name] for name in TOTALS}
    assert data["previous"]["window"]["to"] == (first - timedelta(days=1)).isoformat()
    for name in ("revenue_gross", "revenue_net", "orders_paid", "aov"):
        a, b = totals[name], previous[name]
        expected = (
            {"abs": None, "pct": None} if a is None or b is None else {"abs": a - b, "pct": pct(a - b, b)}
        )
        assert data["delta"][name] == expected
    # The series adds up to the totals: one set of definitions behind both.
    assert sum(point["revenue_gross"] for point in data["series"]) == data["totals"]["revenue_gross"]
    assert sum(point["orders_paid"] for point in data["series"]) == data["totals"]["orders_paid"]
    assert totals["orders_paid"] > 0


async def test_a_future_end_day_is_flagged_and_zero_filled(sales: SalesHarness) -> None:
    end = sales.raw.today + timedelta(days=3)
    result = await sales.run(SPEC, {"days": 7, "end_day": end.isoformat()})
    assert len(result.data["series"]) == 7
    assert [p["revenue_gross"] for p in result.data["series"][-3:]] == [0, 0, 0]
    codes = [w.code for w in result.warnings]
    assert "future_days" in codes and "partial_day" in codes


async def test_a_window_before_the_history_is_all_zeros_and_says_so(sales: SalesHarness) -> None:
    end = sales.raw.first_activity_day() - timedelta(days=1)
    result = await sales.run(SPEC, {"days": 5, "end_day": end.isoformat()})
    assert [p["orders_created"] for p in result.data["series"]] == [0] * 5
    codes = [w.code for w in result.warnings]
    assert "no_data" in codes and "partial_coverage" in codes
