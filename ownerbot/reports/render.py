"""Turns `ReportInputs` into an artifact: the report's own PNG/PDF, or its data as JSON/CSV.

Synchronous and CPU-bound on purpose: `ReportService.render` calls it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable

from ownerbot.reports.exports import export_csv, export_json
from ownerbot.reports.inputs import ExportFormat, ReportArtifact, ReportInputs, ReportKind
from ownerbot.reports.summaries import caption_for, summary_for

Drawer = Callable[[ReportInputs], bytes]


def _drawers() -> dict[ReportKind, Drawer]:
    # Imported here: each pulls matplotlib or reportlab, which only rendering needs.
    from ownerbot.reports.charts.access import render_access_png
    from ownerbot.reports.charts.dashboard import render_dashboard_png
    from ownerbot.reports.charts.funnel import render_funnel_png
    from ownerbot.reports.charts.trend import render_trend_png
    from ownerbot.reports.pdf.ops import render_ops_pdf
    from ownerbot.reports.pdf.weekly import render_weekly_pdf

    return {
        ReportKind.TREND: render_trend_png,
        ReportKind.DASHBOARD: render_dashboard_png,
        ReportKind.FUNNEL: render_funnel_png,
        ReportKind.ACCESS: render_access_png,
        ReportKind.WEEKLY: render_weekly_pdf,
        ReportKind.OPS: render_ops_pdf,
    }


def artifact_stem(inputs: ReportInputs) -> str:
    """What and when: `ownerbot-weekly-2026-W13`, `ownerbot-trend-30d-2026-03-30`, `ownerbot-ops-…`."""
    kind = inputs.kind
    day = inputs.today.isoformat()
    if kind is ReportKind.WEEKLY:
        end = inputs.period[1] if inputs.period else inputs.today
        year, week, _ = end.isocalendar()
        return f"ownerbot-weekly-{year}-W{week:02d}"
    if kind is ReportKind.TREND:
        return f"ownerbot-trend-{inputs.days}d-{day}"
    if kind is ReportKind.FUNNEL:
        return f"ownerbot-funnel-30d-{day}"
    if kind is ReportKind.ACCESS:
        return f"ownerbot-access-7d-{day}"
    return f"ownerbot-{kind.value}-{day}"


def render_report(inputs: ReportInputs, export: ExportFormat = "native") -> ReportArtifact:
    stem = artifact_stem(inputs)
    caption = caption_for(inputs)
    if export == "json":
        return ReportArtifact("json", f"{stem}.json", export_json(inputs), caption)
    if export == "csv":
        return ReportArtifact("csv", f"{stem}.csv", export_csv(inputs), caption)
    kind = inputs.kind.native_type
    data = _drawers()[inputs.kind](inputs)
    return ReportArtifact(kind, f"{stem}.{kind}", data, caption, summary_for(inputs))
