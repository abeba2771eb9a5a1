"""Which tool calls each report needs: the one place that decides windows, limits and presets.

Windows follow the tools' own definitions (docs/decisions.md 17): the dashboard's day and the weekly
period are completed days (yesterday, the 7 days up to yesterday), compared with the same weekdays a
week earlier; `top_products` always ends today, so its tables say their own window.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ownerbot.reports.inputs import ReportKind, ReportRequest

DASHBOARD_TREND_DAYS = 14
DASHBOARD_TOP = 5
WEEKLY_RANKING = 5
WEEKLY_TABLE_ROWS = 15
FORECAST_ROWS = 10
CHATS_THRESHOLD_HOURS = 2
OPS_PAGE_SIZE = 200  # orders_search's largest page
OPS_MAX_ROWS = 5_000  # per list; beyond it the PDF says how many more there are
OPS_CHATS_LIMIT = 50  # chats_unanswered's largest list
FX_TOOL = "sis_fx_status"
PROBLEM_PRESETS = ("stuck", "late_ship", "payment_issues")


@dataclass(frozen=True)
class ToolCall:
    """One tool call of a report; `paged` follows `next_cursor` up to `max_rows` items."""

    key: str
    tool: str
    payload: dict[str, Any] = field(default_factory=dict)
    paged: bool = False
    max_rows: int = 0


@dataclass(frozen=True)
class ReportPlan:
    calls: tuple[ToolCall, ...]
    period: tuple[date, date] | None = None


def weekly_period(today: date) -> tuple[date, date]:
    """The 7 completed days up to yesterday: the `a` window of `kpi_compare` preset `wow`."""
    return today - timedelta(days=7), today - timedelta(days=1)


def plan_report(request: ReportRequest, today: date, available: Collection[str]) -> ReportPlan:
    """The calls for `request` on the shop-local day `today`; tools not in `available` are skipped."""
    builders = {
        ReportKind.TREND: _trend,
        ReportKind.DASHBOARD: _dashboard,
        ReportKind.FUNNEL: _funnel,
        ReportKind.ACCESS: _access,
        ReportKind.WEEKLY: _weekly,
        ReportKind.OPS: _ops,
    }
    plan = builders[request.kind](request, today)
    calls = tuple(call for call in plan.calls if call.tool in available)
    return ReportPlan(calls=calls, period=plan.period)


def trend_calls(days: int, end: date) -> tuple[ToolCall, ToolCall]:
    """The window's daily series and, for the faint overlay, the previous window's own daily series."""
    previous_end = end - timedelta(days=days)
    return (
        ToolCall("trend", "revenue_trend", {"days": days, "end_day": end.isoformat()}),
        ToolCall("trend_previous", "revenue_trend", {"days": days, "end_day": previous_end.isoformat()}),
    )


def _trend(request: ReportRequest, today: date) -> ReportPlan:
    return ReportPlan(trend_calls(request.days, today))


def yesterday_compare_call(today: date) -> ToolCall:
    """`kpi_compare` of yesterday (`a`) with the same weekday a week earlier (`b`)."""
    day = today - timedelta(days=1)
    week_ago = day - timedelta(days=7)
    compare = {
        "preset": "custom",
        "a_start": day.isoformat(),
        "a_end": day.isoformat(),
        "b_start": week_ago.isoformat(),
        "b_end": week_ago.isoformat(),
    }
    return ToolCall("compare", "kpi_compare", compare)


def _dashboard(request: ReportRequest, today: date) -> ReportPlan:
    day = today - timedelta(days=1)
    return ReportPlan(
        (
            yesterday_compare_call(today),
            ToolCall("today", "kpi_snapshot", {"range": "today"}),
            *trend_calls(DASHBOARD_TREND_DAYS, today),
            ToolCall("top", "top_products", {"days": 7, "limit": DASHBOARD_TOP}),
            *problem_count_calls(),
            ToolCall("chats", "chats_unanswered", {"threshold_hours": CHATS_THRESHOLD_HOURS, "limit": 1}),
        ),
        period=(day, day),
    )


def problem_count_calls() -> tuple[ToolCall, ...]:
    # limit 1: the answer's `count` is the total; the dashboard shows counts only.
    return tuple(
        ToolCall(preset, "orders_search", {"preset": preset, "limit": 1}) for preset in PROBLEM_PRESETS
    )


def _funnel(request: ReportRequest, today: date) -> ReportPlan:
    return ReportPlan((ToolCall("funnel", "funnel_snapshot", {"range": "30d"}),))


def _access(request: ReportRequest, today: date) -> ReportPlan:
    return ReportPlan((ToolCall("access", "access_summary", {"range": "7d"}),))


def _weekly(request: ReportRequest, today: date) -> ReportPlan:
    start, end = weekly_period(today)
    window = {"range": "custom", "from": start.isoformat(), "to": end.isoformat()}
    ranking = {"days": 7, "limit": WEEKLY_RANKING}
    return ReportPlan(
        (
            ToolCall("compare", "kpi_compare", {"preset": "wow"}),
            *trend_calls(7, end),
            ToolCall("top_products", "top_products", ranking),
            ToolCall("bottom_products", "top_products", {**ranking, "direction": "bottom"}),
            ToolCall("top_categories", "top_products", {**ranking, "group_by": "category"}),
            ToolCall(
                "bottom_categories",
                "top_products",
                {**ranking, "group_by": "category", "direction": "bottom"},
            ),
            ToolCall("funnel", "funnel_snapshot", window),
            ToolCall("access", "access_summary", window),
            ToolCall("renew", "renew_summary", window),
            ToolCall("stuck", "orders_search", {"preset": "stuck", "limit": WEEKLY_TABLE_ROWS}),
            ToolCall(
                "chats",
                "chats_unanswered",
                {"threshold_hours": CHATS_THRESHOLD_HOURS, "limit": WEEKLY_TABLE_ROWS},
            ),
            ToolCall("forecast", "demand_forecast", {"horizon_days": 7, "limit": FORECAST_ROWS}),
            ToolCall("reorder", "reorder_plan", {"limit": FORECAST_ROWS}),
            ToolCall("fx", FX_TOOL, {}),
        ),
        period=(start, end),
    )


def _ops(request: ReportRequest, today: date) -> ReportPlan:
    lists = tuple(
        ToolCall(preset, "orders_search", {"preset": preset, "limit": OPS_PAGE_SIZE}, True, OPS_MAX_ROWS)
        for preset in PROBLEM_PRESETS
    )
    chats = ToolCall(
        "chats", "chats_unanswered", {"threshold_hours": CHATS_THRESHOLD_HOURS, "limit": OPS_CHATS_LIMIT}
    )
    return ReportPlan((*lists, chats))
