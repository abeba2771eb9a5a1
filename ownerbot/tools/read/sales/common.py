"""What the sales tools share: the day-range payload, window resolution, provenance and KPI blocks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.tools.contract import ToolWarning, Window
from ownerbot.tools.registry import ToolContext
from ownerbot.upstream.sales import KpiTotals, ratio

MAX_SPAN_DAYS = 366
RangeName = Literal["today", "yesterday", "7d", "30d", "custom"]
PAID_RATE_DEFINITION = "orders_paid / orders_created of the same window, % (two sets of orders, not a cohort)"


class ToolPayload(BaseModel):
    """Base of every sales payload: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def check_span(start: date, end: date, *, start_field: str, end_field: str) -> None:
    """Raise a ValueError naming the field when `end` precedes `start` or the span exceeds 366 days."""
    if end < start:
        raise ValueError(f"{end_field}: must not be before {start_field}")
    span = (end - start).days + 1
    if span > MAX_SPAN_DAYS:
        raise ValueError(f"{end_field}: the window spans {span} days, at most {MAX_SPAN_DAYS} are allowed")


class RangePayload(ToolPayload):
    """A window by name (`today`, `yesterday`, `7d`, `30d`), one `day`, or `custom` `from`..`to`.

    `day` alone means that single day; `7d` and `30d` end today, so they include its partial figures.
    """

    range: RangeName = "today"
    day: date | None = None
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        if self.day is not None:
            if self.from_ is not None or self.to is not None:
                raise ValueError("day: cannot be combined with from/to")
            if "range" in self.model_fields_set and self.range != "custom":
                raise ValueError(f"day: only with range=custom, not range={self.range}")
            return self
        if self.range == "custom":
            if self.from_ is None or self.to is None:
                missing = [name for name, value in (("from", self.from_), ("to", self.to)) if value is None]
                raise ValueError(f"{', '.join(missing)}: required when range=custom (or give day)")
            check_span(self.from_, self.to, start_field="from", end_field="to")
        elif self.from_ is not None or self.to is not None:
            raise ValueError(f"from: only with range=custom, not range={self.range}")
        return self

    def window(self, today: date, tz: str) -> DayWindow:
        """The shop-local days this payload names, relative to the shop's `today`."""
        if self.day is not None:
            return DayWindow.single(self.day, tz)
        if self.range == "custom" and self.from_ is not None and self.to is not None:
            return DayWindow(self.from_, self.to, tz)
        if self.range == "yesterday":
            return DayWindow.single(today - timedelta(days=1), tz)
        if self.range == "7d":
            return DayWindow.last_days(7, today, tz)
        if self.range == "30d":
            return DayWindow.last_days(30, today, tz)
        return DayWindow.single(today, tz)

    @property
    def effective_range(self) -> RangeName:
        return "custom" if self.day is not None else self.range


def shop_today(ctx: ToolContext) -> date:
    """The shop-local calendar day of `ctx.now`."""
    return local_day(ctx.now, ctx.tenant.timezone)


def to_window(window: DayWindow) -> Window:
    return Window.model_validate(window.as_provenance())


def span_window(*windows: DayWindow) -> Window:
    """One provenance window covering several (e.g. both sides of a comparison)."""
    return Window.model_validate(
        {
            "from": min(w.start for w in windows).isoformat(),
            "to": max(w.end for w in windows).isoformat(),
            "tz": windows[0].tz,
        }
    )


def provenance_sources(ctx: ToolContext, *names: Iterable[str]) -> list[str]:
    """Source names with the provider's prefix (`demo:demo_daily_sales`), in order, without repeats."""
    prefix = ctx.provider.source_prefix
    return list(dict.fromkeys(f"{prefix}{name}" for group in names for name in group))


def window_warnings(window: DayWindow, today: date, days_covered: int | None = None) -> list[ToolWarning]:
    """Partial today, days in the future, and days the source has no data for."""
    warnings: list[ToolWarning] = []
    if window.start <= today <= window.end:
        message = f"{today.isoformat()} is still in progress: figures are partial"
        warnings.append(ToolWarning(code="partial_day", message=message, params={"day": today.isoformat()}))
    if window.end > today:
        future = (window.end - max(window.start - timedelta(days=1), today)).days
        message = f"{future} day(s) of the window are after today: no data yet"
        warnings.append(ToolWarning(code="future_days", message=message, params={"days": future}))
    past_days = max(0, (min(window.end, today) - window.start).days + 1)
    if days_covered is not None and days_covered < past_days:
        warnings.append(
            ToolWarning(
                code="partial_coverage",
                message=f"the source has data for {days_covered} of {past_days} past day(s) of the window",
                params={"covered_days": days_covered, "past_days": past_days},
            )
        )
    return warnings


def no_data_warning(what: str) -> ToolWarning:
    """`what` is English words («sales activity»); `subject` is their stable key for the owner's texts."""
    return ToolWarning(
        code="no_data",
        message=f"no {what} in this window: figures are zero",
        params={"subject": what.replace(" ", "_")},
    )


def dedupe_warnings(warnings: Iterable[ToolWarning]) -> list[ToolWarning]:
    return list({(w.code, w.message): w for w in warnings}.values())


def kpi_block(totals: KpiTotals) -> dict[str, Any]:
    """The KPI figures every sales answer shows the same way (definitions: upstream/sales.py)."""
    return {
        "currency": totals.currency,
        "revenue_gross": totals.revenue_gross,
        "refunds": totals.refunds,
        "revenue_net": totals.revenue_net,
        "orders_created": totals.orders_created,
        "orders_paid": totals.orders_paid,
        "paid_orders_value": totals.paid_orders_value,
        "aov": totals.aov,
        "paid_rate_pct": totals.paid_rate_pct,
    }


def kpi_is_empty(totals: KpiTotals) -> bool:
    return not (totals.revenue_gross or totals.refunds or totals.orders_created or totals.orders_paid)


def change(current: Decimal | int | None, previous: Decimal | int | None) -> dict[str, Decimal | int | None]:
    """Absolute and relative change; `pct` is None when the base is zero or a side is unknown."""
    if current is None or previous is None:
        return {"abs": None, "pct": None}
    return {"abs": current - previous, "pct": ratio(current - previous, previous, scale=100)}
