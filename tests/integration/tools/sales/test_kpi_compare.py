"""kpi_compare: both windows, deltas and AOV against figures recomputed from the raw rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ownerbot.tools.read.sales.kpi_compare import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import pct

FIELDS = (
    "revenue_gross",
    "refunds",
    "revenue_net",
    "orders_created",
    "orders_paid",
    "paid_orders_value",
    "aov",
    "paid_rate_pct",
)


def _delta(a: Decimal | int | None, b: Decimal | int | None) -> dict[str, Any]:
    if a is None or b is None:
        return {"abs": None, "pct": None}
    return {"abs": a - b, "pct": pct(a - b, b)}


def _windows(payload: dict[str, Any], today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """A and B as the docs word them: ended days up to yesterday; B the same weekdays whole weeks back."""
    if payload.get("preset") == "custom":
        parse = date.fromisoformat
        return (parse(payload["a_start"]), parse(payload["a_end"])), (
            parse(payload["b_start"]),
            parse(payload["b_end"]),
        )
    preset = payload.get("preset", "wow")
    days = payload.get("days", 7 if preset == "wow" else 28)
    weeks_back = max(1 if preset == "wow" else 4, (days + 6) // 7)
    a_end = today - timedelta(days=1)
    a_start = a_end - timedelta(days=days - 1)
    shift = timedelta(weeks=weeks_back)
    return (a_start, a_end), (a_start - shift, a_end - shift)


CASES_BOTH_WINDOWS_AND_EVERY_DELTA_MATCH_THE_R: list[dict[str, Any]] = [
    {},
    {"preset": "wow", "days": 1},
    {"preset": "wow", "days": 14},
    {"preset": "mom"},
    {
        "preset": "custom",
        "a_start": "2026-03-23",
        "a_end": "2026-03-30",
        "b_start": "2026-03-09",
        "b_end": "2026-03-12",
    },
]


async def test_both_windows_and_every_delta_match_the_raw_rows(sales: SalesHarness) -> None:
    await each_case(
        CASES_BOTH_WINDOWS_AND_EVERY_DELTA_MATCH_THE_R,
        lambda payload: _both_windows_and_every_delta_match_the_raw_rows(sales, payload),
    )


async def _both_windows_and_every_delta_match_the_raw_rows(
    sales: SalesHarness, payload: dict[str, Any]
) -> None:
    result = await sales.run(SPEC, payload)
    (a_first, a_last), (b_first, b_last) = _windows(payload, sales.raw.today)
    a, b = sales.raw.kpi(a_first, a_last), sales.raw.kpi(b_first, b_last)
    data = result.data

    assert data["a"]["window"] == {"from": a_first.isoformat(), "to": a_last.isoformat(), "tz": sales.tz}
    assert data["b"]["window"] == {"from": b_first.isoformat(), "to": b_last.isoformat(), "tz": sales.tz}
    assert {name: data["a"][name] for name in FIELDS} == a
    assert {name: data["b"][name] for name in FIELDS} == b
    assert data["delta"] == {name: _delta(a[name], b[name]) for name in FIELDS}
    assert data["aov"] == {"a": a["aov"], "b": b["aov"], **_delta(a["aov"], b["aov"])}
    assert result.window is not None
    assert (result.window.from_, result.window.to) == (
        min(a_first, b_first).isoformat(),
        max(a_last, b_last).isoformat(),
    )
    assert a["orders_paid"] > 0 and b["orders_paid"] > 0  # non-vacuous: both windows have sales


async def test_unequal_custom_windows_and_a_partial_today_are_flagged(sales: SalesHarness) -> None:
    today = sales.raw.today
    result = await sales.run(
        SPEC,
        {
            "preset": "custom",
            "a_start": (today - timedelta(days=2)).isoformat(),
            "a_end": today.isoformat(),
            "b_start": (today - timedelta(days=9)).isoformat(),
            "b_end": (today - timedelta(days=8)).isoformat(),
        },
    )
    codes = [w.code for w in result.warnings]
    assert "unequal_windows" in codes and "partial_day" in codes


async def test_presets_use_ended_days_only(sales: SalesHarness) -> None:
    result = await sales.run(SPEC, {"preset": "wow"})
    assert result.data["a"]["window"]["to"] == (sales.raw.today - timedelta(days=1)).isoformat()
    assert "partial_day" not in {w.code for w in result.warnings}
