"""renew_summary: offers, completions, conversion and revenue equal a loop over raw access events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.tools.read.ops.renew_summary import RenewSummaryPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


async def _check_totals_match_reference(ops: OpsHarness, range_name: str, back: int) -> None:
    today = reference.local_today(ops.now, ops.tz)
    ref = reference.renewals(ops.raw, today - timedelta(days=back), today, ops.tz)
    data = await ops.ok("renew_summary", {"range": range_name})
    assert data["offers"] == ref["offers"]
    assert data["completions"] == ref["completions"]
    assert data["revenue"] == ref["revenue"]
    assert isinstance(data["revenue"], Decimal)
    assert data["currency"] == ops.demo.currency
    assert data["conversion_pct"] == reference.pct(ref["completions"], ref["offers"])
    assert sum(t["revenue"] for t in data["top_targets"]) <= data["revenue"]


async def test_totals_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for range_name, back in (("30d", 29), ("7d", 6), ("today", 0)):
        await _check_totals_match_reference(ops, range_name, back)


async def test_default_is_thirty_days_with_activity(ops: OpsHarness) -> None:
    today = reference.local_today(ops.now, ops.tz)
    ref = reference.renewals(ops.raw, today - timedelta(days=29), today, ops.tz)
    assert ref["offers"] and ref["completions"], "the demo has renewals in the last 30 days"
    response = await ops.call("renew_summary")
    assert response.provenance.window is not None
    assert response.provenance.window.from_ == str(today - timedelta(days=29))
    assert response.data["completions"] == ref["completions"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"range": "90d"}, "range"),
        ({"range": "custom"}, "from"),
        ({"range": "30d", "to": "2026-03-01"}, "to"),
        ({"limit": 3}, "limit"),
    ],
)
def test_bad_values_name_their_field(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RenewSummaryPayload.model_validate(payload)
    assert field in [e["loc"][0] for e in caught.value.errors()]
