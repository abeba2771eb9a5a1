"""nudge_health: reminder counts, digest status and orders due without a nudge equal the raw rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.storage.demo_models import DemoNudge
from ownerbot.tools.read.ops.nudge_health import NudgeHealthPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


async def _check_figures_match_reference(ops: OpsHarness, range_name: str, back: int, end: int) -> None:
    today = reference.local_today(ops.now, ops.tz)
    ref = reference.nudges(
        ops.raw, today - timedelta(days=back), today - timedelta(days=end), ops.tz, ops.now
    )
    data = await ops.ok("nudge_health", {"range": range_name})
    for status in ("sent", "failed", "skipped"):
        assert data["order_nudges"][status] == ref["counts"][("order", status)], status
        assert data["digest"]["counts"][status] == ref["counts"][("digest", status)], status
    last = ref["last_digest"]
    assert data["digest"]["last_status"] == (None if last is None else last.status)
    assert data["digest"]["last_at"] == (None if last is None else last.occurred_at)
    assert data["stuck_deposits_count"] == len(ref["stuck"])
    assert data["stuck_deposits_amount"] == sum((o.due_now for o in ref["stuck"]), Decimal("0.00"))
    assert [int(o["order_id"]) for o in data["stuck_deposits"]] == [o.id for o in ref["stuck"][:10]]
    for listed in data["stuck_deposits"]:
        sent = [
            n.occurred_at
            for n in ops.raw.nudges
            if n.order_id == int(listed["order_id"]) and n.status == "sent" and n.occurred_at <= ops.now
        ]
        assert listed["last_nudge_at"] == max(sent, default=None)
    reasons = sum(r["count"] for r in data["reasons"])
    assert reasons == ref["counts"][("order", "failed")] + ref["counts"][("order", "skipped")]


async def test_figures_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for range_name, back, end in (("7d", 6, 0), ("today", 0, 0), ("yesterday", 1, 1), ("30d", 29, 0)):
        await _check_figures_match_reference(ops, range_name, back, end)


async def test_stuck_deposits_are_the_planted_ones(ops: OpsHarness) -> None:
    planted = next(a for a in ops.raw.meta["anomalies"] if a["kind"] == "stuck_deposits")
    assert planted["count"] > 0
    data = await ops.ok("nudge_health", {"range": "7d"})
    assert data["stuck_deposits_count"] == planted["count"]
    listed = [int(o["order_id"]) for o in data["stuck_deposits"]]
    assert set(listed) <= set(planted["order_ids"])
    assert len(listed) == min(10, planted["count"])


async def test_seventy_two_hour_bounds_are_exact(ops: OpsHarness) -> None:
    """In stage over 72 h and no reminder *sent* within 72 h: one minute either side of each bound."""
    now, minute = ops.now, timedelta(minutes=1)
    template = next(o for o in ops.raw.orders if o.payment_plan == "deposit")
    due = {"status": "awaiting_payment", "payment_stage": "balance_due", "due_now": Decimal("50.00")}
    long_ago = now - timedelta(hours=100)
    cases = {
        "old_nudge": ops.order_like(template, **due, stage_changed_at=long_ago),
        "fresh_nudge": ops.order_like(template, **due, stage_changed_at=long_ago),
        "failed_nudge": ops.order_like(template, **due, stage_changed_at=long_ago),
        "just_over": ops.order_like(template, **due, stage_changed_at=now - timedelta(hours=72) - minute),
        "not_yet": ops.order_like(template, **due, stage_changed_at=now - timedelta(hours=72) + minute),
        "cancelled": ops.order_like(template, **{**due, "status": "cancelled"}, stage_changed_at=long_ago),
    }
    before = await ops.ok("nudge_health")
    await ops.insert(*cases.values())
    nudges = {
        "old_nudge": ("sent", now - timedelta(hours=72) - minute),
        "fresh_nudge": ("sent", now - timedelta(hours=72) + minute),
        "failed_nudge": ("failed", now - timedelta(hours=1)),
    }
    await ops.insert(
        *(
            DemoNudge(order_id=cases[name].id, kind="order", status=status, reason=None, occurred_at=at)
            for name, (status, at) in nudges.items()
        )
    )
    after = await ops.ok("nudge_health")
    stuck = {"old_nudge", "failed_nudge", "just_over"}
    assert after["stuck_deposits_count"] == before["stuck_deposits_count"] + len(stuck)
    assert after["stuck_deposits_amount"] == before["stuck_deposits_amount"] + 3 * Decimal("50.00")
    listed = {int(o["order_id"]) for o in after["stuck_deposits"]}
    assert {cases[name].id for name in stuck} <= listed
    assert not {cases[name].id for name in cases if name not in stuck} & listed
    today = reference.local_today(now, ops.tz)
    assert after["stuck_deposits_count"] == len(reference.nudges(ops.raw, today, today, ops.tz, now)["stuck"])


@pytest.mark.parametrize(("field", "value"), [("range", "custom"), ("range", "week"), ("from", "2026-03-01")])
def test_bad_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        NudgeHealthPayload.model_validate({field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]
