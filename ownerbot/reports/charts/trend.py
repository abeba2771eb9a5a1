"""Revenue trend: daily revenue of 7/30/90 days over the previous window (faint), delta in the title."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ownerbot.reports import style
from ownerbot.reports.charts.canvas import (
    MARGIN_PX,
    Sheet,
    footer_height,
    notice_png,
    tick_positions,
    tidy_axes,
)
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.style import Formats, as_date, dec

BARS_UP_TO_DAYS = 14


@dataclass(frozen=True)
class TrendSeries:
    """The `revenue_trend` answer as plot-ready lists (previous window aligned day by day)."""

    days: list[date]
    revenue: list[float]
    orders: list[int]
    previous_start: date | None
    previous_revenue: list[float]
    total: Decimal
    previous_total: Decimal
    delta_pct: Decimal | None
    delta_abs: Decimal | None
    empty: bool

    @classmethod
    def from_data(cls, data: dict[str, Any], previous_data: dict[str, Any] | None = None) -> TrendSeries:
        """`previous_data` is the `revenue_trend` answer for the window before (its daily overlay)."""
        points = data.get("series") or []
        days = [as_date(p.get("day")) or date.min for p in points]
        totals = data.get("totals") or {}
        previous = data.get("previous") or {}
        delta = (data.get("delta") or {}).get("revenue_gross") or {}
        previous_points = (previous_data or {}).get("series") or []
        empty = not any(
            dec(totals.get(name)) for name in ("revenue_gross", "refunds", "orders_created", "orders_paid")
        )
        return cls(
            days=days,
            revenue=[float(dec(p.get("revenue_gross")) or 0) for p in points],
            orders=[int(dec(p.get("orders_paid")) or 0) for p in points],
            previous_start=as_date((previous.get("window") or {}).get("from")),
            previous_revenue=[float(dec(p.get("revenue_gross")) or 0) for p in previous_points][
                : len(points)
            ],
            total=dec(totals.get("revenue_gross")) or Decimal(0),
            previous_total=dec(previous.get("revenue_gross")) or Decimal(0),
            delta_pct=dec(delta.get("pct")),
            delta_abs=dec(delta.get("abs")),
            empty=empty,
        )


def day_label(day: date, fmt: Formats, n_days: int) -> str:
    if n_days <= BARS_UP_TO_DAYS:
        return f"{fmt.weekday(day)}\n{fmt.date_short(day)}"
    return fmt.date_short(day)


def plot_revenue(
    ax: Axes, series: TrendSeries, fmt: Formats, today: date, *, ticks: int = 7, weekdays: bool = True
) -> None:
    """Current window as bars (≤ 14 days) or a filled line, the previous window as a faint reference."""
    n = len(series.days)
    xs = list(range(n))
    partial = [day >= today for day in series.days]
    tidy_axes(ax)
    if n <= BARS_UP_TO_DAYS:
        colors = [style.ACCENT_SOFT if p else style.ACCENT for p in partial]
        ax.bar(xs, series.revenue, color=colors, width=0.66, zorder=2)
    else:
        ax.fill_between(xs, series.revenue, color=style.ACCENT_SOFT, alpha=0.55, linewidth=0, zorder=1)
        ax.plot(xs, series.revenue, color=style.ACCENT, linewidth=2.4, zorder=3)
        if any(partial):
            last = n - 1
            ax.plot(
                [last], [series.revenue[last]], "o", color=style.WHITE, markeredgecolor=style.ACCENT, zorder=4
            )
    previous = series.previous_revenue
    ax.plot(
        xs[: len(previous)],
        previous,
        color=style.PREVIOUS,
        linewidth=2,
        linestyle=(0, (5, 4)),
        alpha=0.9,
        zorder=2,
    )
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(0, max([*series.revenue, *series.previous_revenue, 1.0]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt.money_compact(Decimal(str(value)))))
    positions = tick_positions(n, ticks)
    labels = [
        day_label(series.days[i], fmt, n) if weekdays else fmt.date_short(series.days[i]) for i in positions
    ]
    ax.set_xticks(positions, labels)


def plot_orders(ax: Axes, series: TrendSeries, fmt: Formats, today: date, *, ticks: int = 7) -> None:
    n = len(series.days)
    tidy_axes(ax)
    colors = [style.FAINT if day >= today else style.PREVIOUS for day in series.days]
    ax.bar(range(n), series.orders, color=colors, width=0.7 if n <= BARS_UP_TO_DAYS else 0.8)
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True, min_n_ticks=2))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt.integer(Decimal(str(value)))))
    ax.set_xticks([])


def trend_title(series: TrendSeries, fmt: Formats, n_days: int) -> tuple[str, str]:
    """(title, colour): «Выручка за 30 дней: 150 000 € · −10,8 %» coloured by the direction."""
    total = fmt.money(series.total, cents=False)
    if series.delta_pct is None:
        return fmt.text("trend.title_no_delta", days=n_days, total=total), style.INK
    delta = fmt.pct(series.delta_pct, signed=True)
    title = fmt.text("trend.title", days=n_days, total=total, delta=delta)
    return title, style.delta_color(series.delta_pct)


def legend_line(series: TrendSeries, fmt: Formats, n_days: int) -> str:
    previous_end = series.previous_start + timedelta(days=n_days - 1) if series.previous_start else None
    return fmt.text(
        "trend.legend",
        previous=fmt.window(series.previous_start, previous_end),
        previous_total=fmt.money(series.previous_total, cents=False),
    )


def draw_legend(sheet: Sheet, series: TrendSeries, fmt: Formats, n_days: int, top: float) -> float:
    """Two legend lines (this period, the previous one with its total); returns the y below them."""
    sheet.text(MARGIN_PX, top, "━  " + fmt.text("trend.current"), fontsize=style.LABEL_PT, color=style.ACCENT)
    previous = "╌  " + legend_line(series, fmt, n_days)
    sheet.text(MARGIN_PX, top + 34, previous, fontsize=style.LABEL_PT, color=style.MUTED)
    return top + 68


def series_of(inputs: ReportInputs, key: str = "trend") -> TrendSeries:
    return TrendSeries.from_data(inputs.data(key), inputs.data(f"{key}_previous"))


def render_trend_png(inputs: ReportInputs, key: str = "trend") -> bytes:
    """The `/trend` photo: 1080 × 1080 with title, legend, revenue, paid orders and the footer."""
    fmt = inputs.formats
    data = inputs.data(key)
    series = series_of(inputs, key)
    n_days = len(series.days) or inputs.days
    window = data.get("window") or {}
    if inputs.ok(key) is None:
        title = fmt.text("trend.title_no_delta", days=inputs.days, total=fmt.dash())
        subtitle = fmt.text("common.unavailable", code=inputs.error_code(key) or "-")
        headline = fmt.text("common.unavailable_headline")
        return notice_png(inputs, title, subtitle, headline, fmt.text("common.unavailable_detail"))
    title, color = trend_title(series, fmt, n_days)
    subtitle = fmt.text("trend.subtitle", window=fmt.window(window.get("from"), window.get("to")))
    if series.empty:
        detail = fmt.text("trend.no_data_detail", previous=fmt.money(series.previous_total, cents=False))
        return notice_png(inputs, title, subtitle, fmt.text("trend.no_data"), detail)
    sheet = Sheet(1080)
    bottom = sheet.height - footer_height(inputs)
    top = sheet.header(title, subtitle, title_color=color)
    legend_bottom = draw_legend(sheet, series, fmt, n_days, top)
    chart_left = MARGIN_PX + 70
    chart_width = sheet.width - chart_left - MARGIN_PX
    revenue_top = legend_bottom + 20
    orders_height = 150
    revenue_height = bottom - revenue_top - orders_height - 120
    revenue_ax = sheet.axes(chart_left, revenue_top, chart_width, revenue_height)
    plot_revenue(revenue_ax, series, fmt, inputs.today)
    orders_top = revenue_top + revenue_height + 80
    sheet.text(
        MARGIN_PX, orders_top - 34, fmt.text("trend.orders_label"), fontsize=style.LABEL_PT, color=style.MUTED
    )
    orders_ax = sheet.axes(chart_left, orders_top, chart_width, orders_height)
    plot_orders(orders_ax, series, fmt, inputs.today)
    sheet.footer(inputs)
    return sheet.png()


def trend_chart_png(inputs: ReportInputs, key: str = "trend", height_px: int = 560) -> bytes:
    """The chart alone (legend, revenue, no title or footer) for a PDF page that has its own."""
    fmt = inputs.formats
    series = series_of(inputs, key)
    n_days = len(series.days) or inputs.days
    sheet = Sheet(height_px)
    legend_bottom = draw_legend(sheet, series, fmt, n_days, 16)
    chart_left = MARGIN_PX + 70
    chart_height = height_px - legend_bottom - 100
    ax = sheet.axes(chart_left, legend_bottom + 20, sheet.width - chart_left - MARGIN_PX, chart_height)
    plot_revenue(ax, series, fmt, inputs.today)
    return sheet.png()
