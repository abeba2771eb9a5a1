"""order_detail: amounts, customer, items, timeline, notes and problems equal the raw rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.tools.contract import ErrorCode
from ownerbot.tools.read.ops.order_detail import OrderDetailPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


def _interesting_orders(raw: reference.Raw) -> list[int]:
    """One order with a failed payment, one with notes, one shipped, one with nudges, one refunded."""
    picks = [
        next(p.order_id for p in raw.payments if p.status == "failed"),
        next(n.order_id for n in raw.notes),
        next(o.id for o in raw.orders if o.shipped_at is not None),
        next(n.order_id for n in raw.nudges if n.order_id is not None),
        next(p.order_id for p in raw.payments if p.refunded_at is not None),
    ]
    return list(dict.fromkeys(picks))


async def test_detail_matches_raw_rows(ops: OpsHarness) -> None:
    matched = reference.problems(ops.raw, ops.now)
    for order_id in _interesting_orders(ops.raw):
        order = ops.raw.order(order_id)
        data = await ops.ok("order_detail", {"order_id": str(order_id)})
        assert data["order_id"] == str(order_id)
        for key in ("status", "payment_plan", "payment_stage", "currency", "coupon_code", "flagged"):
            assert data[key] == getattr(order, key), key
        for key in ("total", "amount_paid", "upfront_due", "due_now", "remaining_due"):
            assert data[key] == getattr(order, key), key
        customer = ops.raw.customers[order.customer_id]
        # Detail shows the full phone: the owner may need to call.
        assert data["customer"] == {
            "customer_id": str(customer.id),
            "name": customer.name,
            "phone": customer.phone,
            "tg_user_id": customer.tg_user_id,
        }
        lines = sorted((i for i in ops.raw.items if i.order_id == order_id), key=lambda i: i.id)
        assert [(x["product_name"], x["qty"], x["line_total"]) for x in data["items"]] == [
            (ops.raw.products[i.product_id].name, i.qty, i.line_total) for i in lines
        ]
        notes = sorted(
            (n for n in ops.raw.notes if n.order_id == order_id), key=lambda n: (n.created_at, n.id)
        )
        assert [n["text"] for n in data["notes"]] == [n.text for n in notes]
        assert set(data["problems"]) == matched[order_id]
        _check_timeline(ops.raw, order_id, data["timeline"])


def _check_timeline(raw: reference.Raw, order_id: int, timeline: list[dict[str, Any]]) -> None:
    order = raw.order(order_id)
    payments = [p for p in raw.payments if p.order_id == order_id]
    expected: Counter[str] = Counter({"created": 1})
    for p in payments:
        if p.status == "failed":
            expected["payment_failed"] += 1
            continue
        expected["payment_requested"] += 1
        expected["payment_confirmed"] += p.confirmed_at is not None
        expected["payment_refunded"] += p.refunded_at is not None
    expected["paid"] += order.paid_at is not None
    expected["shipped"] += order.shipped_at is not None
    for n in raw.nudges:
        if n.order_id == order_id:
            expected[f"nudge_{n.status}"] += 1
    assert Counter(e["kind"] for e in timeline) == +expected
    instants = [e["at"] for e in timeline]
    assert instants == sorted(instants)
    assert timeline[0]["kind"] == "created"


async def test_hash_prefix_and_numbers_are_accepted(ops: OpsHarness) -> None:
    order_id = ops.raw.orders[0].id
    for value in (order_id, f"#{order_id}", f" {order_id} "):
        data = await ops.ok("order_detail", {"order_id": value})
        assert data["order_id"] == str(order_id)


async def _check_missing_order_is_not_found(ops: OpsHarness, missing: str) -> None:
    assert all(str(o.id) != missing for o in ops.raw.orders)
    response = await ops.call("order_detail", {"order_id": missing})
    assert response.status == "error"
    assert response.error is not None
    assert response.error.code is ErrorCode.NOT_FOUND
    assert response.error.details == {"order_id": missing}


async def test_missing_order_is_not_found(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for missing in ("999999999", "ABC-1", "9" * 30):
        await _check_missing_order_is_not_found(ops, missing)


async def test_provenance_is_windowless_with_sources(ops: OpsHarness) -> None:
    response = await ops.call("order_detail", {"order_id": str(ops.raw.orders[0].id)})
    assert response.status == "ok"
    assert response.provenance.window is None
    assert "demo:demo_orders" in response.provenance.sources
    assert "demo:demo_payments" in response.provenance.sources


@pytest.mark.parametrize("value", ["", "#", "12 34", "x" * 65, None, [1], True])
def test_bad_order_ids_name_the_field(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        OrderDetailPayload.model_validate({"order_id": value})
    assert {e["loc"][0] for e in caught.value.errors()} == {"order_id"}


def test_order_id_is_required_and_alone() -> None:
    with pytest.raises(ValidationError) as caught:
        OrderDetailPayload.model_validate({})
    assert [e["loc"][0] for e in caught.value.errors()] == ["order_id"]
    with pytest.raises(ValidationError) as caught:
        OrderDetailPayload.model_validate({"order_id": "1", "id": 2})
    assert [e["loc"][0] for e in caught.value.errors()] == ["id"]
