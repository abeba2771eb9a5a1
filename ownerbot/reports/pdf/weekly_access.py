"""Weekly PDF, content access: denials against the usual level, the most denied content, renewals."""

from __future__ import annotations

from ownerbot.reports.pdf.document import PdfReport
from ownerbot.reports.summaries import reason_label


def access_section(report: PdfReport) -> None:
    """Denials against their baseline with the top content, then renewals."""
    fmt = report.inputs.formats
    report.heading(report.text("weekly.access_title"))
    if not report.unavailable("access"):
        data = report.inputs.data("access")
        report.paragraph(
            report.text(
                "weekly.access_line",
                total=fmt.integer(data.get("denials_total")),
                baseline=fmt.integer(data.get("baseline_denials_total")),
                baseline_days=fmt.integer(data.get("baseline_days")),
                factor=fmt.factor(data.get("spike_factor")),
                expiries=fmt.integer(data.get("expiries_total")),
                grants=fmt.integer(data.get("grants_total")),
            )
        )
        reasons = ", ".join(
            f"{reason_label(fmt, r.get('key'))}: {fmt.integer(r.get('denials'))}"
            for r in data.get("by_reason") or []
        )
        if reasons:
            report.paragraph(report.text("weekly.access_reasons", reasons=reasons))
        spikes = data.get("spikes") or []
        if spikes:
            names = ", ".join(str(s.get("name") or s.get("target_id")) for s in spikes)
            report.paragraph(report.text("access.summary_spikes", names=names))
        rows = [
            [
                str(t.get("name") or t.get("target_id")),
                fmt.integer(t.get("denials")),
                fmt.integer(t.get("baseline_denials")),
                fmt.factor(t.get("spike_factor")),
                fmt.integer(t.get("expiries")),
            ]
            for t in data.get("top_targets") or []
        ]
        header = [
            report.text("weekly.col_content"),
            report.text("weekly.col_denials"),
            report.text("weekly.col_baseline"),
            report.text("weekly.col_factor"),
            report.text("weekly.col_expiries"),
        ]
        report.table(
            header, rows, (0.48, 0.13, 0.15, 0.11, 0.13), ("left", "right", "right", "right", "right")
        )
    report.heading(report.text("weekly.renew_title"))
    if report.unavailable("renew"):
        return
    renew = report.inputs.data("renew")
    report.paragraph(
        report.text(
            "weekly.renew_line",
            offers=fmt.integer(renew.get("offers")),
            completions=fmt.integer(renew.get("completions")),
            conversion=fmt.pct(renew.get("conversion_pct")),
            revenue=fmt.money(renew.get("revenue")),
        )
    )
    rows = [
        [
            str(t.get("name") or t.get("target_id")),
            fmt.integer(t.get("offers")),
            fmt.integer(t.get("completions")),
            fmt.money(t.get("revenue")),
        ]
        for t in renew.get("top_targets") or []
    ]
    header = [
        report.text("weekly.col_content"),
        report.text("weekly.col_offers"),
        report.text("weekly.col_completions"),
        report.text("weekly.col_revenue"),
    ]
    report.table(header, rows, (0.52, 0.14, 0.14, 0.2), ("left", "right", "right", "right"))
