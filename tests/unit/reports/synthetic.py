"""Fixed tool responses for renderer tests: the same numbers every run (golden images depend on them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ownerbot.reports.inputs import ReportInputs, ReportKind
from ownerbot.reports.plans import PROBLEM_PRESETS
from ownerbot.reports.style import Formats
from ownerbot.tools.contract import ErrorCode, Provenance, ToolResponse, Window

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 30)
TZ = "Europe/Berlin"
CID = "0123456789abcdef0123456789abcdef"
NAMES = (
    "Сандалии «Айва»",
    "Интенсив «Базовый гардероб»",
    "Тренч «Ривьера»",
    "Мюли «Бриз»",
    "Ветровка «Айва»",
)


def response(
    tool: str, data: dict[str, Any], window: tuple[date, date] | None = None, **kw: Any
) -> ToolResponse:
    provenance = Provenance(
        sources=[f"demo:demo_{tool}"],
        window=Window.model_validate({"from": window[0].isoformat(), "to": window[1].isoformat(), "tz": TZ})
        if window
        else None,
    )
    return ToolResponse(
        status="ok", tool=tool, correlation_id=CID, as_of=NOW, data=data, provenance=provenance, **kw
    )


def failed(tool: str, code: ErrorCode = ErrorCode.TIMEOUT) -> ToolResponse:
    return ToolResponse.fail(tool, CID, code, "failed", as_of=NOW)


def _money(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def trend_data(days: int, end: date, *, scale: float = 1.0, empty: bool = False) -> dict[str, Any]:
    start = end - timedelta(days=days - 1)
    series: list[dict[str, Any]] = []
    total = 0.0
    paid = 0
    for index in range(days):
        day = start + timedelta(days=index)
        revenue = 0.0 if empty else scale * (4000 + 1500 * ((index * 7) % 5) + 300 * (index % 3))
        orders = 0 if empty else int(revenue // 230)
        total += float(_money(revenue))
        paid += orders
        series.append(
            {
                "day": day.isoformat(),
                "revenue_gross": _money(revenue),
                "refunds": "0.00",
                "revenue_net": _money(revenue),
                "orders_created": orders,
                "orders_paid": orders,
            }
        )
    previous_total = 0.0 if empty else total / 1.1
    return {
        "window": {"from": start.isoformat(), "to": end.isoformat(), "tz": TZ},
        "days": days,
        "currency": "EUR",
        "series": series,
        "totals": {
            "revenue_gross": _money(total),
            "orders_paid": paid,
            "aov": _money(total / paid) if paid else None,
        },
        "previous": {
            "window": {
                "from": (start - timedelta(days=days)).isoformat(),
                "to": (start - timedelta(days=1)).isoformat(),
                "tz": TZ,
            },
            "revenue_gross": _money(previous_total),
        },
        "delta": {
            "revenue_gross": {"abs": _money(total - previous_total), "pct": None if empty else "10.00"},
            "orders_paid": {"abs": 0, "pct": None if empty else "4.50"},
            "aov": {"abs": "0", "pct": None if empty else "-1.20"},
        },
    }


def trend_responses(days: int, end: date, *, empty: bool = False) -> dict[str, ToolResponse]:
    start = end - timedelta(days=days - 1)
    previous_end = start - timedelta(days=1)
    return {
        "trend": response("revenue_trend", trend_data(days, end, empty=empty), (start, end)),
        "trend_previous": response(
            "revenue_trend",
            trend_data(days, previous_end, scale=0.9, empty=empty),
            (previous_end - timedelta(days=days - 1), previous_end),
        ),
    }


def dashboard_responses(*, empty: bool = False) -> dict[str, ToolResponse]:
    day = TODAY - timedelta(days=1)
    side = {"revenue_gross": "0.00" if empty else "6102.46", "orders_paid": 0 if empty else 25}
    compare = {
        "a": {
            **side,
            "window": {"from": day.isoformat(), "to": day.isoformat()},
            "aov": None if empty else "244.10",
        },
        "b": {"window": {"from": (day - timedelta(days=7)).isoformat()}, "revenue_gross": "5500.00"},
        "delta": {
            "revenue_gross": {"pct": None if empty else "10.95"},
            "orders_paid": {"pct": None if empty else "0.00"},
            "aov": {"pct": None if empty else "-3.10"},
        },
    }
    rows = [
        {"rank": i + 1, "name": name, "qty": 12 - i, "revenue": _money(2100 - 150 * i)}
        for i, name in enumerate(NAMES)
    ]
    responses = {
        "compare": response("kpi_compare", compare, (day - timedelta(days=7), day)),
        "today": response(
            "kpi_snapshot", {"revenue_gross": "0.00" if empty else "1573.16", "orders_paid": 5}
        ),
        **trend_responses(14, TODAY, empty=empty),
        "top": response("top_products", {"rows": [] if empty else rows}, (TODAY - timedelta(days=6), TODAY)),
    }
    for index, preset in enumerate(PROBLEM_PRESETS):
        responses[preset] = response("orders_search", {"count": 0 if empty else 3 + index * 5, "items": []})
    responses["chats"] = response("chats_unanswered", {"count": 0 if empty else 5, "threads": []})
    return responses


def funnel_responses(*, empty: bool = False) -> dict[str, ToolResponse]:
    stages = [
        ("pending", 15, "3364.00", "15.32"),
        ("deposit_due", 1, "176.00", "41.05"),
        ("balance_due", 10, "2055.55", "38.43"),
        ("preorder", 23, "5356.69", "63.32"),
        ("fully_paid", 135, "30754.80", None),
    ]
    data = {
        "window": {"from": "2026-03-01", "to": "2026-03-30", "tz": TZ},
        "orders_created": 0 if empty else 191,
        "cancelled": 0 if empty else 7,
        "stages": [
            {
                "stage": s,
                "orders": 0 if empty else n,
                "total": t,
                "remaining_due": t,
                "median_hours_in_stage": m,
            }
            for s, n, t, m in stages
        ],
        "open_orders": 49,
        "open_due_now": "4655.27",
        "due_now_buckets": [
            {"age": "0-24h", "orders": 13, "due_now": "2666.95"},
            {"age": "1-3d", "orders": 10, "due_now": "1571.89"},
            {"age": "3-7d", "orders": 3, "due_now": "416.43"},
            {"age": ">7d", "orders": 0, "due_now": "0.00"},
        ],
        "deposit": {"paid_deposit": 17, "balance_not_paid": 10, "drop_pct": "58.82"},
    }
    return {"funnel": response("funnel_snapshot", data, (date(2026, 3, 1), TODAY))}


def access_responses(*, empty: bool = False) -> dict[str, ToolResponse]:
    targets = [
        {
            "target_type": "look",
            "target_id": str(i),
            "name": name,
            "denials": 0 if empty else 20 - 4 * i,
            "baseline_denials": 10 - i,
            "spike_factor": "2.00",
        }
        for i, name in enumerate(NAMES)
    ]
    data = {
        "window": {"from": "2026-03-24", "to": "2026-03-30", "tz": TZ},
        "window_days": 7,
        "baseline_days": 14,
        "denials_total": 0 if empty else 58,
        "baseline_denials_total": 55,
        "spike_factor": "2.11",
        "by_reason": []
        if empty
        else [
            {"key": "payment_overdue", "denials": 37, "baseline_denials": 14},
            {"key": "no_active_access", "denials": 13, "baseline_denials": 30},
            {"key": "expired", "denials": 8, "baseline_denials": 11},
        ],
        "by_target": targets,
        "spikes": [] if empty else [targets[0]],
        "expiries_total": 6,
        "grants_total": 21,
    }
    return {"access": response("access_summary", data, (date(2026, 3, 24), TODAY))}


def inputs(
    kind: ReportKind,
    responses: dict[str, ToolResponse],
    *,
    locale: str = "ru",
    days: int = 30,
    period: tuple[date, date] | None = None,
) -> ReportInputs:
    return ReportInputs(
        kind=kind,
        formats=Formats(locale=locale, currency="EUR", tz=TZ),
        correlation_id=CID,
        now=NOW,
        today=TODAY,
        responses=responses,
        days=days,
        period=period,
    )


def report_inputs(kind: ReportKind, *, locale: str = "ru", empty: bool = False) -> ReportInputs:
    """Synthetic inputs of the PNG reports (the PDFs are tested on the seeded demo shop)."""
    if kind is ReportKind.TREND:
        return inputs(kind, trend_responses(30, TODAY, empty=empty), locale=locale)
    if kind is ReportKind.DASHBOARD:
        day = TODAY - timedelta(days=1)
        return inputs(kind, dashboard_responses(empty=empty), locale=locale, period=(day, day))
    if kind is ReportKind.FUNNEL:
        return inputs(kind, funnel_responses(empty=empty), locale=locale)
    if kind is ReportKind.ACCESS:
        return inputs(kind, access_responses(empty=empty), locale=locale)
    raise ValueError(kind)
