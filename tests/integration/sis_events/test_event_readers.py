"""Read models from events, checked against a plain-Python computation over the same events.

A seeded shop history (orders with payment snapshots and cancellations, access, renewals, AutoNudge,
plus unknown names, duplicates and events after `now`) is stored shuffled — out of order — then every
reader's answer is compared with a straightforward recomputation written independently here.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from ownerbot.domain.windows import DayWindow
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.sis.event_readers import SisEventReaders
from ownerbot.upstream.sis.events import EventSink
from tests.integration.sis_events.conftest import envelope

TZ = "Europe/Berlin"
NOW = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)
WINDOW = DayWindow(date(2026, 3, 1), date(2026, 3, 14), TZ)
HISTORY_START = datetime(2026, 1, 20, tzinfo=UTC)
CENT = Decimal("0.01")
STAGE_PATHS = {
    "full": ["pending", "fully_paid"],
    "deposit": ["deposit_due", "balance_due", "fully_paid"],
    "preorder": ["preorder", "fully_paid"],
}


def c(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Ev:
    """The test's own view of an event (independent of the production parser)."""

    event_id: str
    name: str
    at: datetime
    subject: str
    target: tuple[str, str] | None
    action: str | None
    props: dict[str, Any]


def shop_history(seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    span = int((NOW + timedelta(hours=30) - HISTORY_START).total_seconds())
    out: list[dict[str, Any]] = []
    n = 0

    def add(name: str, at: datetime, **kw: Any) -> None:
        nonlocal n
        n += 1
        out.append(envelope(f"ev-{n:05d}", name, at, **kw))

    def moment(after: datetime | None = None) -> datetime:
        base = after or HISTORY_START
        left = int((HISTORY_START + timedelta(seconds=span) - base).total_seconds())
        return base + timedelta(seconds=rng.randint(60, max(120, left)))

    for order in range(1, 161):
        oid = str(order)
        plan = rng.choice(["full", "deposit", "preorder"])
        total = Decimal(rng.randint(1000, 30000)) / 100
        created = moment()
        add("ORDER_CREATED", created, subject=("order", oid), total_amount=str(total), payment_plan=plan)
        at = created
        path = STAGE_PATHS[plan]
        steps = rng.randint(0, len(path) + 1)  # may repeat the last stage (a snapshot without a change)
        for k in range(steps):
            stage = path[min(k, len(path) - 1)]
            at = at + timedelta(hours=rng.randint(1, 200))
            paid = (
                total
                if stage == "fully_paid"
                else (c(total * Decimal("0.3")) if stage == "balance_due" else Decimal(0))
            )
            due = (
                Decimal(0)
                if stage == "fully_paid"
                else (c(total * Decimal("0.3")) if stage == "deposit_due" else total - paid)
            )
            if stage == "preorder":
                due = Decimal(0)
            add(
                "ORDER_DUE_SNAPSHOT",
                at,
                subject=("order", oid),
                payment_plan=plan,
                payment_stage=stage,
                total_amount=str(total),
                amount_paid=str(paid),
                due_now=str(due),
                remaining_due=str(total - paid),
                customer_name=f"Customer {oid}",
            )
        if rng.random() < 0.12:
            add(
                "ORDER_STATUS_CHANGED",
                at + timedelta(hours=rng.randint(1, 48)),
                subject=("order", oid),
                to_status="cancelled",
            )
        elif rng.random() < 0.2:
            add(
                "ORDER_STATUS_CHANGED",
                at + timedelta(hours=1),
                subject=("order", oid),
                to_status="awaiting_payment",
            )
        for _ in range(rng.randint(0, 3)):
            status = rng.choice(["SENT", "SENT", "FAILED", "SKIPPED"])
            reason = None if status == "SENT" else rng.choice(["no_chat", "quiet_hours", None])
            nudge_props = {} if reason is None else {"reason": reason}
            add(f"AUTO_NUDGE_{status}", moment(created), subject=("order", oid), **nudge_props)
    for _ in range(30):
        add(
            f"AUTO_NUDGE_DIGEST_{rng.choice(['SENT', 'FAILED', 'SKIPPED'])}",
            moment(),
            subject=("business", "1"),
        )
    targets = [("product", str(i)) for i in range(1, 8)] + [("look", str(i)) for i in range(1, 4)]
    for i in range(700):
        target = rng.choice(targets)
        kind = rng.choices(
            [
                "TARGET_ACCESS_DENIED",
                "TARGET_ACCESS_EXPIRED",
                "TARGET_ACCESS_GRANTED",
                "ACCESS_RENEW_OFFERED",
                "ACCESS_RENEW_COMPLETED",
            ],
            weights=[5, 2, 2, 2, 1],
        )[0]
        props: dict[str, Any] = {}
        if kind == "TARGET_ACCESS_DENIED":
            props["reason_code"] = rng.choice(["no_access", "expired", "mode_required"])
            props["required_mode"] = "paid"
        if kind == "ACCESS_RENEW_COMPLETED":
            props["amount"] = str(Decimal(rng.randint(500, 5000)) / 100)
        if i % 50 == 0:
            props["target_name"] = f"{target[0]} {target[1]}"
        add(
            kind,
            moment(),
            subject=("customer", str(rng.randint(1, 40))),
            target=target,
            action=rng.choice(["view", "buy", "content"]),
            **props,
        )
    for i in range(25):
        add("SOMETHING_SIS_ADDED_LATER", moment(), subject=("order", str(i + 1)), payment_stage="fully_paid")
    return out


def as_evs(raw: list[dict[str, Any]]) -> list[Ev]:
    known = [e for e in raw if not e["event_name"].startswith("SOMETHING")]
    return [
        Ev(
            e["event_id"],
            e["event_name"],
            datetime.fromisoformat(e["occurred_at"]),
            e["subject_id"],
            (e["target_type"], e["target_id"]) if "target_type" in e else None,
            e.get("action"),
            e["properties"],
        )
        for e in known
    ]


@pytest.fixture(params=["shuffled", "newest_first"])
async def readers(
    request: pytest.FixtureRequest, sink: EventSink, session_factory: Any
) -> tuple[SisEventReaders, list[Ev]]:
    """The history stored out of order: shuffled batches with repeats, or one by one newest first."""
    raw = shop_history()
    if request.param == "shuffled":
        shuffled = list(raw)
        random.Random(3).shuffle(shuffled)
        for start in range(0, len(shuffled), 97):
            batch = shuffled[start : start + 97]
            await sink.accept(batch + batch[:5], channel="pull", strict=False)
    else:
        newest_first = sorted(raw, key=lambda e: e["occurred_at"], reverse=True)
        for start in range(0, len(newest_first), 10):
            await sink.accept(newest_first[start : start + 10], channel="push", strict=True)
    return SisEventReaders(session_factory, currency="EUR"), as_evs(raw)


# -- the independent computations -----------------------------------------------------------------------


def in_window(at: datetime) -> bool:
    lo, hi = WINDOW.utc_bounds()
    return lo <= at < hi


def order_view(evs: list[Ev], oid: str) -> dict[str, Any]:
    mine = sorted(
        (e for e in evs if e.subject == oid and e.at <= NOW and e.target is None),
        key=lambda e: (e.at, e.event_id),
    )
    created = next(e for e in mine if e.name == "ORDER_CREATED")
    snaps = [e for e in mine if e.name == "ORDER_DUE_SNAPSHOT"]
    statuses = [e for e in mine if e.name == "ORDER_STATUS_CHANGED"]
    view: dict[str, Any] = {"status": statuses[-1].props["to_status"] if statuses else None}
    if not snaps:
        total = Decimal(created.props["total_amount"])
        view.update(
            stage="pending",
            plan=created.props["payment_plan"],
            total=total,
            paid=Decimal(0),
            due=Decimal(0),
            remaining=total,
            entered=created.at,
        )
        return view
    last = snaps[-1]
    entered = last.at
    for snap in reversed(snaps):  # walk back over the trailing run of the same stage
        if snap.props["payment_stage"] != last.props["payment_stage"]:
            break
        entered = snap.at
    view.update(
        stage=last.props["payment_stage"],
        plan=last.props["payment_plan"],
        total=Decimal(last.props["total_amount"]),
        paid=Decimal(last.props["amount_paid"]),
        due=Decimal(last.props["due_now"]),
        remaining=Decimal(last.props["remaining_due"]),
        entered=entered,
        customer=last.props["customer_name"],
    )
    return view


def wait_hours(since: datetime) -> Decimal:
    return Decimal((NOW - since).total_seconds()) / 3600


async def test_funnel_matches_a_plain_recomputation(readers: tuple[SisEventReaders, list[Ev]]) -> None:
    reader, evs = readers
    funnel = await reader.funnel(WINDOW, NOW)
    cohort = sorted({e.subject for e in evs if e.name == "ORDER_CREATED" and in_window(e.at)})
    views = {oid: order_view(evs, oid) for oid in cohort}
    assert funnel.orders_created == len(cohort) > 20
    assert funnel.cancelled == sum(v["status"] == "cancelled" for v in views.values()) > 0
    live = [v for v in views.values() if v["status"] != "cancelled"]
    for stats in funnel.stages:
        mine = [v for v in live if v["stage"] == stats.stage]
        assert stats.orders == len(mine), stats.stage
        assert stats.total == c(sum((v["total"] for v in mine), Decimal(0)))
        assert stats.paid == c(sum((v["paid"] for v in mine), Decimal(0)))
        assert stats.due_now == c(sum((v["due"] for v in mine), Decimal(0)))
        assert stats.remaining_due == c(sum((v["remaining"] for v in mine), Decimal(0)))
        if stats.stage == "fully_paid" or not mine:
            assert stats.median_hours_in_stage is None
        else:
            waits = sorted(wait_hours(v["entered"]) for v in mine)
            mid = len(waits) // 2
            median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
            assert stats.median_hours_in_stage == c(median), stats.stage
    bounds = [("0-24h", 0, 24), ("1-3d", 24, 72), ("3-7d", 72, 168), (">7d", 168, 10**9)]
    for bucket, (label, low, high) in zip(funnel.due_buckets, bounds, strict=True):
        mine = [
            v
            for v in live
            if v["stage"] != "fully_paid" and v["due"] > 0 and low <= wait_hours(v["entered"]) < high
        ]
        assert (bucket.label, bucket.orders, bucket.due_now) == (
            label,
            len(mine),
            c(sum((v["due"] for v in mine), Decimal(0))),
        )
    deposits = [v for v in views.values() if v["plan"] == "deposit" and v["paid"] > 0]
    assert funnel.deposit_paid == len(deposits)
    assert funnel.deposit_dropped == sum(
        v["status"] == "cancelled" or v["stage"] != "fully_paid" for v in deposits
    )
    assert funnel.sources == ("events",)


async def test_access_matches_a_plain_recomputation(readers: tuple[SisEventReaders, list[Ev]]) -> None:
    reader, evs = readers
    access = await reader.access(WINDOW)
    base_lo = DayWindow(date(2026, 2, 15), date(2026, 2, 28), TZ).utc_bounds()[0]
    lo, hi = WINDOW.utc_bounds()
    denied_now = [e for e in evs if e.name == "TARGET_ACCESS_DENIED" and lo <= e.at < hi]
    denied_base = [e for e in evs if e.name == "TARGET_ACCESS_DENIED" and base_lo <= e.at < lo]
    assert access.denials_total == len(denied_now) > 0
    assert access.baseline_denials_total == len(denied_base) > 0
    expected_factor = c(Decimal(len(denied_now)) * 14 / 14 / len(denied_base))
    assert access.spike_factor == expected_factor
    assert {s.key: (s.denials, s.baseline_denials) for s in access.by_reason} == {
        k: (
            Counter(e.props["reason_code"] for e in denied_now)[k],
            Counter(e.props["reason_code"] for e in denied_base)[k],
        )
        for k in {e.props["reason_code"] for e in denied_now + denied_base}
    }
    assert {s.key: s.denials for s in access.by_action} == {
        k: n for k, n in Counter(e.action for e in denied_now).items()
    } | {s.key: 0 for s in access.by_action if s.denials == 0}
    expired = Counter(e.target for e in evs if e.name == "TARGET_ACCESS_EXPIRED" and lo <= e.at < hi)
    assert access.expiries_total == sum(expired.values())
    assert access.grants_total == sum(1 for e in evs if e.name == "TARGET_ACCESS_GRANTED" and lo <= e.at < hi)
    per_target = {(t.target_type, t.target_id): (t.denials, t.expiries) for t in access.by_target}
    denied_by_target = Counter(e.target for e in denied_now)
    for key, (denials, expiries) in per_target.items():
        assert (denials, expiries) == (denied_by_target[key], expired[key])
    assert [t.denials for t in access.by_target] == sorted(
        (t.denials for t in access.by_target), reverse=True
    )
    assert any(t.name for t in access.by_target)  # `target_name` from the events is shown


async def test_renewals_match_a_plain_recomputation(readers: tuple[SisEventReaders, list[Ev]]) -> None:
    reader, evs = readers
    renewals = await reader.renewals(WINDOW)
    offers = [e for e in evs if e.name == "ACCESS_RENEW_OFFERED" and in_window(e.at)]
    done = [e for e in evs if e.name == "ACCESS_RENEW_COMPLETED" and in_window(e.at)]
    revenue = sum((Decimal(e.props["amount"]) for e in done), Decimal(0))
    assert (renewals.offers, renewals.completions) == (len(offers), len(done))
    assert renewals.revenue == c(revenue) > 0
    assert renewals.conversion_pct == c(Decimal(len(done)) * 100 / len(offers))
    by_target: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in done:
        assert e.target is not None
        by_target[e.target] += Decimal(e.props["amount"])
    top = renewals.top_targets[0]
    assert top.revenue == c(max(by_target.values()))
    assert renewals.sources == ("events",) and renewals.currency == "EUR"


async def test_nudges_match_a_plain_recomputation(readers: tuple[SisEventReaders, list[Ev]]) -> None:
    reader, evs = readers
    health = await reader.nudges(WINDOW, NOW, list_limit=5)
    nudges = [
        e for e in evs if e.name.startswith("AUTO_NUDGE_") and "DIGEST" not in e.name and in_window(e.at)
    ]
    counts = Counter(e.name.removeprefix("AUTO_NUDGE_").lower() for e in nudges)
    assert (health.order_nudges.sent, health.order_nudges.failed, health.order_nudges.skipped) == (
        counts["sent"],
        counts["failed"],
        counts["skipped"],
    )
    reasons = Counter(
        (e.name.removeprefix("AUTO_NUDGE_").lower(), e.props.get("reason"))
        for e in nudges
        if e.name != "AUTO_NUDGE_SENT"
    )
    assert {(r.status, r.reason): r.count for r in health.reasons} == dict(reasons)
    digests = [e for e in evs if e.name.startswith("AUTO_NUDGE_DIGEST_")]
    digest_counts = Counter(e.name.rsplit("_", 1)[1].lower() for e in digests if in_window(e.at))
    assert health.digest.counts.sent == digest_counts["sent"]
    assert health.digest.counts.failed == digest_counts["failed"]
    last = max((e for e in digests if e.at <= NOW), key=lambda e: (e.at, e.event_id))
    assert (health.digest.last_status, health.digest.last_at) == (
        last.name.rsplit("_", 1)[1].lower(),
        last.at,
    )

    quiet = NOW - timedelta(hours=72)
    stuck = []
    for oid in sorted({e.subject for e in evs if e.name == "ORDER_CREATED" and e.at <= NOW}):
        v = order_view(evs, oid)
        sent = [e.at for e in evs if e.name == "AUTO_NUDGE_SENT" and e.subject == oid and e.at <= NOW]
        if (
            v["status"] in (None, "new", "awaiting_payment")
            and v["stage"] in ("deposit_due", "balance_due")
            and v["due"] > 0
            and v["entered"] < quiet
            and not any(at >= quiet for at in sent)
        ):
            stuck.append((v["entered"], int(oid), v, max(sent, default=None)))
    stuck.sort(key=lambda s: (s[0], s[1]))
    assert health.stuck_deposits_count == len(stuck) > 0
    assert health.stuck_deposits_amount == c(sum((s[2]["due"] for s in stuck), Decimal(0)))
    assert [
        (i.order_id, i.stage_changed_at, i.due_now, i.customer_name, i.last_nudge_at)
        for i in health.stuck_deposits
    ] == [
        (str(oid), entered, c(v["due"]), v["customer"], last_sent) for entered, oid, v, last_sent in stuck[:5]
    ]


async def test_no_events_yet_is_not_supported_rather_than_zeros(session_factory: Any) -> None:
    reader = SisEventReaders(session_factory, currency="EUR")
    with pytest.raises(ProviderNotSupported, match="no SIS events"):
        await reader.renewals(WINDOW)
    with pytest.raises(ProviderNotSupported):
        await reader.nudges(WINDOW, NOW)


async def test_an_order_stamped_after_now_still_counts_as_pending(
    sink: EventSink, session_factory: Any
) -> None:
    """SIS's clock ahead of ours: the order is in today's cohort, pending, though `now` is earlier."""
    later = NOW + timedelta(hours=2)  # still 2026-03-14 in Berlin
    await sink.accept(
        [envelope("late-1", "ORDER_CREATED", later, subject=("order", "900"), total_amount="12.50")],
        channel="push",
        strict=True,
    )
    funnel = await SisEventReaders(session_factory, currency="EUR").funnel(WINDOW, NOW)
    assert funnel.orders_created == 1
    pending = next(s for s in funnel.stages if s.stage == "pending")
    assert (pending.orders, pending.total, pending.remaining_due) == (1, Decimal("12.50"), Decimal("12.50"))
    assert pending.median_hours_in_stage == Decimal("0.00")  # waited zero, not a negative time
