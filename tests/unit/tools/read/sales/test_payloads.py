"""Every sales payload field refuses a bad value with a message that names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.tools.read.sales import SPECS
from ownerbot.tools.read.sales.coupons_status import CouponsStatusPayload
from ownerbot.tools.read.sales.coupons_top_used import CouponsTopUsedPayload
from ownerbot.tools.read.sales.demand_forecast import DemandForecastPayload
from ownerbot.tools.read.sales.funnel_snapshot import FunnelSnapshotPayload
from ownerbot.tools.read.sales.kpi_compare import KpiComparePayload
from ownerbot.tools.read.sales.kpi_snapshot import KpiSnapshotPayload
from ownerbot.tools.read.sales.refunds_anomalies import RefundsAnomaliesPayload
from ownerbot.tools.read.sales.reorder_plan import ReorderPlanPayload
from ownerbot.tools.read.sales.revenue_trend import RevenueTrendPayload
from ownerbot.tools.read.sales.top_products import TopProductsPayload
from ownerbot.tools.validation import validate_payload

CUSTOM_A = {"a_start": "2026-03-16", "a_end": "2026-03-22"}
CUSTOM_B = {"b_start": "2026-03-09", "b_end": "2026-03-15"}

BAD: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (KpiSnapshotPayload, {"range": "week"}, "range"),
    (KpiSnapshotPayload, {"day": "yesterday"}, "day"),
    (KpiSnapshotPayload, {"range": "custom", "from": "2026-13-01", "to": "2026-03-02"}, "from"),
    (KpiSnapshotPayload, {"range": "custom", "from": "2026-03-01", "to": "soon"}, "to"),
    (KpiSnapshotPayload, {"range": "custom"}, "from"),
    (KpiSnapshotPayload, {"range": "custom", "from": "2026-03-01"}, "to"),
    (KpiSnapshotPayload, {"range": "custom", "from": "2026-03-02", "to": "2026-03-01"}, "to"),
    (KpiSnapshotPayload, {"range": "custom", "from": "2025-01-01", "to": "2026-01-02"}, "to"),
    (KpiSnapshotPayload, {"range": "7d", "from": "2026-03-01"}, "from"),
    (KpiSnapshotPayload, {"range": "today", "day": "2026-03-01"}, "day"),
    (KpiSnapshotPayload, {"day": "2026-03-01", "to": "2026-03-02"}, "day"),
    (KpiSnapshotPayload, {"days": 7}, "days"),
    (FunnelSnapshotPayload, {"range": "90d"}, "range"),
    (FunnelSnapshotPayload, {"range": "custom", "to": "2026-03-01"}, "from"),
    (KpiComparePayload, {"preset": "yoy"}, "preset"),
    (KpiComparePayload, {"days": 0}, "days"),
    (KpiComparePayload, {"days": 91}, "days"),
    (KpiComparePayload, {"preset": "custom", **CUSTOM_A, "b_start": "2026-03-09"}, "b_end"),
    (KpiComparePayload, {"preset": "custom", **CUSTOM_B, "a_end": "2026-03-22"}, "a_start"),
    (KpiComparePayload, {"preset": "custom", **CUSTOM_A, **CUSTOM_B, "days": 7}, "days"),
    (
        KpiComparePayload,
        {"preset": "custom", **CUSTOM_B, "a_start": "2026-03-22", "a_end": "2026-03-16"},
        "a_end",
    ),
    (
        KpiComparePayload,
        {"preset": "custom", **CUSTOM_A, "b_start": "2025-01-01", "b_end": "2026-03-15"},
        "b_end",
    ),
    (KpiComparePayload, {"preset": "custom", **CUSTOM_A, **{**CUSTOM_B, "b_start": "x"}}, "b_start"),
    (KpiComparePayload, {"preset": "wow", "a_start": "2026-03-16"}, "a_start"),
    (RevenueTrendPayload, {"days": 0}, "days"),
    (RevenueTrendPayload, {"days": 366}, "days"),
    (RevenueTrendPayload, {"end_day": "2026-02-30"}, "end_day"),
    (TopProductsPayload, {"days": 0}, "days"),
    (TopProductsPayload, {"days": 366}, "days"),
    (TopProductsPayload, {"metric": "profit"}, "metric"),
    (TopProductsPayload, {"direction": "up"}, "direction"),
    (TopProductsPayload, {"group_by": "brand"}, "group_by"),
    (TopProductsPayload, {"limit": 0}, "limit"),
    (TopProductsPayload, {"limit": 51}, "limit"),
    (RefundsAnomaliesPayload, {"days": 0}, "days"),
    (RefundsAnomaliesPayload, {"days": 91}, "days"),
    (CouponsStatusPayload, {"days": 0}, "days"),
    (CouponsStatusPayload, {"limit": 101}, "limit"),
    (CouponsTopUsedPayload, {"days": 366}, "days"),
    (CouponsTopUsedPayload, {"limit": 0}, "limit"),
    (DemandForecastPayload, {"horizon_days": 0}, "horizon_days"),
    (DemandForecastPayload, {"horizon_days": 61}, "horizon_days"),
    (DemandForecastPayload, {"history_days": 6}, "history_days"),
    (DemandForecastPayload, {"history_days": 181}, "history_days"),
    (DemandForecastPayload, {"method": "arima"}, "method"),
    (DemandForecastPayload, {"limit": 0}, "limit"),
    (ReorderPlanPayload, {"horizon_days": 0}, "horizon_days"),
    (ReorderPlanPayload, {"lead_time_days": -1}, "lead_time_days"),
    (ReorderPlanPayload, {"safety_stock_days": 91}, "safety_stock_days"),
    (ReorderPlanPayload, {"limit": 101}, "limit"),
]


@pytest.mark.parametrize(("model", "payload", "field"), BAD, ids=lambda v: str(v)[:40])
def test_bad_value_is_refused_naming_the_field(
    model: type[BaseModel], payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(payload)
    assert field in str(raised.value)
    # The runner's validation turns it into VALIDATION_ERROR whose first problem is that field.
    with pytest.raises(ToolFailure) as failure:
        validate_payload(model, payload)
    assert failure.value.code is ErrorCode.VALIDATION_ERROR
    assert failure.value.details["fields"][0]["allowed"]
    reported = " ".join(f"{f['field']} {f['allowed']}" for f in failure.value.details["fields"])
    assert field in reported


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_examples_and_defaults_validate(spec: Any) -> None:
    assert len(spec.examples) in range(1, 4)
    spec.payload_model.model_validate({})
    for example in spec.examples:
        spec.payload_model.model_validate(example)


def test_day_alone_means_that_single_custom_day() -> None:
    payload = KpiSnapshotPayload.model_validate({"day": "2026-03-01"})
    assert payload.effective_range == "custom"
    window = payload.window(today=date(2026, 3, 30), tz="UTC")
    assert (window.start, window.end) == (date(2026, 3, 1), date(2026, 3, 1))
    assert KpiSnapshotPayload.model_validate({"range": "custom", "day": "2026-03-01"}).day is not None


def test_a_366_day_custom_window_is_the_largest_allowed() -> None:
    ok = KpiSnapshotPayload.model_validate({"range": "custom", "from": "2025-03-01", "to": "2026-03-01"})
    assert ok.window(today=date(2026, 3, 30), tz="UTC").n_days == 366
