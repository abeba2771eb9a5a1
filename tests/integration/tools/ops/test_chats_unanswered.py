"""chats_unanswered: counts, order and waiting times equal a loop over the raw threads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.storage.demo_models import DemoChatThread
from ownerbot.tools.read.ops.chats_unanswered import ChatsUnansweredPayload
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


async def _check_count_and_threads_match_reference(ops: OpsHarness, threshold_hours: int) -> None:
    expected = reference.unanswered(ops.raw, ops.now, threshold_hours * 60)
    data = await ops.ok("chats_unanswered", {"threshold_hours": threshold_hours, "limit": 50})
    assert data["count"] == len(expected)
    assert data["threshold_hours"] == threshold_hours
    assert [int(t["thread_id"]) for t in data["threads"]] == [t.id for t in expected[:50]]
    for got, thread in zip(data["threads"], expected, strict=False):
        waited = ops.now - thread.last_customer_msg_at
        assert got["waiting_minutes"] == int(waited.total_seconds() // 60)
        assert got["customer_name"] == ops.raw.customers[thread.customer_id].name


async def test_count_and_threads_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    assert reference.unanswered(ops.raw, ops.now, 6 * 60), "the demo has threads waiting over 6 h"
    for threshold_hours in (0, 2, 6, 24, 168):
        await _check_count_and_threads_match_reference(ops, threshold_hours)


async def test_default_threshold_is_two_hours_and_limit_ten(ops: OpsHarness) -> None:
    expected = reference.unanswered(ops.raw, ops.now, 120)
    data = await ops.ok("chats_unanswered")
    assert data["count"] == len(expected)
    assert len(data["threads"]) == min(10, len(expected))


async def test_reply_and_threshold_bounds_are_exact(ops: OpsHarness) -> None:
    """A reply at the very instant of the customer's message answers it; waiting exactly 2 h counts."""
    now = ops.now
    customer = next(iter(ops.raw.customers))
    first_id = max(t.id for t in ops.raw.threads) + 1
    at = now - timedelta(hours=3)

    def thread(offset: int, last_customer: datetime, last_manager: datetime | None) -> DemoChatThread:
        return DemoChatThread(
            id=first_id + offset,
            customer_id=customer,
            order_id=None,
            manager_name="Анна",
            opened_at=last_customer - timedelta(minutes=5),
            last_customer_msg_at=last_customer,
            last_manager_msg_at=last_manager,
            status="open",
        )

    await ops.insert(
        thread(0, at, at),  # answered at the same instant
        thread(1, at, at - timedelta(seconds=1)),  # the customer wrote after the reply
        thread(2, now - timedelta(hours=2), None),  # waiting exactly the threshold
        thread(3, now - timedelta(hours=2) + timedelta(seconds=1), None),  # one second short
    )
    data = await ops.ok("chats_unanswered", {"threshold_hours": 2, "limit": 50})
    listed = {int(t["thread_id"]) for t in data["threads"]}
    assert {first_id + 1, first_id + 2} <= listed
    assert not {first_id, first_id + 3} & listed
    assert data["count"] == len(reference.unanswered(ops.raw, now, 120))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold_hours", -1),
        ("threshold_hours", 169),
        ("limit", 0),
        ("limit", 51),
        ("limit", "ten"),
        ("q", "x"),
    ],
)
def test_bad_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        ChatsUnansweredPayload.model_validate({field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]
