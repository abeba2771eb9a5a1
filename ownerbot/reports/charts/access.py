"""Access denials of 7 days by reason and by content, each against its usual level (14-day baseline)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from matplotlib.axes import Axes

from ownerbot.reports import style
from ownerbot.reports.charts.canvas import (
    MARGIN_PX,
    Sheet,
    footer_height,
    max_or,
    name_bars,
    notice_png,
    shorten,
)
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.style import Formats, dec
from ownerbot.reports.summaries import reason_label

MIN_HEIGHT_PX = 1080
ROW_PX = 62
TARGET_ROWS = 8
NAME_CHARS = 26


def usual(row: dict[str, Any], window_days: Decimal, baseline_days: Decimal) -> float:
    """The baseline scaled to the window's length: what "normal" would have been in these days."""
    baseline = dec(row.get("baseline_denials")) or Decimal(0)
    if not baseline_days:
        return 0.0
    return float(baseline * window_days / baseline_days)


def _targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in data.get("by_target") or [] if dec(t.get("denials"))][:TARGET_ROWS]


def _height(inputs: ReportInputs, data: dict[str, Any]) -> int:
    """Tall enough for every row: header, both sections, the footer."""
    rows = len(data.get("by_reason") or []) + len(_targets(data))
    return max(MIN_HEIGHT_PX, 330 + 2 * 110 + rows * ROW_PX + footer_height(inputs))


def render_access_png(inputs: ReportInputs) -> bytes:
    fmt = inputs.formats
    data = inputs.data("access")
    window = data.get("window") or {}
    total = dec(data.get("denials_total")) or Decimal(0)
    window_days = dec(data.get("window_days")) or Decimal(7)
    baseline_days = dec(data.get("baseline_days")) or Decimal(14)
    if inputs.ok("access") is None:
        return notice_png(
            inputs,
            fmt.text("access.title", total=fmt.dash()),
            "",
            fmt.text("common.unavailable_headline"),
            fmt.text("common.unavailable", code=inputs.error_code("access") or "-"),
        )
    if not total:
        detail = fmt.text(
            "access.no_data_detail",
            expiries=fmt.integer(data.get("expiries_total")),
            grants=fmt.integer(data.get("grants_total")),
        )
        title = fmt.text("access.title", total=fmt.integer(total))
        window_text = fmt.window(window.get("from"), window.get("to"))
        return notice_png(inputs, title, window_text, fmt.text("access.no_data"), detail)
    sheet = Sheet(_height(inputs, data))
    factor = dec(data.get("spike_factor"))
    usual_total = usual({"baseline_denials": data.get("baseline_denials_total")}, window_days, baseline_days)
    subtitle = "\n".join(
        [
            fmt.text(
                "access.subtitle",
                window=fmt.window(window.get("from"), window.get("to")),
                usual=fmt.integer(usual_total),
                factor=fmt.factor(factor),
            ),
            fmt.text(
                "access.expiries",
                expiries=fmt.integer(data.get("expiries_total")),
                grants=fmt.integer(data.get("grants_total")),
            ),
        ]
    )
    title_color = style.BAD if factor is not None and factor >= 2 else style.INK
    top = sheet.header(fmt.text("access.title", total=fmt.integer(total)), subtitle, title_color=title_color)
    sheet.text(
        MARGIN_PX, top, "■ " + fmt.text("access.legend_window"), fontsize=style.LABEL_PT, color=style.BAD
    )
    sheet.text(
        MARGIN_PX + 330,
        top,
        "■ " + fmt.text("access.legend_usual"),
        fontsize=style.LABEL_PT,
        color=style.PREVIOUS,
    )
    top += 56
    reasons = list(data.get("by_reason") or [])
    top = _section(
        sheet,
        fmt.text("access.by_reason"),
        top,
        [reason_label(fmt, r.get("key")) for r in reasons],
        reasons,
        window_days,
        baseline_days,
        fmt,
    )
    targets = _targets(data)
    spikes = {(s.get("target_type"), s.get("target_id")) for s in data.get("spikes") or []}
    names = [
        ("⚡ " if (t.get("target_type"), t.get("target_id")) in spikes else "")
        + shorten(str(t.get("name") or t.get("target_id")), NAME_CHARS)
        for t in targets
    ]
    _section(sheet, fmt.text("access.by_target"), top + 30, names, targets, window_days, baseline_days, fmt)
    sheet.footer(inputs)
    return sheet.png()


def _section(
    sheet: Sheet,
    title: str,
    top: float,
    names: list[str],
    rows: list[dict[str, Any]],
    window_days: Decimal,
    baseline_days: Decimal,
    fmt: Formats,
) -> float:
    sheet.text(MARGIN_PX, top, title, fontsize=style.SUBTITLE_PT + 1, fontweight="bold")
    top += 48
    if not rows:
        sheet.no_data(MARGIN_PX, top, sheet.width - 2 * MARGIN_PX, 120, fmt.text("access.no_rows"), "")
        return top + 120
    height = ROW_PX * len(rows) + 10
    left = MARGIN_PX + 400
    ax = sheet.axes(left, top, sheet.width - left - MARGIN_PX - 120, height)
    _bars(ax, names, rows, window_days, baseline_days, fmt)
    return top + height


def _bars(
    ax: Axes,
    names: list[str],
    rows: list[dict[str, Any]],
    window_days: Decimal,
    baseline_days: Decimal,
    fmt: Formats,
) -> None:
    ys = list(range(len(rows)))[::-1]
    counts = [float(dec(r.get("denials")) or 0) for r in rows]
    usuals = [usual(r, window_days, baseline_days) for r in rows]
    ax.barh([y + 0.2 for y in ys], counts, height=0.38, color=style.BAD)
    ax.barh([y - 0.2 for y in ys], usuals, height=0.3, color=style.PREVIOUS, alpha=0.6)
    top = max_or([*counts, *usuals])
    ax.set_xlim(0, top)
    name_bars(ax, [y + 0.1 for y in ys], names, style.TICK_PT + 1)
    for y, count in zip(ys, counts, strict=True):
        ax.annotate(
            fmt.integer(count),
            (top, y + 0.2),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=style.TICK_PT,
            color=style.INK,
            annotation_clip=False,
        )
