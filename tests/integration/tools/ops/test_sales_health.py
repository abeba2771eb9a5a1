"""sales_health: every planted anomaly shows with its true number, and every finding leads somewhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.storage.demo_models import DemoPayment
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.read.ops.sales_health import SEVERITY_ORDER, SalesHealthPayload, method_severity
from ownerbot.tools.validation import validate_payload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


def _planted(ops: OpsHarness, kind: str) -> dict[str, Any]:
    return next(a for a in ops.raw.meta["anomalies"] if a["kind"] == kind)


def _findings(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["code"] == code]


async def test_failing_payment_method_shows_the_planted_rate(ops: OpsHarness) -> None:
    planted = _planted(ops, "payment_method_failing")
    data = await ops.ok("sales_health")
    [finding] = _findings(data, "failing_payment_method")
    assert finding["method"] == planted["method"]
    assert finding["failed"] == planted["recent_failed"]
    assert finding["attempts"] == planted["recent_attempts"]
    assert finding["value"] == reference.pct(planted["recent_failed"], planted["recent_attempts"])
    assert abs(finding["value"] - Decimal(str(planted["recent_fail_rate"])) * 100) < 1
    assert finding["severity"] == "critical"
    assert finding["baseline_failed"] == planted["baseline_failed"]
    assert finding["baseline_attempts"] == planted["baseline_attempts"]
    # And independently of the generator's own bookkeeping:
    stats = reference.payment_failures(ops.raw, ops.now - timedelta(hours=48), ops.now)[planted["method"]]
    assert (finding["attempts"], finding["failed"], finding["pending"]) == (
        stats["attempts"],
        stats["failed"],
        stats["pending"],
    )
    before = reference.payment_failures(ops.raw, ops.now - timedelta(days=16), ops.now - timedelta(hours=48))
    usual = before[planted["method"]]
    assert (finding["baseline_attempts"], finding["baseline_failed"]) == (usual["attempts"], usual["failed"])
    assert finding["baseline_fail_rate_pct"] == reference.pct(usual["failed"], usual["attempts"])
    # Only the planted method burns: the others fail at their usual low rates.
    assert [f["method"] for f in _findings(data, "failing_payment_method")] == [planted["method"]]


async def test_access_spike_shows_the_planted_denials(ops: OpsHarness) -> None:
    planted = _planted(ops, "access_denial_spike")
    data = await ops.ok("sales_health")
    spikes = _findings(data, "access_denial_spike")
    [finding] = [
        f for f in spikes if (f["target_type"], f["target_id"]) == ("look", str(planted["target_id"]))
    ]
    assert finding["value"] == planted["yesterday"] + planted["today"]
    today = reference.local_today(ops.now, ops.tz)
    ref = reference.access(ops.raw, today - timedelta(days=1), today, ops.tz)
    key = ("look", planted["target_id"])
    assert finding["value"] == ref["now"]["target"][key]
    assert finding["baseline_denials"] == ref["base"]["target"][key]
    assert finding["baseline_denials"] == round(planted["baseline_per_day"] * planted["baseline_days"])
    assert finding["spike_factor"] == reference.factor(
        ref["now"]["target"][key], ref["base"]["target"][key], 2
    )
    assert finding["spike_factor"] >= 5
    assert finding["payload"] == {"range": "custom", "from": str(today - timedelta(days=1)), "to": str(today)}


async def test_payment_period_is_the_last_48_hours_up_to_now(ops: OpsHarness) -> None:
    """(now - 48 h, now]: an attempt at exactly now counts, one at exactly 48 h ago does not."""
    now, since = ops.now, ops.now - timedelta(hours=48)
    order = ops.raw.orders[-1].id
    await ops.insert(
        *(
            DemoPayment(
                order_id=order,
                kind="full",
                method="bank_transfer",
                status=status,
                amount=Decimal("1.00"),
                created_at=at,
            )
            for status, at in (("failed", now), ("pending", now), ("failed", since))
        )
    )
    answer = await ops.provider.ops.payment_failures(since, now)
    [stats] = [m for m in answer.by_method if m.method == "bank_transfer"]
    expected = reference.payment_failures(ops.raw, since, now)["bank_transfer"]
    assert (stats.attempts, stats.failed, stats.pending) == (
        expected["attempts"],
        expected["failed"],
        expected["pending"],
    )
    assert sum(1 for p in ops.raw.payments if p.method == "bank_transfer" and p.created_at == since) >= 1
    assert stats.failed >= 1


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("stuck_deposits", "stuck_deposits"),
        ("late_shipping", "late_shipping"),
        ("unanswered_chats", "unanswered_chats_6h"),
    ],
)
async def test_counted_anomalies_show_their_planted_count(ops: OpsHarness, kind: str, code: str) -> None:
    planted = _planted(ops, kind)
    assert planted["count"] > 0
    data = await ops.ok("sales_health")
    [finding] = _findings(data, code)
    assert finding["value"] == planted["count"]
    assert finding["severity"] in ("warning", "critical")


async def test_counts_agree_with_independent_computation(ops: OpsHarness) -> None:
    data = await ops.ok("sales_health")
    values = {f["code"]: f["value"] for f in data["findings"]}
    now = ops.now
    assert values["stuck_orders"] == len(reference.search(ops.raw, now, preset="stuck"))
    assert values["late_shipping"] == len(reference.search(ops.raw, now, preset="late_ship"))
    assert values["payment_issues"] == len(
        reference.search(ops.raw, now, preset="payment_issues", since_hours=48)
    )
    assert values["unanswered_chats_2h"] == len(reference.unanswered(ops.raw, now, 120))
    assert values["unanswered_chats_6h"] == len(reference.unanswered(ops.raw, now, 360))
    today = reference.local_today(now, ops.tz)
    assert values["stuck_deposits"] == len(reference.nudges(ops.raw, today, today, ops.tz, now)["stuck"])
    assert values["out_of_stock"] == len(reference.inventory(ops.raw, 5)["out_of_stock"])


async def test_out_of_stock_counts_the_active_planted_products(ops: OpsHarness) -> None:
    planted = _planted(ops, "out_of_stock")
    active = [pid for pid in planted["product_ids"] if ops.raw.products[pid].status == "ACTIVE"]
    assert active
    data = await ops.ok("sales_health")
    [finding] = _findings(data, "out_of_stock")
    assert finding["value"] == len(active)


async def test_revenue_today_against_the_same_weekday_last_week(ops: OpsHarness) -> None:
    today = reference.local_today(ops.now, ops.tz)

    def gross(day: Any) -> Decimal:
        start, end = reference.day_bounds(day, day, ops.tz)
        return sum(
            (
                p.amount
                for p in ops.raw.payments
                if p.confirmed_at is not None and start <= p.confirmed_at < end
            ),
            Decimal("0.00"),
        )

    data = await ops.ok("sales_health")
    [finding] = _findings(data, "revenue_today")
    assert finding["value"] == gross(today)
    assert finding["same_weekday_last_week"] == gross(today - timedelta(days=7))
    assert finding["last_week_day"] == str(today - timedelta(days=7))
    assert finding["delta_pct"] == reference.pct(
        gross(today) - gross(today - timedelta(days=7)), gross(today - timedelta(days=7))
    )
    assert finding["severity"] == "info"
    assert Decimal(0) < finding["day_elapsed_pct"] < Decimal(100)


async def test_every_finding_leads_to_a_registered_tool_with_a_valid_payload(ops: OpsHarness) -> None:
    registry = default_registry()
    data = await ops.ok("sales_health")
    assert data["findings"]
    for finding in data["findings"]:
        spec = registry.get(finding["tool"])
        assert spec is not None, finding["tool"]
        validate_payload(spec.payload_model, finding["payload"])


async def test_deep_dive_tools_show_the_same_numbers(ops: OpsHarness) -> None:
    data = await ops.ok("sales_health")
    for finding in data["findings"]:
        if finding["tool"] == "orders_search":
            assert (await ops.ok("orders_search", finding["payload"]))["count"] == finding["value"]
        elif finding["tool"] == "chats_unanswered":
            assert (await ops.ok("chats_unanswered", finding["payload"]))["count"] == finding["value"]
        elif finding["tool"] == "inventory_status":
            answer = await ops.ok("inventory_status", finding["payload"])
            assert answer["counts"]["out_of_stock"] == finding["value"]
        elif finding["code"] == "stuck_deposits":
            assert (await ops.ok("nudge_health", finding["payload"]))["stuck_deposits_count"] == finding[
                "value"
            ]
        elif finding["code"] == "access_denial_spike":
            answer = await ops.ok("access_summary", finding["payload"])
            [target] = [t for t in answer["spikes"] if t["target_id"] == finding["target_id"]]
            assert target["denials"] == finding["value"]


async def test_findings_are_sorted_by_severity_and_provenance_is_complete(ops: OpsHarness) -> None:
    response = await ops.call("sales_health")
    assert response.status == "ok", response.error
    ranks = [SEVERITY_ORDER[f["severity"]] for f in response.data["findings"]]
    assert ranks == sorted(ranks)
    assert response.data["burning"] == sum(
        1 for f in response.data["findings"] if f["severity"] in ("critical", "warning")
    )
    assert response.provenance.window is not None
    today = reference.local_today(ops.now, ops.tz)
    assert response.provenance.window.from_ == str(today - timedelta(days=7))
    assert response.provenance.window.to == str(today)
    for source in (
        "demo:demo_orders",
        "demo:demo_payments",
        "demo:demo_access_events",
        "demo:demo_chat_threads",
    ):
        assert source in response.provenance.sources
    assert response.warnings == []


def test_payload_takes_no_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        SalesHealthPayload.model_validate({"days": 1})
    assert [e["loc"][0] for e in caught.value.errors()] == ["days"]


@pytest.mark.parametrize(
    ("failed", "pct", "usual", "severity"),
    [
        (2, "100", "5", "ok"),  # too few failures to mean anything
        (3, "24.99", None, "ok"),  # below the warning share
        (3, "25", None, "warning"),
        (3, "30", "20", "ok"),  # high, but chronic: less than twice the usual share
        (3, "40", "20", "warning"),
        (5, "62.5", "6.9", "critical"),
        (5, "50", None, "critical"),
    ],
)
def test_method_severity_rule(failed: int, pct: str, usual: str | None, severity: str) -> None:
    assert method_severity(failed, Decimal(pct), None if usual is None else Decimal(usual)) == severity
