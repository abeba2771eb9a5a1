"""Contract models tolerate extra fields; drift names the endpoint and the field."""

from __future__ import annotations

from ownerbot.upstream.sis.contract import (
    ACTION_ENDPOINTS,
    ENDPOINTS,
    READ_ENDPOINTS,
    DriftWarning,
    KpiSummaryData,
    ReadEnvelope,
    check_drift,
    endpoint_url_path,
    is_action_envelope,
)

KPI = {
    "revenue_gross": "10.00",
    "revenue_net": "9.00",
    "orders_created": 3,
    "orders_paid": 1,
    "aov": "10.00",
    "refunds": "1.00",
    "currency": "EUR",
}


def test_extra_fields_are_tolerated() -> None:
    assert check_drift(KpiSummaryData, {**KPI, "brand_new": [1]}, endpoint="kpi_summary") == []


def test_missing_and_mistyped_fields_become_warnings() -> None:
    payload = {**KPI, "orders_paid": "many"}
    del payload["currency"]
    found = check_drift(KpiSummaryData, payload, endpoint="kpi_summary", prefix="data.")
    assert DriftWarning("kpi_summary", "data.currency", "missing") in found
    mistyped = [w for w in found if w.field == "data.orders_paid"]
    assert mistyped and mistyped[0].problem.startswith("mistyped")
    assert str(mistyped[0]).startswith("kpi_summary: data.orders_paid")


def test_envelope_requires_provenance_sources() -> None:
    found = check_drift(ReadEnvelope, {"as_of": "2026-01-01T00:00:00Z", "data": {}}, endpoint="funnel")
    assert [w.field for w in found] == ["provenance"]


def test_endpoint_table_covers_the_contract() -> None:
    assert len(READ_ENDPOINTS) == 11
    assert len(ACTION_ENDPOINTS) == 18
    assert endpoint_url_path(ENDPOINTS["kpi_summary"]) == "/ownerbot/v1/kpi/summary"
    assert endpoint_url_path(ENDPOINTS["fx_apply"]) == "/ownerbot/v1/actions/fx/apply"
    assert ENDPOINTS["fx_apply"].idempotency_key
    assert all(not e.safe for e in ACTION_ENDPOINTS if e.key.endswith("_apply"))
    assert all(e.safe for e in ACTION_ENDPOINTS if e.key.endswith("_preview"))


def test_action_envelope_detection() -> None:
    assert is_action_envelope({"ok": True, "data": {}, "status": "ok"})
    assert not is_action_envelope({"status": "committed", "job_id": 1})
