"""Short captions (≤ 1024 characters) and the plain-text summary sent next to a chart.

Texts come from the locale files; every figure is formatted by `Formats`, the same as on the chart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ownerbot.reports.inputs import ReportInputs, ReportKind
from ownerbot.reports.plans import PROBLEM_PRESETS
from ownerbot.reports.style import Formats, arrow, dec
from ownerbot.templates.warning_text import warning_text
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE


def count_of(inputs: ReportInputs, key: str) -> int | None:
    """The `count` of an `orders_search` / `chats_unanswered` answer (None when unavailable)."""
    value = dec(inputs.data(key).get("count"))
    return int(value) if value is not None else None


def problem_counts(inputs: ReportInputs) -> dict[str, int | None]:
    return {key: count_of(inputs, key) for key in (*PROBLEM_PRESETS, "chats")}


def caption_for(inputs: ReportInputs) -> str:
    fmt = inputs.formats
    kind = inputs.kind
    if kind is ReportKind.TREND:
        window = inputs.data("trend").get("window") or {}
        return fmt.text(
            "caption.trend", days=inputs.days, window=fmt.window(window.get("from"), window.get("to"))
        )
    if kind is ReportKind.DASHBOARD:
        day = inputs.period[0] if inputs.period else inputs.today
        return fmt.text("caption.dashboard", day=fmt.weekday_date(day))
    if kind is ReportKind.FUNNEL:
        window = inputs.data("funnel").get("window") or {}
        return fmt.text("caption.funnel", window=fmt.window(window.get("from"), window.get("to")))
    if kind is ReportKind.ACCESS:
        window = inputs.data("access").get("window") or {}
        return fmt.text("caption.access", window=fmt.window(window.get("from"), window.get("to")))
    if kind is ReportKind.WEEKLY:
        start, end = inputs.period or (inputs.today, inputs.today)
        compare = inputs.data("compare")
        revenue = (compare.get("a") or {}).get("revenue_gross")
        pct = ((compare.get("delta") or {}).get("revenue_gross") or {}).get("pct")
        return fmt.text(
            "caption.weekly",
            window=fmt.window(start, end),
            revenue=fmt.money(revenue),
            delta=fmt.pct(pct, signed=True),
        )
    counts = problem_counts(inputs)
    return fmt.text("caption.ops", as_of=fmt.datetime(inputs.now), **_count_texts(fmt, counts))


def summary_for(inputs: ReportInputs) -> str:
    """The text message that goes with a photo; PDFs carry their caption only (empty summary)."""
    text = _summary_text(inputs)
    fallback = next(
        (w for r in inputs.responses.values() for w in r.warnings if w.code == DEMO_FALLBACK_CODE), None
    )
    if text and fallback:  # AUTO answered from DEMO: never let it pass for SIS data
        return f"{text}\n⚠️ {warning_text(fallback, inputs.formats.locale)}"
    return text


def _summary_text(inputs: ReportInputs) -> str:
    kind = inputs.kind
    if kind is ReportKind.TREND:
        return _trend_summary(inputs)
    if kind is ReportKind.DASHBOARD:
        return _dashboard_summary(inputs)
    if kind is ReportKind.FUNNEL:
        return _funnel_summary(inputs)
    if kind is ReportKind.ACCESS:
        return _access_summary(inputs)
    return ""


def _unavailable(inputs: ReportInputs, key: str) -> str:
    return inputs.formats.text("common.unavailable", code=inputs.error_code(key) or "-")


def _count_texts(fmt: Formats, counts: dict[str, int | None]) -> dict[str, str]:
    return {key: fmt.integer(value) for key, value in counts.items()}


def _trend_summary(inputs: ReportInputs) -> str:
    fmt = inputs.formats
    if inputs.ok("trend") is None:
        return _unavailable(inputs, "trend")
    data = inputs.data("trend")
    totals = data.get("totals") or {}
    delta = data.get("delta") or {}
    window = data.get("window") or {}
    lines = [
        fmt.text(
            "trend.summary_total",
            days=inputs.days,
            window=fmt.window(window.get("from"), window.get("to")),
            total=fmt.money(totals.get("revenue_gross")),
        ),
        fmt.text(
            "trend.summary_delta",
            days=inputs.days,
            pct=fmt.pct(_pct(delta, "revenue_gross"), signed=True),
            abs=fmt.signed_money(_abs(delta, "revenue_gross")),
        ),
        fmt.text(
            "trend.summary_orders",
            orders=fmt.integer(totals.get("orders_paid")),
            orders_pct=fmt.pct(_pct(delta, "orders_paid"), signed=True),
            aov=fmt.money(totals.get("aov")),
            aov_pct=fmt.pct(_pct(delta, "aov"), signed=True),
        ),
    ]
    series = data.get("series") or []
    best = max(series, key=lambda p: dec(p.get("revenue_gross")) or Decimal(0), default=None)
    if best is not None and (dec(best.get("revenue_gross")) or 0) > 0:
        lines.append(
            fmt.text(
                "trend.summary_best",
                day=fmt.weekday_date(best.get("day")),
                total=fmt.money(best.get("revenue_gross")),
            )
        )
    else:
        lines.append(fmt.text("trend.no_data"))
    if any(w.code == "partial_day" for w in inputs.responses["trend"].warnings):
        lines.append(fmt.text("common.partial_today"))
    return "\n".join(lines)


def _dashboard_summary(inputs: ReportInputs) -> str:
    fmt = inputs.formats
    lines: list[str] = []
    compare = inputs.data("compare")
    if compare:
        a, b = compare.get("a") or {}, compare.get("b") or {}
        delta = compare.get("delta") or {}
        pct = _pct(delta, "revenue_gross")
        lines.append(
            fmt.text(
                "dashboard.summary_day",
                day=fmt.weekday_date((a.get("window") or {}).get("from")),
                revenue=fmt.money(a.get("revenue_gross")),
                arrow=arrow(pct),
                pct=fmt.pct(pct, signed=True),
                ref_day=fmt.weekday_date((b.get("window") or {}).get("from")),
                orders=fmt.integer(a.get("orders_paid")),
                aov=fmt.money(a.get("aov")),
            )
        )
    else:
        lines.append(_unavailable(inputs, "compare"))
    today = inputs.data("today")
    if today:
        lines.append(
            fmt.text(
                "dashboard.summary_today",
                time=fmt.datetime(inputs.now),
                revenue=fmt.money(today.get("revenue_gross")),
                orders=fmt.integer(today.get("orders_paid")),
            )
        )
    lines.append(fmt.text("dashboard.summary_problems", **_count_texts(fmt, problem_counts(inputs))))
    return "\n".join(lines)


def _funnel_summary(inputs: ReportInputs) -> str:
    fmt = inputs.formats
    if inputs.ok("funnel") is None:
        return _unavailable(inputs, "funnel")
    data = inputs.data("funnel")
    if not data.get("orders_created"):
        return fmt.text("funnel.no_data")
    stages = {s.get("stage"): s for s in data.get("stages") or []}
    deposit = data.get("deposit") or {}
    lines = [
        fmt.text(
            "funnel.summary_created",
            created=fmt.integer(data.get("orders_created")),
            paid=fmt.integer((stages.get("fully_paid") or {}).get("orders")),
            cancelled=fmt.integer(data.get("cancelled")),
        ),
        fmt.text(
            "funnel.summary_due",
            due=fmt.money(data.get("open_due_now")),
            open=fmt.integer(data.get("open_orders")),
        ),
    ]
    if deposit.get("paid_deposit"):
        lines.append(
            fmt.text(
                "funnel.summary_deposit",
                dropped=fmt.integer(deposit.get("balance_not_paid")),
                paid=fmt.integer(deposit.get("paid_deposit")),
                pct=fmt.pct(deposit.get("drop_pct")),
            )
        )
    return "\n".join(lines)


def _access_summary(inputs: ReportInputs) -> str:
    fmt = inputs.formats
    if inputs.ok("access") is None:
        return _unavailable(inputs, "access")
    data = inputs.data("access")
    total = dec(data.get("denials_total")) or 0
    if not total:
        return fmt.text(
            "access.no_data_detail",
            expiries=fmt.integer(data.get("expiries_total")),
            grants=fmt.integer(data.get("grants_total")),
        )
    lines = [
        fmt.text(
            "access.summary_total",
            total=fmt.integer(total),
            factor=fmt.factor(data.get("spike_factor")),
        )
    ]
    reasons = data.get("by_reason") or []
    if reasons:
        top = reasons[0]
        lines.append(
            fmt.text(
                "access.summary_reason",
                reason=reason_label(fmt, top.get("key")),
                count=fmt.integer(top.get("denials")),
            )
        )
    spikes = data.get("spikes") or []
    if spikes:
        names = ", ".join(str(s.get("name") or s.get("target_id")) for s in spikes[:3])
        lines.append(fmt.text("access.summary_spikes", names=names))
    return "\n".join(lines)


def reason_label(fmt: Formats, key: Any) -> str:
    """A denial reason in the owner's words; an unknown reason shows as the source names it."""
    name = str(key)
    try:
        return fmt.text(f"access.reasons.{name}")
    except KeyError:
        return name


def _pct(delta: dict[str, Any], name: str) -> Any:
    return (delta.get(name) or {}).get("pct")


def _abs(delta: dict[str, Any], name: str) -> Any:
    return (delta.get(name) or {}).get("abs")
