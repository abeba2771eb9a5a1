"""`kpi_compare`: two windows side by side (week over week, month over month, or custom) with deltas."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.sales.common import (
    PAID_RATE_DEFINITION,
    ToolPayload,
    change,
    check_span,
    dedupe_warnings,
    kpi_block,
    kpi_is_empty,
    no_data_warning,
    provenance_sources,
    shop_today,
    span_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import KpiTotals

DEFAULT_DAYS = {"wow": 7, "mom": 28}
# The shortest shift back to B: a week for wow, four weeks for mom (whole weeks keep weekdays aligned).
MIN_SHIFT_DAYS = {"wow": 7, "mom": 28}
COMPARED = (
    "revenue_gross",
    "refunds",
    "revenue_net",
    "orders_created",
    "orders_paid",
    "paid_orders_value",
    "aov",
    "paid_rate_pct",
)
CUSTOM_FIELDS = ("a_start", "a_end", "b_start", "b_end")


class KpiComparePayload(ToolPayload):
    """`preset` wow | mom with optional `days`, or `custom` with `a_start`..`a_end` and `b_start`..`b_end`."""

    preset: Literal["wow", "mom", "custom"] = "wow"
    days: int | None = Field(default=None, ge=1, le=90)
    a_start: date | None = None
    a_end: date | None = None
    b_start: date | None = None
    b_end: date | None = None

    @model_validator(mode="after")
    def _check_windows(self) -> Self:
        given = [name for name in CUSTOM_FIELDS if getattr(self, name) is not None]
        if self.preset != "custom":
            if given:
                raise ValueError(f"{given[0]}: only with preset=custom, not preset={self.preset}")
            return self
        if self.days is not None:
            raise ValueError("days: not used with preset=custom (the windows give the length)")
        if self.a_start is None or self.a_end is None or self.b_start is None or self.b_end is None:
            missing = [name for name in CUSTOM_FIELDS if name not in given]
            raise ValueError(f"{', '.join(missing)}: required when preset=custom")
        check_span(self.a_start, self.a_end, start_field="a_start", end_field="a_end")
        check_span(self.b_start, self.b_end, start_field="b_start", end_field="b_end")
        return self

    def windows(self, today: date, tz: str) -> tuple[DayWindow, DayWindow]:
        """A (the recent window) and B (the one it is compared with).

        Presets compare whole days that have ended: A is the `days` days up to yesterday, B the same
        weekdays `shift` days earlier, where `shift` is whole weeks, at least a week (wow) or four weeks
        (mom), and never less than `days`, so A and B never overlap.
        """
        if self.preset == "custom":
            if self.a_start is None or self.a_end is None or self.b_start is None or self.b_end is None:
                raise ValueError("custom windows are incomplete")  # the validator makes this unreachable
            return DayWindow(self.a_start, self.a_end, tz), DayWindow(self.b_start, self.b_end, tz)
        days = self.days or DEFAULT_DAYS[self.preset]
        a = DayWindow.last_days(days, today - timedelta(days=1), tz)
        shift = max(MIN_SHIFT_DAYS[self.preset], -(-days // 7) * 7)
        return a, a.shifted(-shift)


def _side(window: DayWindow, totals: KpiTotals) -> dict[str, Any]:
    return {"window": window.as_provenance(), "days": window.n_days, **kpi_block(totals)}


async def kpi_compare(payload: KpiComparePayload, ctx: ToolContext) -> ToolResult:
    """Both windows' totals, the change of every figure (absolute and %), AOV side by side."""
    tz = ctx.tenant.timezone
    today = shop_today(ctx)
    a_window, b_window = payload.windows(today, tz)
    # Two independent reads: asked at once, each on its own connection.
    a, b = await asyncio.gather(
        ctx.provider.sales.kpi_totals(a_window), ctx.provider.sales.kpi_totals(b_window)
    )
    a_block, b_block = _side(a_window, a), _side(b_window, b)

    warnings = [
        *window_warnings(a_window, today, a.days_covered),
        *window_warnings(b_window, today, b.days_covered),
    ]
    if a_window.n_days != b_window.n_days:
        message = f"A has {a_window.n_days} day(s), B has {b_window.n_days}: compare rates, not totals"
        params = {"a_days": a_window.n_days, "b_days": b_window.n_days}
        warnings.append(ToolWarning(code="unequal_windows", message=message, params=params))
    if kpi_is_empty(a) and kpi_is_empty(b):
        warnings.append(no_data_warning("sales activity"))
    data = {
        "preset": payload.preset,
        "currency": a.currency,
        "a": a_block,
        "b": b_block,
        "delta": {name: change(a_block[name], b_block[name]) for name in COMPARED},
        "aov": {"a": a.aov, "b": b.aov, **change(a.aov, b.aov)},
        "paid_rate_definition": PAID_RATE_DEFINITION,
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, a.sources, b.sources),
        window=span_window(a_window, b_window),
        warnings=dedupe_warnings(warnings),
    )


SPEC: ToolSpec[KpiComparePayload] = ToolSpec(
    name="kpi_compare",
    kind=ToolKind.READ,
    payload_model=KpiComparePayload,
    description="Compare KPI of two windows: week over week, month over month or custom, with deltas",
    handler=kpi_compare,
    risk=Risk.LOW,
    examples=(
        {"preset": "wow"},
        {"preset": "mom", "days": 28},
        {
            "preset": "custom",
            "a_start": "2026-03-16",
            "a_end": "2026-03-22",
            "b_start": "2026-03-09",
            "b_end": "2026-03-15",
        },
    ),
)
