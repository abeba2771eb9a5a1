"""access_summary: denials, baselines, spike factors and expiries equal a loop over raw access events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.tools.contract import ErrorCode
from ownerbot.tools.read.ops.access_summary import AccessSummaryPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


def _days(ops: OpsHarness, payload: dict[str, Any]) -> tuple[date, date]:
    today = reference.local_today(ops.now, ops.tz)
    spans = {"today": (0, 0), "yesterday": (1, 1), "7d": (6, 0), "30d": (29, 0)}
    if payload.get("range") == "custom":
        return date.fromisoformat(payload["from"]), date.fromisoformat(payload["to"])
    back, end = spans[payload.get("range", "7d")]
    return today - timedelta(days=back), today - timedelta(days=end)


PAYLOADS: list[dict[str, Any]] = [
    {},
    {"range": "today"},
    {"range": "yesterday"},
    {"range": "30d"},
    {"range": "custom", "from": "2026-03-29", "to": "2026-03-30"},
    {"range": "custom", "from": "2026-02-20", "to": "2026-03-05"},
]


async def _check_figures_match_reference(ops: OpsHarness, payload: dict[str, Any]) -> None:
    first, last = _days(ops, payload)
    ref = reference.access(ops.raw, first, last, ops.tz)
    response = await ops.call("access_summary", payload)
    assert response.status == "ok", response.error
    data = response.data
    assert response.provenance.window is not None
    assert (response.provenance.window.from_, response.provenance.window.to) == (
        first.isoformat(),
        last.isoformat(),
    )
    days = ref["days"]
    assert data["window_days"] == days
    assert data["denials_total"] == sum(ref["now"]["action"].values())
    assert data["baseline_denials_total"] == sum(ref["base"]["action"].values())
    assert data["spike_factor"] == reference.factor(
        data["denials_total"], data["baseline_denials_total"], days
    )
    assert data["expiries_total"] == sum(ref["expiries"].values())
    assert data["grants_total"] == ref["grants"]
    for group in ("action", "reason"):
        got = {
            s["key"]: (s["denials"], s["baseline_denials"], s["spike_factor"]) for s in data[f"by_{group}"]
        }
        keys = set(ref["now"][group]) | set(ref["base"][group])
        assert got == {
            str(k): (
                ref["now"][group][k],
                ref["base"][group][k],
                reference.factor(ref["now"][group][k], ref["base"][group][k], days),
            )
            for k in keys
        }
    targets = set(ref["now"]["target"]) | set(ref["base"]["target"]) | set(ref["expiries"])
    assert data["targets_total"] == len(targets)
    for t in data["by_target"]:
        key = (t["target_type"], int(t["target_id"]))
        assert t["denials"] == ref["now"]["target"][key]
        assert t["baseline_denials"] == ref["base"]["target"][key]
        assert t["expiries"] == ref["expiries"][key]
        assert t["spike_factor"] == reference.factor(t["denials"], t["baseline_denials"], days)
    denials = [t["denials"] for t in data["by_target"]]
    assert denials == sorted(denials, reverse=True)
    assert data["top_targets"] == data["by_target"][:5]


async def test_figures_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for payload in PAYLOADS:
        await _check_figures_match_reference(ops, payload)


async def test_planted_spike_is_listed(ops: OpsHarness) -> None:
    today = reference.local_today(ops.now, ops.tz)
    payload = {"range": "custom", "from": str(today - timedelta(days=1)), "to": str(today)}
    data = await ops.ok("access_summary", payload)
    assert data["spikes"], "the demo plants a denial spike today and yesterday"
    ref = reference.access(ops.raw, today - timedelta(days=1), today, ops.tz)
    for spike in data["spikes"]:
        key = (spike["target_type"], int(spike["target_id"]))
        assert spike["denials"] == ref["now"]["target"][key] >= 10
        factor = reference.factor(ref["now"]["target"][key], ref["base"]["target"][key], 2)
        assert factor is None or factor >= 5


async def test_future_custom_end_is_a_validation_error(ops: OpsHarness) -> None:
    tomorrow = reference.local_today(ops.now, ops.tz) + timedelta(days=1)
    response = await ops.call(
        "access_summary", {"range": "custom", "from": "2026-03-01", "to": str(tomorrow)}
    )
    assert response.error is not None
    assert response.error.code is ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in response.error.details["fields"]] == ["to"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"range": "week"}, "range"),
        ({"range": "custom", "to": "2026-03-01"}, "from"),
        ({"range": "custom", "from": "2026-03-01"}, "to"),
        ({"range": "7d", "from": "2026-03-01"}, "from"),
        ({"range": "today", "to": "2026-03-01"}, "to"),
        ({"range": "custom", "from": "2026-03-05", "to": "2026-03-01"}, "to"),
        ({"range": "custom", "from": "2024-01-01", "to": "2026-03-01"}, "to"),
        ({"range": "custom", "from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"range": "custom", "from": "2026-03-01", "to": "2026-02-30"}, "to"),
        ({"days": 7}, "days"),
    ],
)
def test_bad_values_name_their_field(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AccessSummaryPayload.model_validate(payload)
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_custom_bounds_are_read_from_aliases() -> None:
    payload = AccessSummaryPayload.model_validate(
        {"range": "custom", "from": "2026-03-01", "to": "2026-03-02"}
    )
    assert (payload.from_, payload.to) == (date(2026, 3, 1), date(2026, 3, 2))
