"""The ops PDF: every problem order in full (all pages of the search) with ids and waiting times, and the
unanswered chats — the list a manager works through, as of the moment it was asked.
"""

from __future__ import annotations

from typing import Any

from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.pdf.document import PdfReport
from ownerbot.reports.pdf.rows import (
    CHAT_ALIGN,
    CHAT_WIDTHS,
    ORDER_ALIGN,
    ORDER_WIDTHS,
    chat_header,
    chat_rows,
    order_header,
    order_rows,
)
from ownerbot.reports.plans import PROBLEM_PRESETS
from ownerbot.reports.summaries import problem_counts


def render_ops_pdf(inputs: ReportInputs) -> bytes:
    fmt = inputs.formats
    report = PdfReport(inputs, fmt.text("ops.title"))
    counts = problem_counts(inputs)
    report.title_block(fmt.text("ops.subtitle", as_of=fmt.datetime(inputs.now)))
    report.paragraph(
        fmt.text(
            "caption.ops", as_of=fmt.datetime(inputs.now), **{k: fmt.integer(v) for k, v in counts.items()}
        )
    )
    for preset in PROBLEM_PRESETS:
        _orders(report, preset)
    _chats(report)
    return report.build()


def _orders(report: PdfReport, preset: str) -> None:
    fmt = report.inputs.formats
    items: list[dict[str, Any]] = []
    for page in report.inputs.all_pages(preset):
        items.extend(page.data.get("items") or [])
    first = report.inputs.data(preset)
    total = first.get("count")
    note = report.text(f"ops.{preset}_rule")
    if first and total is not None and len(items) < int(total):
        note += " " + report.text("ops.truncated", shown=fmt.integer(len(items)), total=fmt.integer(total))
    report.heading(report.text(f"ops.{preset}_title", count=fmt.integer(total)), note)
    if report.inputs.ok(preset) is None:
        report.paragraph(
            report.text("common.unavailable", code=report.inputs.error_code(preset) or "-"), muted=True
        )
        return
    late_ship = preset == "late_ship"
    rows = order_rows(fmt, items, report.inputs.now, late_ship=late_ship)
    report.table(
        order_header(report, late_ship=late_ship),
        rows,
        ORDER_WIDTHS,
        ORDER_ALIGN,
        empty_text=report.text("ops.none"),
    )


def _chats(report: PdfReport) -> None:
    fmt = report.inputs.formats
    data = report.inputs.data("chats")
    threads = data.get("threads") or []
    total = data.get("count")
    note = report.text("ops.chats_rule", hours=fmt.integer(data.get("threshold_hours") or 2))
    if data and total is not None and len(threads) < int(total):
        note += " " + report.text("ops.truncated", shown=fmt.integer(len(threads)), total=fmt.integer(total))
    report.heading(report.text("ops.chats_title", count=fmt.integer(total)), note)
    if report.inputs.ok("chats") is None:
        report.paragraph(
            report.text("common.unavailable", code=report.inputs.error_code("chats") or "-"), muted=True
        )
        return
    report.table(
        chat_header(report),
        chat_rows(fmt, threads),
        CHAT_WIDTHS,
        CHAT_ALIGN,
        empty_text=report.text("ops.none"),
    )
