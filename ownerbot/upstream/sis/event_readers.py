"""Read models over stored SIS events: funnel, access, renewals and AutoNudge, in the DEMO DTOs.

SIS mode answers these from `sis_events` when the gateway cannot (renewals and nudges have no gateway
endpoint; funnel and access fall back here on a 404). Sources are `("events",)`, which tools show as
`sis:events`. Windows are shop-local days (`DayWindow.utc_bounds`); every model orders events by
`occurred_at`, so the order they arrived in never matters.

Definitions (the DEMO ones, restated for events):

* order state: the latest `ORDER_DUE_SNAPSHOT` of the order (payment_plan, payment_stage, total_amount,
  amount_paid, due_now, remaining_due); it entered its stage at the first snapshot of the current stage
  run (or at `properties.stage_changed_at` when SIS sends it). Cancelled: the latest
  `ORDER_STATUS_CHANGED` says `cancelled`. An order with no snapshot yet is `pending`, nothing due.
* funnel cohort: orders whose `ORDER_CREATED` is in the window, as they stand at `now`.
* access: `TARGET_ACCESS_DENIED` by target/action/`reason_code` against the 14 days before the window,
  expiries and grants in the window. Renewals: offers and completions (revenue = `amount`) in it.
* nudges: `AUTO_NUDGE_SENT|FAILED|SKIPPED` and `AUTO_NUDGE_DIGEST_*` in the window; stuck deposits as of
  `now`: unpaid orders in deposit_due/balance_due with money due, in that stage over 72 h, and no
  `AUTO_NUDGE_SENT` for the order in the last 72 h.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.repositories.sis_events import EventRecord, SisEventRepository
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.ops import (
    ACCESS_BASELINE_DAYS,
    DUE_STAGES,
    NUDGE_QUIET_AFTER,
    UNPAID_STATUSES,
    AccessData,
    AccessTarget,
    DigestStatus,
    DueOrderItem,
    NudgeCounts,
    NudgeHealth,
    ReasonCount,
    RenewalsData,
    RenewalTarget,
    denial_stats,
    ratio,
)
from ownerbot.upstream.sales import (
    PAYMENT_STAGES,
    ZERO,
    DueBucket,
    DueLabel,
    FunnelData,
    StageStats,
    money,
)

EVENTS_SOURCE = "events"
NO_EVENTS_DETAIL = "no SIS events received yet (event ingestion has stored nothing)"

ORDER_EVENTS = ("ORDER_CREATED", "ORDER_DUE_SNAPSHOT", "ORDER_STATUS_CHANGED")
NUDGE_ORDER = {"AUTO_NUDGE_SENT": "sent", "AUTO_NUDGE_FAILED": "failed", "AUTO_NUDGE_SKIPPED": "skipped"}
NUDGE_DIGEST = {
    "AUTO_NUDGE_DIGEST_SENT": "sent",
    "AUTO_NUDGE_DIGEST_FAILED": "failed",
    "AUTO_NUDGE_DIGEST_SKIPPED": "skipped",
}
DUE_BUCKETS: tuple[tuple[DueLabel, int], ...] = (("0-24h", 24), ("1-3d", 72), ("3-7d", 168))
OVERDUE_LABEL: DueLabel = ">7d"
TOP_RENEWAL_TARGETS = 10


def _dec(value: Any) -> Decimal:
    """A decimal-string (or number) amount; anything unreadable counts as zero."""
    if value is None or isinstance(value, bool):
        return ZERO
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _natural(value: str) -> tuple[int, int, str]:
    """Sort ids numerically when they are numbers (as DEMO does), else as text after them."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def _status_of(event: EventRecord) -> str | None:
    props = event.properties
    for key in ("to_status", "status", "new_status"):
        if isinstance(props.get(key), str):
            return str(props[key]).lower()
    return None


@dataclass
class OrderState:
    """An order as its events describe it at the moment of the last one read."""

    order_id: str
    created_at: datetime | None = None
    payment_plan: str = "full"
    payment_stage: str = "pending"
    stage_entered_at: datetime | None = None
    total: Decimal = ZERO
    paid: Decimal = ZERO
    due_now: Decimal = ZERO
    remaining_due: Decimal = ZERO
    status: str | None = None
    customer_name: str = ""
    currency: str | None = None
    has_snapshot: bool = False
    last_nudge_sent_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


def order_states(events: Iterable[EventRecord]) -> dict[str, OrderState]:
    """Fold order events (any order of arrival) into one `OrderState` per order id."""
    states: dict[str, OrderState] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
        if event.subject_type != "order" or not event.subject_id:
            continue
        state = states.setdefault(event.subject_id, OrderState(order_id=event.subject_id))
        props = event.properties
        if isinstance(props.get("customer_name"), str) and props["customer_name"]:
            state.customer_name = props["customer_name"]
        if isinstance(props.get("currency"), str):
            state.currency = props["currency"]
        if event.event_name == "ORDER_CREATED":
            state.created_at = state.created_at or event.occurred_at
            if not state.has_snapshot:
                state.payment_plan = str(props.get("payment_plan") or state.payment_plan)
                state.total = _dec(props.get("total_amount"))
                state.remaining_due = state.total
                state.stage_entered_at = state.stage_entered_at or event.occurred_at
        elif event.event_name == "ORDER_DUE_SNAPSHOT":
            stage = str(props.get("payment_stage") or state.payment_stage)
            if not state.has_snapshot or stage != state.payment_stage or state.stage_entered_at is None:
                state.stage_entered_at = event.occurred_at
            state.stage_entered_at = _instant(props.get("stage_changed_at")) or state.stage_entered_at
            state.has_snapshot = True
            state.payment_stage = stage
            state.payment_plan = str(props.get("payment_plan") or state.payment_plan)
            state.total = _dec(props.get("total_amount"))
            state.paid = _dec(props.get("amount_paid"))
            state.due_now = _dec(props.get("due_now"))
            state.remaining_due = _dec(props.get("remaining_due"))
        elif event.event_name == "ORDER_STATUS_CHANGED":
            state.status = _status_of(event) or state.status
        elif event.event_name == "AUTO_NUDGE_SENT":
            state.last_nudge_sent_at = event.occurred_at
    return states


def _latest(events: Sequence[EventRecord]) -> list[EventRecord]:
    """One event per subject: the newest, ties broken by the greater event_id."""
    best: dict[str, EventRecord] = {}
    for event in events:
        if event.subject_id is None:
            continue
        seen = best.get(event.subject_id)
        if seen is None or (event.occurred_at, event.event_id) > (seen.occurred_at, seen.event_id):
            best[event.subject_id] = event
    return list(best.values())


def _hours(since: datetime, now: datetime) -> Decimal:
    return Decimal(max((now - since) // timedelta(microseconds=1), 0)) / 1_000_000 / 3600


class SisEventReaders:
    """Funnel, access, renewals and nudges computed from `sis_events`."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, currency: str) -> None:
        self._events = SisEventRepository(session_factory)
        self._currency = currency

    async def _ensure_fed(self) -> None:
        # Zeros from an empty table would read as "nothing happened"; say instead that nothing came in.
        if not await self._events.has_events():
            raise ProviderNotSupported(NO_EVENTS_DETAIL)

    # -- funnel -----------------------------------------------------------------------------------------

    async def funnel(self, window: DayWindow, now: datetime) -> FunnelData:
        await self._ensure_fed()
        lo, hi = window.utc_bounds()
        created = [
            e for e in await self._events.between(["ORDER_CREATED"], lo, hi) if e.subject_type == "order"
        ]
        ids = sorted({e.subject_id for e in created if e.subject_id})
        history = await self._events.of_subjects(ORDER_EVENTS, "order", ids, now)
        # `created` too: an order stamped after `now` (clock skew) is still in the cohort, as pending.
        states = order_states([*created, *history])
        live: dict[str, list[OrderState]] = defaultdict(list)
        cancelled = deposit_paid = deposit_dropped = 0
        buckets: dict[DueLabel, list[Decimal]] = defaultdict(list)
        for order_id in ids:
            state = states[order_id]
            if state.cancelled:
                cancelled += 1
            else:
                live[state.payment_stage].append(state)
            if state.payment_plan == "deposit" and state.paid > 0:
                deposit_paid += 1
                if state.cancelled or state.payment_stage != "fully_paid":
                    deposit_dropped += 1
            if not state.cancelled and state.payment_stage != "fully_paid" and state.due_now > 0:
                entered = state.stage_entered_at or now
                buckets[_bucket(_hours(entered, now))].append(state.due_now)
        stages = []
        for stage in PAYMENT_STAGES:
            orders = live.get(stage, [])
            median = None
            if orders and stage != "fully_paid":
                waits = sorted(_hours(o.stage_entered_at or now, now) for o in orders)
                middle = waits[(len(waits) - 1) // 2 : len(waits) // 2 + 1]
                median = money(sum(middle, Decimal(0)) / len(middle))
            stages.append(
                StageStats(
                    stage=stage,
                    orders=len(orders),
                    total=money(sum((o.total for o in orders), ZERO)),
                    paid=money(sum((o.paid for o in orders), ZERO)),
                    due_now=money(sum((o.due_now for o in orders), ZERO)),
                    remaining_due=money(sum((o.remaining_due for o in orders), ZERO)),
                    median_hours_in_stage=median,
                )
            )
        labels: list[DueLabel] = [label for label, _ in DUE_BUCKETS] + [OVERDUE_LABEL]
        return FunnelData(
            start=window.start,
            end=window.end,
            as_of=now,
            currency=self._currency,
            orders_created=len(ids),
            cancelled=cancelled,
            stages=tuple(stages),
            due_buckets=tuple(
                DueBucket(label=label, orders=len(buckets[label]), due_now=money(sum(buckets[label], ZERO)))
                for label in labels
            ),
            deposit_paid=deposit_paid,
            deposit_dropped=deposit_dropped,
            sources=(EVENTS_SOURCE,),
        )

    # -- access and renewals ----------------------------------------------------------------------------

    async def access(self, window: DayWindow) -> AccessData:
        await self._ensure_fed()
        start, end = window.utc_bounds()
        base_start = DayWindow(
            window.start - timedelta(days=ACCESS_BASELINE_DAYS), window.start - timedelta(days=1), window.tz
        ).utc_bounds()[0]
        denials = await self._events.between(["TARGET_ACCESS_DENIED"], base_start, end)
        others = await self._events.between(["TARGET_ACCESS_EXPIRED", "TARGET_ACCESS_GRANTED"], start, end)
        scale = Decimal(ACCESS_BASELINE_DAYS) / window.n_days

        def factor(now_count: int, base_count: int) -> Decimal | None:
            return ratio(now_count * scale, base_count)

        names: dict[tuple[str, str], str] = {}
        per: dict[str, dict[Any, list[int]]] = {"target": {}, "action": {}, "reason": {}}
        for event in denials:
            target = _target(event, names)
            slot = 0 if event.occurred_at >= start else 1
            reason = event.properties.get("reason_code")
            for group, key in (
                ("target", target),
                ("action", event.action or "unknown"),
                ("reason", str(reason) if reason else "unknown"),
            ):
                per[group].setdefault(key, [0, 0])[slot] += 1
        expiries: dict[tuple[str, str], int] = defaultdict(int)
        grants = 0
        for event in others:
            if event.event_name == "TARGET_ACCESS_EXPIRED":
                expiries[_target(event, names)] += 1
            else:
                grants += 1
        targets = []
        for key in set(per["target"]) | set(expiries):
            now_count, base_count = per["target"].get(key, [0, 0])
            targets.append(
                AccessTarget(
                    target_type=key[0],
                    target_id=key[1],
                    name=names.get(key),
                    denials=now_count,
                    baseline_denials=base_count,
                    spike_factor=factor(now_count, base_count),
                    expiries=expiries.get(key, 0),
                )
            )
        targets.sort(key=lambda t: (-t.denials, -t.expiries, t.target_type, _natural(t.target_id)))
        total_now = sum(c[0] for c in per["action"].values())
        total_base = sum(c[1] for c in per["action"].values())
        return AccessData(
            window_days=window.n_days,
            baseline_days=ACCESS_BASELINE_DAYS,
            denials_total=total_now,
            baseline_denials_total=total_base,
            spike_factor=factor(total_now, total_base),
            by_target=tuple(targets),
            by_action=denial_stats(per["action"], factor),
            by_reason=denial_stats(per["reason"], factor),
            expiries_total=sum(expiries.values()),
            grants_total=grants,
            sources=(EVENTS_SOURCE,),
        )

    async def renewals(self, window: DayWindow) -> RenewalsData:
        await self._ensure_fed()
        start, end = window.utc_bounds()
        events = await self._events.between(["ACCESS_RENEW_OFFERED", "ACCESS_RENEW_COMPLETED"], start, end)
        names: dict[tuple[str, str], str] = {}
        per: dict[tuple[str, str], list[Any]] = {}
        for event in events:
            entry = per.setdefault(_target(event, names), [0, 0, ZERO])
            if event.event_name == "ACCESS_RENEW_OFFERED":
                entry[0] += 1
            else:
                entry[1] += 1
                entry[2] += _dec(event.properties.get("amount"))
        targets = sorted(
            (
                RenewalTarget(
                    target_type=key[0],
                    target_id=key[1],
                    name=names.get(key),
                    offers=offers,
                    completions=completions,
                    revenue=money(revenue),
                )
                for key, (offers, completions, revenue) in per.items()
            ),
            key=lambda t: (-t.revenue, -t.completions, -t.offers, t.target_type, _natural(t.target_id)),
        )
        offers = sum(t.offers for t in targets)
        completions = sum(t.completions for t in targets)
        return RenewalsData(
            offers=offers,
            completions=completions,
            conversion_pct=ratio(completions, offers, scale=100),
            revenue=money(sum((t.revenue for t in targets), ZERO)),
            currency=self._currency,
            top_targets=tuple(targets[:TOP_RENEWAL_TARGETS]),
            sources=(EVENTS_SOURCE,),
        )

    # -- AutoNudge --------------------------------------------------------------------------------------

    async def nudges(self, window: DayWindow, now: datetime, *, list_limit: int = 10) -> NudgeHealth:
        await self._ensure_fed()
        start, end = window.utc_bounds()
        in_window = await self._events.between([*NUDGE_ORDER, *NUDGE_DIGEST], start, end)
        order_counts: dict[str, int] = defaultdict(int)
        digest_counts: dict[str, int] = defaultdict(int)
        reasons: dict[tuple[str, str | None], int] = defaultdict(int)
        for event in in_window:
            if event.event_name in NUDGE_ORDER:
                status = NUDGE_ORDER[event.event_name]
                order_counts[status] += 1
                if status != "sent":
                    raw = event.properties.get("reason") or event.properties.get("reason_code")
                    reasons[(status, str(raw) if raw else None)] += 1
            else:
                digest_counts[NUDGE_DIGEST[event.event_name]] += 1
        last_digest = await self._events.last_of(NUDGE_DIGEST, now)

        quiet_since = now - NUDGE_QUIET_AFTER
        latest = _latest(await self._events.latest_per_subject("ORDER_DUE_SNAPSHOT", "order", now))
        candidates = [
            e.subject_id
            for e in latest
            if e.subject_id
            and e.properties.get("payment_stage") in DUE_STAGES
            and _dec(e.properties.get("due_now")) > 0
        ]
        history = await self._events.of_subjects([*ORDER_EVENTS, "AUTO_NUDGE_SENT"], "order", candidates, now)
        wanted = set(candidates)
        stuck = [
            state
            for state in order_states(history).values()
            if state.order_id in wanted
            and (state.status is None or state.status in UNPAID_STATUSES)
            and state.payment_stage in DUE_STAGES
            and state.due_now > 0
            and state.stage_entered_at is not None
            and state.stage_entered_at < quiet_since
            and (state.last_nudge_sent_at is None or state.last_nudge_sent_at < quiet_since)
        ]
        stuck.sort(key=lambda s: (s.stage_entered_at or now, _natural(s.order_id)))
        return NudgeHealth(
            order_nudges=_counts(order_counts),
            reasons=tuple(
                sorted(
                    (ReasonCount(status=s, reason=r, count=n) for (s, r), n in reasons.items()),
                    key=lambda rc: (-rc.count, rc.status, rc.reason or ""),
                )
            ),
            digest=DigestStatus(
                counts=_counts(digest_counts),
                last_status=None if last_digest is None else NUDGE_DIGEST[last_digest.event_name],
                last_at=None if last_digest is None else last_digest.occurred_at,
            ),
            stuck_deposits_count=len(stuck),
            stuck_deposits_amount=money(sum((s.due_now for s in stuck), ZERO)),
            stuck_deposits=tuple(
                DueOrderItem(
                    order_id=s.order_id,
                    payment_plan=s.payment_plan,
                    payment_stage=s.payment_stage,
                    stage_changed_at=s.stage_entered_at or now,
                    hours_in_stage=int((now - (s.stage_entered_at or now)).total_seconds() // 3600),
                    due_now=money(s.due_now),
                    currency=s.currency or self._currency,
                    customer_name=s.customer_name,
                    last_nudge_at=s.last_nudge_sent_at,
                )
                for s in stuck[:list_limit]
            ),
            currency=self._currency,
            sources=(EVENTS_SOURCE,),
        )


def _bucket(hours: Decimal) -> DueLabel:
    for label, upper in DUE_BUCKETS:
        if hours < upper:
            return label
    return OVERDUE_LABEL


def _target(event: EventRecord, names: dict[tuple[str, str], str]) -> tuple[str, str]:
    key = (event.target_type or "unknown", event.target_id or "")
    name = event.properties.get("target_name") or event.properties.get("name")
    if isinstance(name, str) and name and key not in names:
        names[key] = name
    return key


def _counts(counts: dict[str, int]) -> NudgeCounts:
    return NudgeCounts(
        sent=counts.get("sent", 0), failed=counts.get("failed", 0), skipped=counts.get("skipped", 0)
    )
