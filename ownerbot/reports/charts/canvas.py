"""A 1080-px-wide sheet laid out in pixels (top-down), saved as PNG; shared pieces of every chart.

matplotlib's object API only (no pyplot): each render owns its Figure, so renders in worker threads do
not share state, and nothing ever opens a window.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ownerbot.reports import style
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.provenance import footer_lines

MARGIN_PX = 56
FOOTER_LINE_PX = 22
FOOTER_PAD_PX = 26
PNG_COMPRESS_LEVEL = 1


class Sheet:
    """A white figure `PNG_WIDTH_PX` wide and `height_px` tall, addressed in pixels from the top-left."""

    def __init__(self, height_px: int) -> None:
        self.width = style.PNG_WIDTH_PX
        self.height = height_px
        self.figure = Figure(
            figsize=(style.FIG_WIDTH_IN, height_px / style.PNG_DPI), dpi=style.PNG_DPI, facecolor=style.WHITE
        )
        FigureCanvasAgg(self.figure)

    def fx(self, x_px: float) -> float:
        return x_px / self.width

    def fy(self, y_px: float) -> float:
        """Figure fraction (from the bottom) of a point `y_px` pixels below the top edge."""
        return 1 - y_px / self.height

    def axes(self, left: float, top: float, width: float, height: float) -> Axes:
        rect = (self.fx(left), self.fy(top + height), width / self.width, height / self.height)
        return self.figure.add_axes(rect)

    def text(self, x: float, y: float, value: str, **kwargs: Any) -> None:
        kwargs.setdefault("va", "top")
        self.figure.text(self.fx(x), self.fy(y), value, **kwargs)

    def panel(self, left: float, top: float, width: float, height: float, color: str = style.PANEL) -> None:
        """A rounded background box (tiles, no-data notes)."""
        box = FancyBboxPatch(
            (self.fx(left), self.fy(top + height)),
            width / self.width,
            height / self.height,
            boxstyle="round,pad=0,rounding_size=0.012",
            transform=self.figure.transFigure,
            facecolor=color,
            edgecolor="none",
            zorder=0,
        )
        self.figure.patches.append(box)

    def header(self, title: str, subtitle: str = "", *, title_color: str = style.INK) -> float:
        """Title and subtitle at the top; returns the first free y (px)."""
        self.text(MARGIN_PX, 40, title, fontsize=style.TITLE_PT, fontweight="bold", color=title_color)
        y = 40 + style.TITLE_PT * 2 + 16
        for line in subtitle.splitlines() if subtitle else []:
            self.text(MARGIN_PX, y, line, fontsize=style.SUBTITLE_PT, color=style.MUTED)
            y += style.SUBTITLE_PT * 2 + 8
        return y + 12

    def footer(self, inputs: ReportInputs) -> None:
        """The provenance footer at the bottom edge (its height is `footer_height`)."""
        lines = footer_lines(inputs)
        y = self.height - FOOTER_PAD_PX - len(lines) * FOOTER_LINE_PX
        self.figure.add_artist(
            _rule(self.figure, self.fy(y - 12), self.fx(MARGIN_PX), 1 - self.fx(MARGIN_PX))
        )
        for line in lines:
            self.text(MARGIN_PX, y, line, fontsize=style.FOOTER_PT, color=style.MUTED)
            y += FOOTER_LINE_PX

    def no_data(
        self, left: float, top: float, width: float, height: float, headline: str, detail: str
    ) -> None:
        """A note in place of an empty chart: what is missing and why, never empty axes."""
        self.panel(left, top, width, height)
        middle = top + height / 2
        self.text(
            left + width / 2,
            middle - 18,
            headline,
            fontsize=style.SUBTITLE_PT + 3,
            fontweight="bold",
            ha="center",
            va="bottom",
        )
        self.text(
            left + width / 2,
            middle + 6,
            detail,
            fontsize=style.LABEL_PT,
            color=style.MUTED,
            ha="center",
            va="top",
            wrap=True,
        )

    def png(self) -> bytes:
        buffer = io.BytesIO()
        # No "Software"/date metadata: the same answers give the same bytes (golden tests, caching).
        # zlib level 1: a fifth of level 6's time for ~10 % more bytes (Telegram re-encodes photos anyway).
        self.figure.savefig(
            buffer,
            format="png",
            dpi=style.PNG_DPI,
            metadata={"Software": None},
            pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
        )
        return buffer.getvalue()


def footer_height(inputs: ReportInputs) -> int:
    return len(footer_lines(inputs)) * FOOTER_LINE_PX + FOOTER_PAD_PX * 2


def _rule(figure: Figure, y: float, x0: float, x1: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=figure.transFigure, color=style.GRID, linewidth=1.2)


def tidy_axes(ax: Axes, *, grid_axis: Literal["x", "y"] = "y") -> None:
    """Light grid on the value axis, no box, muted ticks."""
    ax.set_facecolor(style.WHITE)
    ax.grid(axis=grid_axis, color=style.GRID, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if grid_axis == "x":
        ax.spines["bottom"].set_visible(False)
    ax.tick_params(length=0, pad=6)


def name_bars(ax: Axes, ys: Sequence[float], names: Sequence[str], fontsize: float) -> None:
    """Horizontal bars labelled by plain texts, without axis machinery (ticks, grid), which renders in
    about half the time; the bars carry their values as annotations."""
    ax.set_axis_off()
    ax.set_ylim(min(ys, default=0) - 0.6, max(ys, default=0) + 0.6)
    for y, name in zip(ys, names, strict=True):
        ax.annotate(
            name,
            (0, y),
            xytext=(-10, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=fontsize,
            color=style.INK,
            annotation_clip=False,
        )


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tick_positions(count: int, wanted: int) -> list[int]:
    """About `wanted` evenly spaced indexes of `count` items, always including the last one."""
    if count <= wanted:
        return list(range(count))
    step = max(1, round(count / wanted))
    positions = list(range(count - 1, -1, -step))
    return sorted(positions)


def max_or(values: Sequence[float], default: float = 1.0) -> float:
    top = max(values, default=0.0)
    return top if top > 0 else default


NOTICE_HEIGHT_PX = 760


def notice_png(inputs: ReportInputs, title: str, subtitle: str, headline: str, detail: str) -> bytes:
    """A compact chart-sized note when there is nothing to plot (no data, or the source failed)."""
    sheet = Sheet(NOTICE_HEIGHT_PX)
    top = sheet.header(title, subtitle)
    bottom = sheet.height - footer_height(inputs)
    sheet.no_data(MARGIN_PX, top + 10, sheet.width - 2 * MARGIN_PX, bottom - top - 40, headline, detail)
    sheet.footer(inputs)
    return sheet.png()
