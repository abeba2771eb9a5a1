"""team_queue_summary: buckets, per-manager load, most overdue threads and the next step."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ownerbot.tools.read.ops.team_queue_summary import TeamQueueSummaryPayload, recommend
from ownerbot.upstream.ops import ChatThreadItem, ManagerQueue, QueueBucket, QueueSummary
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness

LABELS = ("under_2h", "2h_6h", "6h_24h", "over_24h")


def _label(minutes: float) -> str:
    if minutes >= 24 * 60:
        return "over_24h"
    if minutes >= 6 * 60:
        return "6h_24h"
    if minutes >= 2 * 60:
        return "2h_6h"
    return "under_2h"


async def test_buckets_managers_and_overdue_match_reference(ops: OpsHarness) -> None:
    waiting = reference.unanswered(ops.raw, ops.now)
    assert waiting, "the demo has unanswered threads"
    expected = Counter(_label((ops.now - t.last_customer_msg_at).total_seconds() / 60) for t in waiting)
    data = await ops.ok("team_queue_summary")
    assert [b["label"] for b in data["buckets"]] == list(LABELS)
    assert {b["label"]: b["count"] for b in data["buckets"]} == {label: expected[label] for label in LABELS}
    assert data["total_unanswered"] == len(waiting)
    per_manager = Counter(t.manager_name for t in waiting)
    assert {m["manager_name"]: m["count"] for m in data["by_manager"]} == dict(per_manager)
    assert [int(t["thread_id"]) for t in data["most_overdue"]] == [t.id for t in waiting[:5]]
    oldest = waiting[0]
    if expected["over_24h"]:
        assert data["recommendation"]["code"] == "answer_oldest"
        assert data["recommendation"]["params"]["thread_id"] == str(oldest.id)
        assert data["recommendation"]["params"]["over_24h"] == expected["over_24h"]
    else:
        assert data["recommendation"]["code"] in {"rebalance", "answer_overdue", "keep_pace"}


def _thread(thread_id: int, waiting_minutes: int, manager: str | None = "Anna") -> ChatThreadItem:
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    return ChatThreadItem(
        thread_id=str(thread_id),
        customer_id="7",
        customer_name="Vera",
        order_id=None,
        manager_name=manager,
        opened_at=now - timedelta(days=2),
        last_customer_msg_at=now - timedelta(minutes=waiting_minutes),
        last_manager_msg_at=None,
        waiting_minutes=waiting_minutes,
    )


def _summary(counts: tuple[int, int, int, int], managers: dict[str | None, int], oldest: int) -> QueueSummary:
    edges = (0, 120, 360, 1440, None)
    return QueueSummary(
        total_unanswered=sum(counts),
        buckets=tuple(
            QueueBucket(label=label, min_minutes=edges[i] or 0, max_minutes=edges[i + 1], count=counts[i])
            for i, label in enumerate(LABELS)
        ),
        by_manager=tuple(
            ManagerQueue(manager_name=name, count=n, oldest_waiting_minutes=oldest)
            for name, n in managers.items()
        ),
        most_overdue=(_thread(1, oldest),) if sum(counts) else (),
        sources=("demo_chat_threads",),
    )


@pytest.mark.parametrize(
    ("counts", "managers", "oldest", "code"),
    [
        ((0, 0, 0, 0), {}, 0, "queue_clear"),
        ((1, 0, 0, 2), {"Anna": 2, "Ivan": 1}, 1600, "answer_oldest"),
        ((2, 1, 1, 0), {"Anna": 3, "Ivan": 1}, 400, "rebalance"),
        ((1, 1, 0, 0), {"Anna": 1, "Ivan": 1}, 200, "answer_overdue"),
        ((2, 0, 0, 0), {"Anna": 1, "Ivan": 1}, 30, "keep_pace"),
    ],
)
def test_recommendation_follows_its_priority(
    counts: tuple[int, int, int, int], managers: dict[str | None, int], oldest: int, code: str
) -> None:
    assert recommend(_summary(counts, managers, oldest))["code"] == code


def test_payload_takes_no_fields() -> None:
    assert TeamQueueSummaryPayload.model_validate({}) == TeamQueueSummaryPayload()
    with pytest.raises(ValidationError) as caught:
        TeamQueueSummaryPayload.model_validate({"threshold_hours": 2})
    assert [e["loc"][0] for e in caught.value.errors()] == ["threshold_hours"]
