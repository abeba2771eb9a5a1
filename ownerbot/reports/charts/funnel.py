"""The payment funnel: where the orders created in 30 days stand now, and how long money has been due."""

from __future__ import annotations

from typing import Any

from matplotlib.ticker import FuncFormatter, MaxNLocator

from ownerbot.reports import style
from ownerbot.reports.charts.canvas import MARGIN_PX, Sheet, max_or, name_bars, notice_png, tidy_axes
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.style import Formats, dec

HEIGHT_PX = 1320
STAGES = ("pending", "deposit_due", "balance_due", "preorder", "fully_paid")
AGES = ("0-24h", "1-3d", "3-7d", ">7d")


def stage_label(fmt: Formats, stage: Any) -> str:
    try:
        return fmt.text(f"funnel.stages.{stage}")
    except KeyError:
        return str(stage)


def age_label(fmt: Formats, age: Any) -> str:
    keys = {"0-24h": "h0_24", "1-3d": "d1_3", "3-7d": "d3_7", ">7d": "d7_plus"}
    key = keys.get(str(age))
    return fmt.text(f"funnel.ages.{key}") if key else str(age)


def render_funnel_png(inputs: ReportInputs) -> bytes:
    fmt = inputs.formats
    data = inputs.data("funnel")
    window = data.get("window") or {}
    title = fmt.text("funnel.title", days=30)
    if inputs.ok("funnel") is None:
        code = inputs.error_code("funnel") or "-"
        headline = fmt.text("common.unavailable_headline")
        return notice_png(inputs, title, "", headline, fmt.text("common.unavailable", code=code))
    if not data.get("orders_created"):
        window_text = fmt.window(window.get("from"), window.get("to"))
        return notice_png(
            inputs, title, window_text, fmt.text("funnel.no_data"), fmt.text("funnel.no_data_detail")
        )
    sheet = Sheet(HEIGHT_PX)
    subtitle = fmt.text(
        "funnel.subtitle",
        window=fmt.window(window.get("from"), window.get("to")),
        created=fmt.integer(data.get("orders_created")),
        cancelled=fmt.integer(data.get("cancelled")),
    )
    top = sheet.header(title, subtitle)
    top = _stages(sheet, data, fmt, top + 10)
    top = _due_buckets(sheet, data, fmt, top + 40)
    deposit = data.get("deposit") or {}
    if deposit.get("paid_deposit"):
        text = fmt.text(
            "funnel.summary_deposit",
            dropped=fmt.integer(deposit.get("balance_not_paid")),
            paid=fmt.integer(deposit.get("paid_deposit")),
            pct=fmt.pct(deposit.get("drop_pct")),
        )
        sheet.text(MARGIN_PX, top + 30, text, fontsize=style.LABEL_PT + 1, color=style.INK)
    sheet.footer(inputs)
    return sheet.png()


def _stages(sheet: Sheet, data: dict[str, Any], fmt: Formats, top: float) -> float:
    """Every order of the cohort in one 100 % bar (stages and cancelled), then the open stages in detail."""
    sheet.text(
        MARGIN_PX, top, fmt.text("funnel.stages_title"), fontsize=style.SUBTITLE_PT + 1, fontweight="bold"
    )
    top += 48
    by_stage = {s.get("stage"): s for s in data.get("stages") or []}
    stages = [stage for stage in STAGES if stage in by_stage]
    counts = [float(dec(by_stage[s].get("orders")) or 0) for s in stages]
    cancelled = float(dec(data.get("cancelled")) or 0)
    total = sum(counts) + cancelled or 1.0
    ax = sheet.axes(MARGIN_PX, top, sheet.width - 2 * MARGIN_PX, 56)
    ax.set_axis_off()
    left = 0.0
    segments = [*zip(stages, counts, strict=True), ("cancelled", cancelled)]
    for stage, count in segments:
        color = style.STAGE_COLORS[STAGES.index(stage)] if stage in STAGES else style.FAINT
        ax.barh([0], [count / total], left=left, height=1, color=color, edgecolor=style.WHITE, linewidth=1.5)
        left += count / total
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, 0.5)
    top += 74
    column = (sheet.width - 2 * MARGIN_PX) / 2
    for index, (stage, count) in enumerate(segments):
        x = MARGIN_PX + (index % 2) * column
        y = top + (index // 2) * 34
        color = style.STAGE_COLORS[STAGES.index(stage)] if stage in STAGES else style.FAINT
        share = fmt.pct(count * 100 / total, digits=0)
        sheet.text(x, y, "■", fontsize=style.LABEL_PT + 2, color=color)
        sheet.text(
            x + 26,
            y + 2,
            f"{stage_label(fmt, stage)}: {fmt.integer(count)} ({share})",
            fontsize=style.TICK_PT,
        )
    top += ((len(segments) + 1) // 2) * 34 + 36
    return _open_stages(sheet, by_stage, fmt, top)


def _open_stages(sheet: Sheet, by_stage: dict[Any, dict[str, Any]], fmt: Formats, top: float) -> float:
    open_stages = [stage for stage in STAGES[:-1] if stage in by_stage]
    sheet.text(
        MARGIN_PX, top, fmt.text("funnel.open_title"), fontsize=style.SUBTITLE_PT + 1, fontweight="bold"
    )
    top += 48
    remaining = [float(dec(by_stage[s].get("remaining_due")) or 0) for s in open_stages]
    height = 62 * len(open_stages) + 10
    left = MARGIN_PX + 260
    ax = sheet.axes(left, top, sheet.width - left - MARGIN_PX - 360, height)
    ys = list(range(len(open_stages)))[::-1]
    colors = [style.STAGE_COLORS[STAGES.index(s)] for s in open_stages]
    ax.barh(ys, remaining, color=colors, height=0.62)
    ax.set_xlim(0, max_or(remaining))
    name_bars(ax, ys, [stage_label(fmt, s) for s in open_stages], style.TICK_PT + 1)
    for y, stage in zip(ys, open_stages, strict=True):
        row = by_stage[stage]
        parts = [
            fmt.money(row.get("remaining_due"), cents=False),
            fmt.text("funnel.orders_n", n=fmt.integer(row.get("orders"))),
        ]
        hours = dec(row.get("median_hours_in_stage"))
        if hours is not None:
            parts.append(fmt.text("funnel.median_wait", wait=fmt.duration(hours * 60)))
        ax.annotate(
            " · ".join(parts),
            (max_or(remaining), y),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=style.TICK_PT,
            color=style.INK,
            annotation_clip=False,
        )
    return top + height


def _due_buckets(sheet: Sheet, data: dict[str, Any], fmt: Formats, top: float) -> float:
    title = fmt.text(
        "funnel.due_title",
        due=fmt.money(data.get("open_due_now"), cents=False),
        open=fmt.integer(data.get("open_orders")),
    )
    sheet.text(MARGIN_PX, top, title, fontsize=style.SUBTITLE_PT + 1, fontweight="bold")
    top += 48
    buckets = list(data.get("due_now_buckets") or [])
    amounts = [float(dec(b.get("due_now")) or 0) for b in buckets]
    height = 330
    ax = sheet.axes(MARGIN_PX + 90, top, sheet.width - 2 * MARGIN_PX - 90, height - 60)
    tidy_axes(ax)
    xs = list(range(len(buckets)))
    ax.bar(xs, amounts, color=list(style.AGE_COLORS[: len(buckets)]), width=0.6)
    ax.set_xticks(
        xs, [age_label(fmt, b.get("age")) for b in buckets], fontsize=style.TICK_PT + 1, color=style.INK
    )
    ax.set_ylim(0, max_or(amounts) * 1.4)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt.money_compact(str(value))))
    for x, bucket, amount in zip(xs, buckets, amounts, strict=True):
        orders = fmt.text("funnel.orders_n", n=fmt.integer(bucket.get("orders")))
        label = f"{fmt.money(bucket.get('due_now'), cents=False)}\n{orders}"
        ax.annotate(
            label,
            (x, amount),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=style.TICK_PT,
            color=style.INK,
        )
    return top + height
