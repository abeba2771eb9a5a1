"""Sales read tools: KPI, comparisons, trends, rankings, payment funnel, refunds, coupons, forecasts."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.read.sales import (
    coupons_status,
    coupons_top_used,
    demand_forecast,
    funnel_snapshot,
    kpi_compare,
    kpi_snapshot,
    refunds_anomalies,
    reorder_plan,
    revenue_trend,
    top_products,
)
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [
    kpi_snapshot.SPEC,
    kpi_compare.SPEC,
    revenue_trend.SPEC,
    top_products.SPEC,
    funnel_snapshot.SPEC,
    refunds_anomalies.SPEC,
    coupons_status.SPEC,
    coupons_top_used.SPEC,
    demand_forecast.SPEC,
    reorder_plan.SPEC,
]
