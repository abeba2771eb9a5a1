"""The weekly PDF: KPI week over week, the trend, best and worst sellers, the payment funnel, access and
renewals, open problems, forecast and reorder suggestions, FX status. A section whose tool failed says
so with the error code; the rest of the report still renders.
"""

from __future__ import annotations

from typing import Any

from ownerbot.reports.charts.trend import series_of, trend_chart_png, trend_title
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.pdf.document import Align, PdfReport
from ownerbot.reports.pdf.rows import (
    CHAT_ALIGN,
    CHAT_WIDTHS,
    ORDER_ALIGN,
    ORDER_WIDTHS,
    chat_header,
    chat_rows,
    label,
    order_header,
    order_rows,
)
from ownerbot.reports.pdf.weekly_access import access_section
from ownerbot.reports.pdf.weekly_outlook import fx_section, outlook_section
from ownerbot.templates.warning_text import warning_text

# (field, text key, kind) of the KPI table; kind picks the format of values and changes.
KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("revenue_gross", "weekly.kpi_revenue_gross", "money"),
    ("refunds", "weekly.kpi_refunds", "money"),
    ("revenue_net", "weekly.kpi_revenue_net", "money"),
    ("orders_created", "weekly.kpi_orders_created", "int"),
    ("orders_paid", "weekly.kpi_orders_paid", "int"),
    ("aov", "weekly.kpi_aov", "money"),
    ("paid_rate_pct", "weekly.kpi_paid_rate", "pct"),
)
RANKINGS = ("top_products", "bottom_products", "top_categories", "bottom_categories")
FUNNEL_STAGES = ("pending", "deposit_due", "balance_due", "preorder", "fully_paid")


def render_weekly_pdf(inputs: ReportInputs) -> bytes:
    fmt = inputs.formats
    start, end = inputs.period or (inputs.today, inputs.today)
    year, week, _ = end.isocalendar()
    report = PdfReport(inputs, fmt.text("weekly.title", week=f"{year}-W{week:02d}"))
    _title(report, start, end)
    _kpi(report)
    _trend(report)
    _rankings(report)
    _funnel(report)
    access_section(report)
    _problems(report)
    outlook_section(report)
    fx_section(report)
    _notes(report)
    return report.build()


def _title(report: PdfReport, start: Any, end: Any) -> None:
    fmt = report.inputs.formats
    compare = report.inputs.data("compare")
    b_window = (compare.get("b") or {}).get("window") or {}
    subtitle = report.text(
        "weekly.subtitle",
        window=fmt.window(start, end),
        previous=fmt.window(b_window.get("from"), b_window.get("to")),
        currency=fmt.currency,
        generated=fmt.datetime(report.inputs.now),
    )
    report.title_block(subtitle)


def _kpi(report: PdfReport) -> None:
    fmt = report.inputs.formats
    report.heading(report.text("weekly.kpi_title"))
    if report.unavailable("compare"):
        return
    data = report.inputs.data("compare")
    a, b, delta = data.get("a") or {}, data.get("b") or {}, data.get("delta") or {}
    rows = []
    for name, text_key, kind in KPI_ROWS:
        change = delta.get(name) or {}
        if kind == "money":
            values = [fmt.money(a.get(name)), fmt.money(b.get(name)), fmt.signed_money(change.get("abs"))]
        elif kind == "int":
            values = [
                fmt.integer(a.get(name)),
                fmt.integer(b.get(name)),
                fmt.signed_integer(change.get("abs")),
            ]
        else:
            values = [
                fmt.pct(a.get(name)),
                fmt.pct(b.get(name)),
                report.text("weekly.pp", v=fmt.number(change.get("abs"), 2)),
            ]
        rows.append([report.text(text_key), *values, fmt.pct(change.get("pct"), signed=True)])
    header = [
        report.text("weekly.col_metric"),
        report.text("weekly.col_this_week"),
        report.text("weekly.col_last_week"),
        report.text("weekly.col_change"),
        report.text("weekly.col_change_pct"),
    ]
    report.table(header, rows, (0.34, 0.18, 0.18, 0.17, 0.13), ("left", "right", "right", "right", "right"))
    report.paragraph(report.text("weekly.kpi_note"), muted=True)


def _trend(report: PdfReport) -> None:
    fmt = report.inputs.formats
    series = series_of(report.inputs)
    title, _ = trend_title(series, fmt, len(series.days) or 7)
    report.heading(title)
    if report.unavailable("trend"):
        return
    if series.empty:
        report.paragraph(report.text("trend.no_data"), muted=True)
        return
    report.image(trend_chart_png(report.inputs))


def _rankings(report: PdfReport) -> None:
    fmt = report.inputs.formats
    for key in RANKINGS:
        data = report.inputs.data(key)
        window = data.get("window") or {}
        note = report.text("weekly.ranking_note", window=fmt.window(window.get("from"), window.get("to")))
        report.heading(report.text(f"weekly.{key}"), note if data else "")
        if report.unavailable(key):
            continue
        by_category = data.get("group_by") == "category"
        rows = [
            [
                str(row.get("rank")),
                str(row.get("name")),
                *([] if by_category else [str(row.get("category") or fmt.dash())]),
                fmt.integer(row.get("qty")),
                fmt.money(row.get("revenue")),
                fmt.pct(row.get("revenue_share_pct")),
            ]
            for row in data.get("rows") or []
        ]
        header = [
            "#",
            report.text("weekly.col_category" if by_category else "weekly.col_product"),
            *([] if by_category else [report.text("weekly.col_category")]),
            report.text("weekly.col_qty"),
            report.text("weekly.col_revenue"),
            report.text("weekly.col_share"),
        ]
        widths = (0.05, 0.55, 0.1, 0.17, 0.13) if by_category else (0.05, 0.38, 0.17, 0.1, 0.17, 0.13)
        text_columns: list[Align] = ["left"] * (2 if by_category else 3)
        align: list[Align] = [*text_columns, "right", "right", "right"]
        report.table(header, rows, widths, align, empty_text=report.text("weekly.no_paid_orders"))


def _funnel(report: PdfReport) -> None:
    fmt = report.inputs.formats
    data = report.inputs.data("funnel")
    report.heading(
        report.text("weekly.funnel_title"),
        report.text(
            "weekly.funnel_note",
            created=fmt.integer(data.get("orders_created")),
            cancelled=fmt.integer(data.get("cancelled")),
        )
        if data
        else "",
    )
    if report.unavailable("funnel"):
        return
    stages = {s.get("stage"): s for s in data.get("stages") or []}
    rows = [
        [
            label(fmt, "funnel.stages", stage),
            fmt.integer(stages[stage].get("orders")),
            fmt.money(stages[stage].get("total")),
            fmt.money(stages[stage].get("paid")),
            fmt.money(stages[stage].get("due_now")),
            fmt.number(stages[stage].get("median_hours_in_stage"), 1),
        ]
        for stage in FUNNEL_STAGES
        if stage in stages
    ]
    header = [
        report.text("weekly.col_stage"),
        report.text("weekly.col_orders"),
        report.text("pdf.col_total"),
        report.text("weekly.col_paid"),
        report.text("pdf.col_due_now"),
        report.text("weekly.col_median_hours"),
    ]
    report.table(
        header,
        rows,
        (0.3, 0.1, 0.16, 0.16, 0.16, 0.12),
        ("left", "right", "right", "right", "right", "right"),
    )
    buckets = ", ".join(
        f"{label(fmt, 'funnel.ages', _age_key(b.get('age')))}: "
        f"{fmt.money(b.get('due_now'))} ({fmt.integer(b.get('orders'))})"
        for b in data.get("due_now_buckets") or []
    )
    report.paragraph(report.text("weekly.due_buckets", buckets=buckets))
    deposit = data.get("deposit") or {}
    if deposit.get("paid_deposit"):
        report.paragraph(
            report.text(
                "funnel.summary_deposit",
                dropped=fmt.integer(deposit.get("balance_not_paid")),
                paid=fmt.integer(deposit.get("paid_deposit")),
                pct=fmt.pct(deposit.get("drop_pct")),
            )
        )


def _age_key(age: Any) -> str:
    return {"0-24h": "h0_24", "1-3d": "d1_3", "3-7d": "d3_7", ">7d": "d7_plus"}.get(str(age), str(age))


def _problems(report: PdfReport) -> None:
    fmt = report.inputs.formats
    stuck = report.inputs.data("stuck")
    report.heading(
        report.text("weekly.stuck_title"),
        report.text(
            "weekly.shown_of",
            shown=fmt.integer(len(stuck.get("items") or [])),
            total=fmt.integer(stuck.get("count")),
        )
        if stuck
        else "",
    )
    if not report.unavailable("stuck"):
        rows = order_rows(fmt, stuck.get("items") or [], report.inputs.now)
        report.table(
            order_header(report), rows, ORDER_WIDTHS, ORDER_ALIGN, empty_text=report.text("weekly.no_stuck")
        )
    chats = report.inputs.data("chats")
    report.heading(
        report.text("weekly.chats_title", hours=fmt.integer(chats.get("threshold_hours") or 2)),
        report.text(
            "weekly.shown_of",
            shown=fmt.integer(len(chats.get("threads") or [])),
            total=fmt.integer(chats.get("count")),
        )
        if chats
        else "",
    )
    if not report.unavailable("chats"):
        rows = chat_rows(fmt, chats.get("threads") or [])
        report.table(
            chat_header(report), rows, CHAT_WIDTHS, CHAT_ALIGN, empty_text=report.text("weekly.no_chats")
        )


def _notes(report: PdfReport) -> None:
    """Caveats the tools reported (partial today, trimmed history…), once per kind, in the owner's words."""
    seen: dict[str, str] = {}
    for response in report.inputs.responses.values():
        for warning in response.warnings:
            if warning.code in seen:
                continue
            try:
                seen[warning.code] = report.text(f"warnings.{warning.code}")
            except KeyError:
                seen[warning.code] = warning_text(warning, report.inputs.formats.locale)
    if not seen:
        return
    report.heading(report.text("weekly.notes_title"))
    report.lines([f"• {text}" for text in seen.values()])
