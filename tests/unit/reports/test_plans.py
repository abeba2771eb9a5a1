"""Which tools each report asks, for which windows."""

from __future__ import annotations

from datetime import date

import pytest

from ownerbot.reports.inputs import ReportKind, ReportRequest
from ownerbot.reports.plans import FX_TOOL, plan_report, weekly_period
from ownerbot.tools.catalog import default_registry

TODAY = date(2026, 3, 30)  # a Monday
ALL = default_registry().names()


def test_trend_asks_the_window_and_the_one_before_it() -> None:
    plan = plan_report(ReportRequest(ReportKind.TREND, days=7), TODAY, ALL)
    assert [(c.key, c.payload) for c in plan.calls] == [
        ("trend", {"days": 7, "end_day": "2026-03-30"}),
        ("trend_previous", {"days": 7, "end_day": "2026-03-23"}),
    ]


def test_trend_days_are_7_30_or_90() -> None:
    with pytest.raises(ValueError, match="days"):
        ReportRequest(ReportKind.TREND, days=14)


def test_dashboard_compares_yesterday_with_the_same_weekday_a_week_earlier() -> None:
    plan = plan_report(ReportRequest(ReportKind.DASHBOARD), TODAY, ALL)
    compare = next(c for c in plan.calls if c.key == "compare")
    assert compare.payload == {
        "preset": "custom",
        "a_start": "2026-03-29",
        "a_end": "2026-03-29",
        "b_start": "2026-03-22",
        "b_end": "2026-03-22",
    }
    assert plan.period == (date(2026, 3, 29), date(2026, 3, 29))
    assert {c.key for c in plan.calls} >= {"stuck", "late_ship", "payment_issues", "chats", "top", "today"}


def test_weekly_uses_the_completed_week_everywhere_it_can() -> None:
    plan = plan_report(ReportRequest(ReportKind.WEEKLY), TODAY, ALL)
    assert plan.period == weekly_period(TODAY) == (date(2026, 3, 23), date(2026, 3, 29))
    calls = {c.key: c for c in plan.calls}
    window = {"range": "custom", "from": "2026-03-23", "to": "2026-03-29"}
    assert calls["funnel"].payload == calls["access"].payload == calls["renew"].payload == window
    assert calls["trend"].payload == {"days": 7, "end_day": "2026-03-29"}
    assert calls["compare"].payload == {"preset": "wow"}


def test_tools_missing_from_the_catalog_are_skipped() -> None:
    without_fx = [name for name in ALL if name != FX_TOOL]
    plan = plan_report(ReportRequest(ReportKind.WEEKLY), TODAY, without_fx)
    assert "fx" not in {c.key for c in plan.calls}


def test_ops_pages_through_every_problem_order() -> None:
    plan = plan_report(ReportRequest(ReportKind.OPS), TODAY, ALL)
    paged = [c for c in plan.calls if c.paged]
    assert [c.payload["preset"] for c in paged] == ["stuck", "late_ship", "payment_issues"]
    assert all(c.payload["limit"] == 200 and c.max_rows >= 1000 for c in paged)
