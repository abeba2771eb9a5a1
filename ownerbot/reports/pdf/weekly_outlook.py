"""Weekly PDF, looking ahead: the demand forecast, reorder suggestions and the FX status."""

from __future__ import annotations

from typing import Any

from ownerbot.reports.pdf.document import PdfReport
from ownerbot.reports.pdf.rows import label
from ownerbot.reports.style import Formats, as_datetime


def outlook_section(report: PdfReport) -> None:
    """Demand forecast for 7 days and what to reorder."""
    fmt = report.inputs.formats
    forecast = report.inputs.data("forecast")
    horizon = forecast.get("horizon") or {}
    report.heading(
        report.text("weekly.forecast_title"),
        report.text(
            "weekly.forecast_note",
            horizon=fmt.window(horizon.get("from"), horizon.get("to")),
            total=fmt.number(forecast.get("expected_units_total"), 1),
        )
        if forecast
        else "",
    )
    if not report.unavailable("forecast"):
        rows = [
            [
                str(r.get("name")),
                fmt.integer(r.get("stock")),
                fmt.number(r.get("expected_units"), 1),
                fmt.number(r.get("per_day"), 1),
                label(fmt, "confidence", r.get("confidence")),
            ]
            for r in forecast.get("rows") or []
        ]
        header = [
            report.text("weekly.col_product"),
            report.text("weekly.col_stock"),
            report.text("weekly.col_expected"),
            report.text("weekly.col_per_day"),
            report.text("weekly.col_confidence"),
        ]
        report.table(
            header, rows, (0.44, 0.12, 0.16, 0.12, 0.16), ("left", "right", "right", "right", "left")
        )
    reorder = report.inputs.data("reorder")
    report.heading(
        report.text("weekly.reorder_title"),
        report.text(
            "weekly.reorder_note",
            products=fmt.integer(reorder.get("products_to_reorder")),
            urgent=fmt.integer(reorder.get("urgent")),
            units=fmt.integer(reorder.get("units_to_order")),
            lead=fmt.integer(reorder.get("lead_time_days")),
        )
        if reorder
        else "",
    )
    if report.unavailable("reorder"):
        return
    rows = [
        [
            str(r.get("name")),
            fmt.integer(r.get("stock")),
            fmt.number(r.get("days_of_stock_left"), 1),
            fmt.integer(r.get("reorder_qty")),
            report.text("common.yes_mark") if r.get("urgent") else "",
        ]
        for r in reorder.get("rows") or []
    ]
    header = [
        report.text("weekly.col_product"),
        report.text("weekly.col_stock"),
        report.text("weekly.col_days_left"),
        report.text("weekly.col_reorder_qty"),
        report.text("weekly.col_urgent"),
    ]
    report.table(
        header,
        rows,
        (0.46, 0.12, 0.16, 0.14, 0.12),
        ("left", "right", "right", "right", "left"),
        empty_text=report.text("weekly.nothing_to_reorder"),
    )


def fx_section(report: PdfReport) -> None:
    """FX status from `sis_fx_status`, or an honest "not available yet"."""
    fmt = report.inputs.formats
    report.heading(report.text("weekly.fx_title"))
    response = report.inputs.responses.get("fx")
    code = report.inputs.error_code("fx")
    if response is None or code == "NOT_SUPPORTED":
        # No FX status source in this process (or no sis_fx_status tool at all): say so honestly.
        suffix = f" ({code})" if code else ""
        report.paragraph(report.text("weekly.fx_not_available") + suffix)
        return
    if report.unavailable("fx"):
        return
    lines = []
    for name, value in response.data.items():
        if name == "as_of" or value in (None, {}, []):
            continue
        shown = _fx_value(fmt, value)
        lines.append(f"{label(fmt, 'weekly.fx_fields', name)}: {shown}")
    report.lines(lines or [report.text("common.no_rows")])


def _fx_value(fmt: Formats, value: Any) -> str:
    """Nested FX facts on one line: `rates: USD 1.08, GBP 0.85`, instants in the shop's timezone."""
    if isinstance(value, dict):
        parts = [
            f"{label(fmt, 'weekly.fx_fields', key)} {_fx_value(fmt, item)}" for key, item in value.items()
        ]
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_fx_value(fmt, item) for item in value)
    if isinstance(value, str) and as_datetime(value) is not None and "T" in value:
        return fmt.datetime(value)
    return str(value)
