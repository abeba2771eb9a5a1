"""The daily dashboard: yesterday's KPI tiles against the same weekday a week earlier, a 14-day trend,
the week's top products and what needs attention now (stuck, late shipping, payment issues, chats).
"""

from __future__ import annotations

from typing import Any

from ownerbot.reports import style
from ownerbot.reports.charts.canvas import MARGIN_PX, Sheet, shorten
from ownerbot.reports.charts.trend import plot_revenue, series_of
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.style import Formats, arrow, dec
from ownerbot.reports.summaries import problem_counts

HEIGHT_PX = 1560
GAP_PX = 24
TILE_HEIGHT_PX = 176
PROBLEM_TILE_HEIGHT_PX = 150
NAME_CHARS = 30
# (answer key, text key, higher is better) of the KPI tiles.
TILES: tuple[tuple[str, str, bool], ...] = (
    ("revenue_gross", "dashboard.tile_revenue", True),
    ("orders_paid", "dashboard.tile_orders", True),
    ("aov", "dashboard.tile_aov", True),
)


def render_dashboard_png(inputs: ReportInputs) -> bytes:
    fmt = inputs.formats
    sheet = Sheet(HEIGHT_PX)
    day = inputs.period[0] if inputs.period else inputs.today
    subtitle = _subtitle(inputs, fmt)
    y = sheet.header(fmt.text("dashboard.title", day=fmt.weekday_date(day)), subtitle)
    y = _kpi_tiles(sheet, inputs, fmt, y)
    y = _trend_panel(sheet, inputs, fmt, y + GAP_PX + 8)
    y = _top_products(sheet, inputs, fmt, y + GAP_PX + 8)
    _problems(sheet, inputs, fmt, y + GAP_PX + 8)
    sheet.footer(inputs)
    return sheet.png()


def _subtitle(inputs: ReportInputs, fmt: Formats) -> str:
    compare = inputs.data("compare")
    ref_day = ((compare.get("b") or {}).get("window") or {}).get("from")
    lines = [fmt.text("dashboard.subtitle", ref_day=fmt.weekday_date(ref_day))]
    today = inputs.data("today")
    if today:
        lines.append(
            fmt.text(
                "dashboard.today_so_far",
                time=fmt.datetime(inputs.now),
                revenue=fmt.money(today.get("revenue_gross"), cents=False),
                orders=fmt.integer(today.get("orders_paid")),
            )
        )
    return "\n".join(lines)


def _kpi_tiles(sheet: Sheet, inputs: ReportInputs, fmt: Formats, top: float) -> float:
    compare = inputs.data("compare")
    a = compare.get("a") or {}
    delta = compare.get("delta") or {}
    width = (sheet.width - 2 * MARGIN_PX - 2 * GAP_PX) / 3
    for index, (name, label, higher_is_better) in enumerate(TILES):
        left = MARGIN_PX + index * (width + GAP_PX)
        sheet.panel(left, top, width, TILE_HEIGHT_PX)
        sheet.text(left + 22, top + 20, fmt.text(label), fontsize=style.LABEL_PT, color=style.MUTED)
        if not compare:
            value, change, color = fmt.dash(), fmt.text("common.unavailable_short"), style.MUTED
        else:
            value = fmt.integer(a.get(name)) if name == "orders_paid" else fmt.money(a.get(name), cents=False)
            pct = (delta.get(name) or {}).get("pct")
            change = (
                f"{arrow(pct)} {fmt.pct(pct, signed=True)}"
                if dec(pct) is not None
                else fmt.text("dashboard.no_base")
            )
            color = style.delta_color(pct, higher_is_better=higher_is_better)
        sheet.text(left + 22, top + 58, value, fontsize=style.BIG_PT - 4, fontweight="bold")
        sheet.text(left + 22, top + 126, change, fontsize=style.LABEL_PT + 1, color=color, fontweight="bold")
    return top + TILE_HEIGHT_PX


def _trend_panel(sheet: Sheet, inputs: ReportInputs, fmt: Formats, top: float) -> float:
    data = inputs.data("trend")
    series = series_of(inputs)
    total = fmt.money((data.get("totals") or {}).get("revenue_gross"), cents=False)
    sheet.text(
        MARGIN_PX,
        top,
        fmt.text("dashboard.trend_title", days=len(series.days) or 14, total=total),
        fontsize=style.SUBTITLE_PT + 1,
        fontweight="bold",
    )
    height = 300
    top += 44
    if not data or series.empty:
        headline = fmt.text("trend.no_data") if data else fmt.text("common.unavailable_headline")
        detail = (
            fmt.text("dashboard.trend_no_data")
            if data
            else fmt.text("common.unavailable", code=inputs.error_code("trend") or "-")
        )
        sheet.no_data(MARGIN_PX, top, sheet.width - 2 * MARGIN_PX, height, headline, detail)
        return top + height
    ax = sheet.axes(MARGIN_PX + 70, top, sheet.width - 2 * MARGIN_PX - 70, height - 50)
    plot_revenue(ax, series, fmt, inputs.today, ticks=7, weekdays=False)
    return top + height


def _top_products(sheet: Sheet, inputs: ReportInputs, fmt: Formats, top: float) -> float:
    data = inputs.data("top")
    rows: list[dict[str, Any]] = list(data.get("rows") or [])
    sheet.text(
        MARGIN_PX, top, fmt.text("dashboard.top_title"), fontsize=style.SUBTITLE_PT + 1, fontweight="bold"
    )
    top += 44
    height = 300
    if not rows:
        headline = fmt.text("dashboard.top_no_data") if data else fmt.text("common.unavailable_headline")
        detail = (
            fmt.text("dashboard.top_no_data_detail")
            if data
            else fmt.text("common.unavailable", code=inputs.error_code("top") or "-")
        )
        sheet.no_data(MARGIN_PX, top, sheet.width - 2 * MARGIN_PX, height, headline, detail)
        return top + height
    names = [shorten(str(row.get("name")), NAME_CHARS) for row in rows][::-1]
    values = [float(dec(row.get("revenue")) or 0) for row in rows][::-1]
    left = MARGIN_PX + 360
    width = sheet.width - left - MARGIN_PX - 200
    ax = sheet.axes(left, top, width, height)
    # No axis machinery (ticks, grid): names and values are plain texts beside the bars, which renders
    # in about half the time and reads the same.
    ax.set_axis_off()
    ax.barh(range(len(values)), values, color=style.ACCENT, height=0.62)
    ax.set_xlim(0, max(values) * 1.02 if max(values) > 0 else 1)
    ax.set_ylim(-0.6, len(values) - 0.4)
    for index, name in enumerate(names):
        ax.annotate(
            name,
            (0, index),
            xytext=(-10, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=style.TICK_PT,
            color=style.INK,
            annotation_clip=False,
        )
    for index, row in enumerate(rows[::-1]):
        qty = f"{fmt.integer(row.get('qty'))} {fmt.text('units.pcs')}"
        label = f"{fmt.money(row.get('revenue'), cents=False)} · {qty}"
        ax.annotate(
            label,
            (max(values) * 1.02, index),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=style.TICK_PT,
            color=style.INK,
            annotation_clip=False,
        )
    return top + height


def _problems(sheet: Sheet, inputs: ReportInputs, fmt: Formats, top: float) -> float:
    sheet.text(
        MARGIN_PX,
        top,
        fmt.text("dashboard.problems_title"),
        fontsize=style.SUBTITLE_PT + 1,
        fontweight="bold",
    )
    top += 44
    counts = problem_counts(inputs)
    width = (sheet.width - 2 * MARGIN_PX - 3 * GAP_PX) / 4
    for index, (key, count) in enumerate(counts.items()):
        left = MARGIN_PX + index * (width + GAP_PX)
        color = style.PANEL if count is None else (style.OK_SOFT if count == 0 else style.WARN_SOFT)
        sheet.panel(left, top, width, PROBLEM_TILE_HEIGHT_PX, color)
        value_color = style.MUTED if count is None else (style.GOOD if count == 0 else style.WARN)
        sheet.text(
            left + 18,
            top + 16,
            fmt.integer(count) if count is not None else fmt.dash(),
            fontsize=style.BIG_PT - 2,
            fontweight="bold",
            color=value_color,
        )
        sheet.text(
            left + 18,
            top + 80,
            fmt.text(f"dashboard.problem_{key}"),
            fontsize=style.TICK_PT,
            color=style.INK,
            linespacing=1.3,
        )
    return top + PROBLEM_TILE_HEIGHT_PX
