"""orders_search: counts, pages and presets agree with a plain-Python search over the raw rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.storage.demo_models import DemoPayment
from ownerbot.tools.contract import ErrorCode
from ownerbot.tools.read.ops.orders_search import OrdersSearchPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness

FILTERS: list[dict[str, Any]] = [
    {},
    {"preset": "stuck"},
    {"preset": "late_ship"},
    {"preset": "payment_issues"},
    {"preset": "payment_issues", "since_hours": 48},
    {"flagged": True},
    {"flagged": False, "status": "paid"},
    {"status": "cancelled"},
    {"since_hours": 24},
    {"since_hours": 720, "preset": "stuck"},
]


async def _check_count_and_first_page_match_reference(ops: OpsHarness, filters: dict[str, Any]) -> None:
    expected = reference.search(ops.raw, ops.now, **filters)
    data = await ops.ok("orders_search", {**filters, "limit": 50})
    assert data["count"] == len(expected)
    assert [int(item["order_id"]) for item in data["items"]] == expected[:50]
    assert (data["next_cursor"] is None) == (len(expected) <= 50)
    assert data["applied_filters"] == {**filters, "limit": 50}


async def test_count_and_first_page_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for filters in FILTERS:
        await _check_count_and_first_page_match_reference(ops, filters)


async def test_items_carry_masked_phone_amounts_and_problems(ops: OpsHarness) -> None:
    matched = reference.problems(ops.raw, ops.now)
    data = await ops.ok("orders_search", {"preset": "payment_issues", "limit": 30})
    assert data["items"]
    for item in data["items"]:
        order = ops.raw.order(int(item["order_id"]))
        customer = ops.raw.customers[order.customer_id]
        assert item["customer_phone_masked"] == reference.masked(customer.phone)
        assert reference.digits(customer.phone)[:-4] not in item["customer_phone_masked"]
        assert item["total"] == order.total
        assert item["due_now"] == order.due_now
        assert item["currency"] == order.currency
        assert set(item["problems"]) == matched[order.id]


async def test_every_order_matches_exactly_the_reference_presets(ops: OpsHarness) -> None:
    """Each preset's full result set equals the reference, order by order (not only counts)."""
    for preset in ("stuck", "late_ship", "payment_issues"):
        expected = reference.search(ops.raw, ops.now, preset=preset)
        # The demo has orders of every kind of problem; an empty preset would make this vacuous.
        assert expected, preset
        assert await _all_pages(ops, {"preset": preset, "limit": 200}) == expected


async def _check_paging_returns_every_order_exactly_once(ops: OpsHarness, limit: int) -> None:
    filters: dict[str, Any] = {} if limit != 1 else {"preset": "late_ship"}
    expected = reference.search(ops.raw, ops.now, **filters)
    seen = await _all_pages(ops, {**filters, "limit": limit})
    assert len(seen) == len(set(seen))
    assert seen == expected


async def test_paging_returns_every_order_exactly_once(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    for limit in (1, 7, 200):
        await _check_paging_returns_every_order_exactly_once(ops, limit)


async def test_paging_splits_orders_created_in_the_same_second(ops: OpsHarness) -> None:
    """Ties on created_at are broken by id, so a page boundary inside a tie loses or repeats nothing."""
    template = ops.raw.orders[len(ops.raw.orders) // 3]
    await ops.insert(*(ops.order_like(template) for _ in range(5)))
    expected = reference.search(ops.raw, ops.now, status=template.status)
    assert sum(1 for o in ops.raw.orders if o.created_at == template.created_at) >= 6
    for limit in (2, 3):
        assert await _all_pages(ops, {"status": template.status, "limit": limit}) == expected


async def test_preset_boundaries_are_exact(ops: OpsHarness) -> None:
    """One second either side of 6 h unpaid, the ship-due instant and 2 h pending; paid orders' failures."""
    now, second = ops.now, timedelta(seconds=1)
    template = ops.raw.orders[0]
    unpaid = {"status": "awaiting_payment", "payment_stage": "pending", "paid_at": None, "shipped_at": None}
    paid = {"status": "paid", "payment_stage": "fully_paid", "created_at": now - timedelta(days=3)}
    balance = {
        "status": "awaiting_payment",
        "payment_stage": "balance_due",
        "created_at": now - timedelta(days=3),
    }
    cases = {
        "stuck_yes": ops.order_like(template, **unpaid, created_at=now - timedelta(hours=6) - second),
        "stuck_no": ops.order_like(template, **unpaid, created_at=now - timedelta(hours=6)),
        "late_yes": ops.order_like(template, **paid, shipped_at=None, ship_due_at=now - second),
        "late_no": ops.order_like(template, **paid, shipped_at=None, ship_due_at=now),
        "pending_yes": ops.order_like(template, **balance),
        "pending_no": ops.order_like(template, **balance),
        # A failed try is an issue only while the order still waits for money.
        "failed_yes": ops.order_like(template, **balance),
        "failed_no": ops.order_like(template, **paid, shipped_at=now, ship_due_at=now),
    }
    await ops.insert(*cases.values())
    attempts = {
        "pending_yes": ("pending", now - timedelta(hours=2) - second),
        "pending_no": ("pending", now - timedelta(hours=2)),
        "failed_yes": ("failed", now - timedelta(days=2)),
        "failed_no": ("failed", now - timedelta(days=2)),
    }
    await ops.insert(
        *(
            DemoPayment(
                order_id=cases[name].id,
                kind="balance",
                method="card",
                status=status,
                amount=Decimal("10.00"),
                created_at=at,
            )
            for name, (status, at) in attempts.items()
        )
    )
    ids = {name: order.id for name, order in cases.items()}
    checks = (
        ("stuck", "stuck"),
        ("late_ship", "late"),
        ("payment_issues", "pending"),
        ("payment_issues", "failed"),
    )
    for preset, prefix in checks:
        found = set(await _all_pages(ops, {"preset": preset, "limit": 200}))
        assert ids[f"{prefix}_yes"] in found, preset
        assert ids[f"{prefix}_no"] not in found, preset
        assert sorted(found) == sorted(reference.search(ops.raw, now, preset=preset)), preset


async def test_later_pages_keep_the_first_pages_clock(ops: OpsHarness) -> None:
    """A page fetched hours later still answers "as of" the first page: nothing skipped or repeated."""
    first = await ops.ok("orders_search", {"preset": "stuck", "limit": 5})
    later = ops.now + timedelta(hours=12)
    rest = await _all_pages(ops, {"preset": "stuck", "limit": 5}, cursor=first["next_cursor"], now=later)
    expected = reference.search(ops.raw, ops.now, preset="stuck")
    assert [int(i["order_id"]) for i in first["items"]] + rest == expected
    assert reference.search(ops.raw, later, preset="stuck") != expected  # the clock does matter


async def test_q_finds_by_phone_digits_order_id_and_customer_id(ops: OpsHarness) -> None:
    order = ops.raw.orders[len(ops.raw.orders) // 2]
    customer = ops.raw.customers[order.customer_id]
    phone = reference.digits(customer.phone)
    # Owners type phones with their own spacing; only the digits matter.
    typed = f"{phone[:3]} {phone[3:6]}-{phone[6:]}"
    for q in (typed, f"#{order.id}", str(customer.id)):
        expected = reference.search(ops.raw, ops.now, q=q)
        data = await ops.ok("orders_search", {"q": q, "limit": 200})
        assert data["count"] == len(expected), q
        assert [int(i["order_id"]) for i in data["items"]] == expected[:200]
        assert order.id in expected, q


async def test_since_hours_carries_the_window_it_touches(ops: OpsHarness) -> None:
    response = await ops.call("orders_search", {"since_hours": 48})
    assert response.provenance.window is not None
    since_day = reference.local_today(ops.now - timedelta(hours=48), ops.tz)
    assert response.provenance.window.from_ == since_day.isoformat()
    assert response.provenance.window.to == reference.local_today(ops.now, ops.tz).isoformat()
    plain = await ops.call("orders_search", {})
    assert plain.provenance.window is None
    assert plain.status == "ok"
    assert "demo:demo_orders" in plain.provenance.sources


async def test_foreign_cursor_is_a_validation_error_naming_cursor(ops: OpsHarness) -> None:
    response = await ops.call("orders_search", {"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status == "error"
    assert response.error is not None
    assert response.error.code is ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in response.error.details["fields"]] == ["cursor"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("q", ""),
        ("q", "   "),
        ("q", "x" * 101),
        ("status", "lost"),
        ("preset", "burning"),
        ("flagged", "maybe"),
        ("since_hours", 0),
        ("since_hours", 721),
        ("limit", 0),
        ("limit", 201),
        ("cursor", ""),
        ("cursor", "has spaces"),
        ("cursor", "a" * 513),
        ("colour", "red"),
    ],
)
def test_bad_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        OrdersSearchPayload.model_validate({field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_defaults() -> None:
    payload = OrdersSearchPayload.model_validate({})
    assert payload.limit == 20
    assert payload.preset is None


async def _all_pages(
    ops: OpsHarness, payload: dict[str, Any], *, cursor: str | None = None, now: Any = None
) -> list[int]:
    ids: list[int] = []
    for _ in range(10_000):
        page = await ops.ok("orders_search", {**payload, **({"cursor": cursor} if cursor else {})}, now=now)
        ids.extend(int(item["order_id"]) for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("paging did not end")
