"""Pure rules of the sales tools: window presets, warnings, deltas, spike detection, ranking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.read.sales.common import change, window_warnings
from ownerbot.tools.read.sales.kpi_compare import KpiComparePayload
from ownerbot.tools.read.sales.refunds_anomalies import Rates, spike_flags
from ownerbot.upstream.demo.sales import rank_rows
from ownerbot.upstream.sales import KpiTotals, ProductSalesRow

TODAY = date(2026, 3, 30)  # a Monday
TZ = "Europe/Berlin"


def _d(day: int, month: int = 3) -> date:
    return date(2026, month, day)


@pytest.mark.parametrize(
    ("payload", "a", "b"),
    [
        ({}, (_d(23), _d(29)), (_d(16), _d(22))),
        ({"preset": "wow", "days": 3}, (_d(27), _d(29)), (_d(20), _d(22))),
        ({"preset": "wow", "days": 10}, (_d(20), _d(29)), (_d(6), _d(15))),
        ({"preset": "mom"}, (_d(2), _d(29)), (_d(2, 2), _d(1))),
        ({"preset": "mom", "days": 30}, (_d(28, 2), _d(29)), (_d(24, 1), _d(22, 2))),
    ],
)
def test_presets_compare_ended_days_with_the_same_weekdays_earlier(
    payload: dict[str, object], a: tuple[date, date], b: tuple[date, date]
) -> None:
    window_a, window_b = KpiComparePayload.model_validate(payload).windows(TODAY, TZ)
    assert (window_a.start, window_a.end) == a
    assert (window_b.start, window_b.end) == b
    assert window_a.start.weekday() == window_b.start.weekday()
    assert window_b.end < window_a.start


def test_custom_compare_uses_the_given_windows() -> None:
    payload = KpiComparePayload.model_validate(
        {
            "preset": "custom",
            "a_start": "2026-03-01",
            "a_end": "2026-03-10",
            "b_start": "2026-02-01",
            "b_end": "2026-02-03",
        }
    )
    a, b = payload.windows(TODAY, TZ)
    assert (a.start, a.end, b.start, b.end) == (_d(1), _d(10), _d(1, 2), _d(3, 2))


def test_window_warnings_name_partial_future_and_uncovered_days() -> None:
    assert window_warnings(DayWindow(_d(20), _d(29), TZ), TODAY, days_covered=10) == []
    codes = [w.code for w in window_warnings(DayWindow(_d(28), _d(31, 3), TZ), TODAY, days_covered=2)]
    assert codes == ["partial_day", "future_days", "partial_coverage"]
    future = window_warnings(DayWindow(_d(2, 4), _d(3, 4), TZ), TODAY)
    assert [w.code for w in future] == ["future_days"]
    assert future[0].message.startswith("2 day(s)")
    gap = window_warnings(DayWindow(_d(1), _d(10), TZ), TODAY, days_covered=4)
    assert gap[0].message == "the source has data for 4 of 10 past day(s) of the window"


def test_change_is_absolute_and_relative_and_never_divides_by_zero() -> None:
    assert change(Decimal("150.00"), Decimal("120.00")) == {"abs": Decimal("30.00"), "pct": Decimal("25.00")}
    assert change(2, 3) == {"abs": -1, "pct": Decimal("-33.33")}
    assert change(5, 0) == {"abs": 5, "pct": None}
    assert change(None, Decimal(1)) == {"abs": None, "pct": None}


def test_kpi_ratios_round_half_up_and_are_none_without_a_base() -> None:
    totals = KpiTotals(
        start=TODAY,
        end=TODAY,
        currency="EUR",
        revenue_gross=Decimal("100.00"),
        refunds=Decimal("10.50"),
        orders_created=8,
        orders_paid=3,
        paid_orders_value=Decimal("100.01"),
        days_covered=1,
        sources=("x",),
    )
    assert totals.revenue_net == Decimal("89.50")
    assert totals.aov == Decimal("33.34")  # 33.3366… rounds up
    assert totals.paid_rate_pct == Decimal("37.50")
    # Exact halves round up (a till's rounding), not to even.
    tie = totals.model_copy(
        update={"paid_orders_value": Decimal("0.25"), "orders_paid": 2, "orders_created": 1600}
    )
    assert (tie.aov, tie.paid_rate_pct) == (Decimal("0.13"), Decimal("0.13"))
    empty = totals.model_copy(update={"orders_created": 0, "orders_paid": 0})
    assert (empty.aov, empty.paid_rate_pct) == (None, None)


@pytest.mark.parametrize(
    ("current", "baseline", "flags"),
    [
        (Rates(10, 6, 0, 2), Rates(100, 8, 0, 28), ["fail_rate_spike"]),  # 60 % against 8 %
        (Rates(4, 2, 0, 2), Rates(100, 8, 0, 28), []),  # too few failures to call it
        (Rates(10, 3, 0, 2), Rates(100, 20, 0, 28), []),  # 30 % against 20 %: not twice as bad
        (Rates(20, 7, 0, 2), Rates(100, 20, 0, 28), []),  # 35 %: only 1.75× the baseline
        (Rates(20, 9, 0, 2), Rates(100, 20, 0, 28), ["fail_rate_spike"]),  # 45 %: 2.25× and +25 points
        (Rates(50, 3, 0, 2), Rates(100, 0, 0, 28), []),  # 6 % against 0 %: under 15 points
        (Rates(10, 0, 4, 2), Rates(100, 0, 14, 28), ["refund_spike"]),  # 2 a day against 0.5
        (Rates(10, 0, 3, 2), Rates(100, 0, 28, 28), []),  # 1.5 a day against 1
        (Rates(10, 0, 2, 1), Rates(100, 0, 0, 28), []),  # two refunds are not a spike
        (Rates(10, 6, 4, 2), Rates(100, 5, 7, 28), ["fail_rate_spike", "refund_spike"]),
    ],
)
def test_spikes_need_enough_cases_and_a_clear_jump(current: Rates, baseline: Rates, flags: list[str]) -> None:
    assert spike_flags(current, baseline) == flags


def _row(row_id: int, qty: int, revenue: str) -> ProductSalesRow:
    return ProductSalesRow(
        id=row_id,
        name=f"p{row_id}",
        category_id=1,
        category_name="c",
        qty=qty,
        revenue=Decimal(revenue),
        orders=qty,
    )


def test_ranking_breaks_ties_by_the_other_metric_then_by_id() -> None:
    rows = [
        _row(1, 5, "50.00"),
        _row(2, 9, "50.00"),
        _row(3, 1, "80.00"),
        _row(4, 9, "50.00"),
        _row(5, 0, "0.00"),
    ]
    assert [r.id for r in rank_rows(rows, metric="revenue", direction="top")] == [3, 2, 4, 1, 5]
    assert [r.id for r in rank_rows(rows, metric="revenue", direction="bottom")] == [5, 1, 2, 4, 3]
    assert [r.id for r in rank_rows(rows, metric="qty", direction="top")] == [2, 4, 1, 3, 5]
    assert [r.id for r in rank_rows(rows, metric="qty", direction="bottom")] == [5, 3, 1, 2, 4]
