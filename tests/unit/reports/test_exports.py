"""The data behind a report as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

from ownerbot.reports.inputs import ReportKind
from ownerbot.reports.render import render_report
from ownerbot.tools.contract import ErrorCode
from tests.unit.reports import synthetic


def test_json_holds_every_response_as_it_came() -> None:
    inputs = synthetic.report_inputs(ReportKind.TREND)
    artifact = render_report(inputs, "json")
    assert artifact.type == "json" and artifact.filename == "ownerbot-trend-30d-2026-03-30.json"
    document = json.loads(artifact.data)
    assert document["report"] == "trend" and document["correlation_id"] == synthetic.CID
    trend = document["sections"]["trend"]["response"]
    assert trend["data"]["totals"] == inputs.responses["trend"].data["totals"]
    assert trend["provenance"]["window"] == {"from": "2026-03-01", "to": "2026-03-30", "tz": "Europe/Berlin"}


def test_csv_is_one_tidy_table() -> None:
    inputs = synthetic.report_inputs(ReportKind.TREND)
    artifact = render_report(inputs, "csv")
    assert artifact.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(artifact.data.decode("utf-8-sig"))))
    assert set(rows[0]) == {"section", "tool", "table", "row", "field", "value"}
    series = [
        r
        for r in rows
        if r["section"] == "trend" and r["table"] == "series" and r["field"] == "revenue_gross"
    ]
    expected = [p["revenue_gross"] for p in inputs.responses["trend"].data["series"]]
    assert [r["value"] for r in sorted(series, key=lambda r: int(r["row"]))] == expected
    totals = {r["field"]: r["value"] for r in rows if r["section"] == "trend" and r["table"] == "summary"}
    assert totals["totals.revenue_gross"] == inputs.responses["trend"].data["totals"]["revenue_gross"]


def test_csv_names_failed_sections_and_keeps_cyrillic() -> None:
    base = synthetic.report_inputs(ReportKind.DASHBOARD)
    responses = {**base.responses, "top": synthetic.failed("top_products", ErrorCode.TIMEOUT)}
    text = render_report(synthetic.inputs(ReportKind.DASHBOARD, responses), "csv").data.decode("utf-8-sig")
    assert "top,top_products,error,0,code,TIMEOUT" in text
    base_text = render_report(base, "csv").data.decode("utf-8-sig")
    assert "Сандалии «Айва»" in base_text
