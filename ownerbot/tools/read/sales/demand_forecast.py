"""`demand_forecast`: expected units per product for the coming days, each with a confidence note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.sales.common import (
    ToolPayload,
    no_data_warning,
    provenance_sources,
    shop_today,
    to_window,
)
from ownerbot.tools.read.sales.forecasting import Forecast, Method, forecast, units
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import CatalogProduct


class DemandForecastPayload(ToolPayload):
    """`horizon_days` (7; 1..60) ahead, from `history_days` (30; 7..180), `method`, `limit` (20; 1..100)."""

    horizon_days: int = Field(default=7, ge=1, le=60)
    history_days: int = Field(default=30, ge=7, le=180)
    method: Literal["sma", "ses"] = "sma"
    limit: int = Field(default=20, ge=1, le=100)


@dataclass(frozen=True)
class SalesHistory:
    """Daily units per product over the days the source has data for, and how the window was cut."""

    window: DayWindow | None  # None: no day of the asked window has data
    asked: DayWindow
    units: dict[int, tuple[int, ...]]
    sources: tuple[str, ...]

    def of(self, product_id: int) -> tuple[int, ...]:
        n_days = self.window.n_days if self.window else 0
        return self.units.get(product_id, (0,) * n_days)

    def warnings(self) -> list[ToolWarning]:
        if self.window is None:
            return [no_data_warning("sales history")]
        if self.window.start > self.asked.start:
            message = (
                f"history starts {self.window.start.isoformat()}: the source has no data before it, "
                f"so {self.window.n_days} of the {self.asked.n_days} asked days are used"
            )
            params = {
                "start": self.window.start.isoformat(),
                "used_days": self.window.n_days,
                "asked_days": self.asked.n_days,
            }
            return [ToolWarning(code="history_trimmed", message=message, params=params)]
        return []


async def load_history(ctx: ToolContext, days: int, today: date) -> SalesHistory:
    """The `days` complete days before today, cut to start at the first day the source has data for.

    Today is left out (its sales are partial), and days before the shop's data would count as zero
    sales and drag every average down, so they are left out too.
    """
    asked = DayWindow.last_days(days, today - timedelta(days=1), ctx.tenant.timezone)
    series = await ctx.provider.sales.daily_series(asked)
    first = next((p.day for p in series.points if p.covered), None)
    if first is None:
        return SalesHistory(window=None, asked=asked, units={}, sources=series.sources)
    window = DayWindow(first, asked.end, asked.tz)
    daily = await ctx.provider.sales.product_daily_units(window)
    return SalesHistory(
        window=window, asked=asked, units=daily.units, sources=(*series.sources, *daily.sources)
    )


def forecast_horizon(today: date, days: int, tz: str) -> DayWindow:
    """The `days` days from tomorrow: today is already under way and partly sold."""
    return DayWindow(today + timedelta(days=1), today + timedelta(days=days), tz)


def product_forecast(history: SalesHistory, product_id: int, horizon: DayWindow, method: Method) -> Forecast:
    """The forecast of one product over `horizon` (an empty history forecasts zero, confidence none)."""
    start = history.window.start if history.window else history.asked.start
    series = history.of(product_id) or (0,)
    return forecast(
        series,
        history_start=start,
        horizon_start=horizon.start,
        horizon_days=horizon.n_days,
        method=method,
    )


def forecast_row(product: CatalogProduct, fc: Forecast) -> dict[str, object]:
    return {
        "product_id": product.id,
        "name": product.name,
        "category": product.category_name,
        "stock": product.stock,
        "expected_units": fc.total,
        "per_day": units(fc.level),
        "confidence": fc.confidence,
        "note": fc.note,
        "history_units": fc.history_units,
        "sale_days": fc.sale_days,
        "seasonal": fc.seasonal,
    }


async def demand_forecast(payload: DemandForecastPayload, ctx: ToolContext) -> ToolResult:
    """Every product that sold in the history or is on sale now, most expected units first."""
    today = shop_today(ctx)
    history = await load_history(ctx, payload.history_days, today)
    catalog = await ctx.provider.sales.catalog_products()
    horizon = forecast_horizon(today, payload.horizon_days, ctx.tenant.timezone)
    candidates = [p for p in catalog.products if p.id in history.units or p.status == "ACTIVE"]
    forecasts = {p.id: product_forecast(history, p.id, horizon, payload.method) for p in candidates}
    ranked = sorted(candidates, key=lambda p: (-forecasts[p.id].total, p.id))
    data = {
        "window": (history.window or history.asked).as_provenance(),
        "history_days": history.window.n_days if history.window else 0,
        "horizon": horizon.as_provenance(),
        "horizon_days": payload.horizon_days,
        "method": payload.method,
        "products": len(ranked),
        "expected_units_total": units(sum((forecasts[p.id].total for p in ranked), Decimal(0))),
        "rows": [forecast_row(p, forecasts[p.id]) for p in ranked[: payload.limit]],
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, history.sources, catalog.sources),
        window=to_window(history.window or history.asked),
        warnings=history.warnings(),
    )


SPEC: ToolSpec[DemandForecastPayload] = ToolSpec(
    name="demand_forecast",
    kind=ToolKind.READ,
    payload_model=DemandForecastPayload,
    description="Expected units per product for the next days (moving average with weekly pattern)",
    handler=demand_forecast,
    risk=Risk.LOW,
    examples=({"horizon_days": 7}, {"horizon_days": 14, "history_days": 60, "method": "ses", "limit": 10}),
)
