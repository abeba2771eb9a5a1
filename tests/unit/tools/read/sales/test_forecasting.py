"""Forecast math on hand-built series: levels, the weekly pattern, smoothing and confidence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ownerbot.tools.read.sales.forecasting import forecast, weekday_indices

MONDAY = date(2026, 3, 2)


def test_a_steady_seller_is_forecast_flat_with_high_confidence() -> None:
    fc = forecast(
        [2] * 28,
        history_start=MONDAY,
        horizon_start=MONDAY + timedelta(days=28),
        horizon_days=10,
        method="sma",
    )
    assert fc.daily == (Decimal("2.00"),) * 10
    assert fc.total == Decimal("20.0")
    assert (fc.seasonal, fc.confidence, fc.cv_pct, fc.sale_days) == (True, "high", Decimal("0.00"), 28)
    assert "28 of 28 days" in fc.note


def test_the_weekly_pattern_moves_units_to_the_weekend_without_adding_any() -> None:
    week = [1, 1, 1, 1, 1, 6, 6]  # Monday..Sunday
    fc = forecast(
        week * 4,
        history_start=MONDAY,
        horizon_start=MONDAY + timedelta(days=28),
        horizon_days=7,
        method="sma",
    )
    assert fc.daily == tuple(Decimal(f"{v}.00") for v in week)
    assert fc.total == Decimal("17.0")
    indices = weekday_indices(week * 4, MONDAY)
    assert indices is not None
    assert sum(indices) == pytest.approx(Decimal(7))
    # A horizon starting on Saturday starts with the weekend's units.
    saturday = forecast(
        week * 4,
        history_start=MONDAY,
        horizon_start=MONDAY + timedelta(days=33),
        horizon_days=2,
        method="sma",
    )
    assert saturday.daily == (Decimal("6.00"), Decimal("6.00"))


def test_a_short_history_has_no_weekly_pattern_and_low_confidence() -> None:
    history = [0, 3, 0, 3, 0, 3, 0, 3, 0, 3]
    fc = forecast(
        history, history_start=MONDAY, horizon_start=MONDAY + timedelta(days=10), horizon_days=3, method="sma"
    )
    assert not fc.seasonal
    assert fc.daily == (Decimal("1.50"),) * 3
    assert fc.confidence == "low"
    assert "no weekly pattern" in fc.note


def test_no_sales_forecasts_zero_and_says_so() -> None:
    fc = forecast(
        [0] * 30,
        history_start=MONDAY,
        horizon_start=MONDAY + timedelta(days=30),
        horizon_days=7,
        method="ses",
    )
    assert fc.total == Decimal("0.0")
    assert (fc.confidence, fc.cv_pct) == ("none", None)
    assert fc.note == "no sales in the last 30 days: none expected"


def test_smoothing_follows_a_recent_jump_where_the_average_lags() -> None:
    history = [1] * 21 + [5] * 7
    start = MONDAY + timedelta(days=28)
    sma = forecast(history, history_start=MONDAY, horizon_start=start, horizon_days=1, method="sma")
    ses = forecast(history, history_start=MONDAY, horizon_start=start, horizon_days=1, method="ses")
    assert sma.level == Decimal("2.00")
    # Level 1 for three weeks, then seven days of 5 with alpha 0.3: 5 − 4 × 0.7^7.
    assert ses.level == Decimal("4.67")
    assert ses.daily == (Decimal("4.67"),)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([1, 0, 0, 0, 0, 0, 0] * 4, "low"),  # sales on 4 of 28 days: under a fifth of the days
        ([1, 0, 0, 0, 1, 0, 0] * 2, "low"),  # often enough, but 4 units are too few to trust
        ([2, 2, 0, 0, 0, 0, 0] * 4, "medium"),  # 8 of 28 days: regular, but not most days
        ([3, 1, 2, 0, 4, 1, 2] * 4, "high"),  # most days, moderate variation
        ([20, 1, 1, 0, 0, 0, 1] * 4, "medium"),  # most days, but one big day a week: variation over 100 %
    ],
)
def test_confidence_follows_how_regular_the_sales_are(history: list[int], expected: str) -> None:
    fc = forecast(
        history, history_start=MONDAY, horizon_start=MONDAY + timedelta(days=28), horizon_days=7, method="sma"
    )
    assert fc.confidence == expected


def test_an_empty_history_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        forecast([], history_start=MONDAY, horizon_start=MONDAY, horizon_days=1, method="sma")
