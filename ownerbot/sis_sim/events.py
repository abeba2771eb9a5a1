"""The simulator's events feed (`GET /ownerbot/v1/events`, `SIS_CONTRACT.md` §5), derived from its own rows.

The simulated shop keeps the current state of each order, payment, access grant, reminder, support
thread and price job (the DEMO generator's tables), not a journal; the feed replays that state as the
contract's minimum event set. Each *source* below is one SQL query that yields one event per row; its
timestamp column is when the event happened. Details and the parts of history the rows no longer hold
are in docs/sis-simulator.md ("Events feed").

Order and paging: events are ordered by (occurred_at, event_id) and `event_id` is
`<source prefix>:<zero-padded row id>` (FX failures: `fx_failed:<hash>`, see `fx_failures.py`), so the
order is total and stable across restarts. The cursor is the last (occurred_at, event_id) delivered,
base64url JSON. A page asks every source for at most `limit` rows strictly after the cursor (an indexed
or small sort per source), merges them and keeps the first `limit`: memory is O(sources x limit),
never the whole history. An empty page returns the same cursor, so a poller just keeps it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.sis_sim.fx_failures import FxFailure, FxFailureLog
from ownerbot.storage.catalog_models import CatalogPriceJob
from ownerbot.storage.demo_models import (
    DemoAccessEvent,
    DemoChatThread,
    DemoCustomer,
    DemoNudge,
    DemoOrder,
    DemoPayment,
)

ID_DIGITS = 12
SCHEMA_VERSION = 1
ACCESS_EVENT_NAMES = {
    "granted": "TARGET_ACCESS_GRANTED",
    "denied": "TARGET_ACCESS_DENIED",
    "expired": "TARGET_ACCESS_EXPIRED",
    "renew_offered": "ACCESS_RENEW_OFFERED",
    "renew_completed": "ACCESS_RENEW_COMPLETED",
}
NUDGE_EVENT_NAMES = {
    ("order", "sent"): "AUTO_NUDGE_SENT",
    ("order", "failed"): "AUTO_NUDGE_FAILED",
    ("order", "skipped"): "AUTO_NUDGE_SKIPPED",
    ("digest", "sent"): "AUTO_NUDGE_DIGEST_SENT",
    ("digest", "failed"): "AUTO_NUDGE_DIGEST_FAILED",
    ("digest", "skipped"): "AUTO_NUDGE_DIGEST_SKIPPED",
}
# Every gated target of the simulated shop needs an active paid access (the DEMO rows have no mode).
REQUIRED_MODE = "paid"
# Statuses an order is created in; anything else was reached by a later ORDER_STATUS_CHANGED.
INITIAL_STATUSES = ("new", "awaiting_payment")
TERMINAL_STATUSES = ("delivered", "cancelled")


class InvalidEventCursor(ValueError):
    pass


def encode_cursor(occurred_at: datetime, event_id: str) -> str:
    raw = json.dumps([occurred_at.astimezone(UTC).isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, event_id = json.loads(raw)
        instant = datetime.fromisoformat(when)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidEventCursor(cursor) from None
    if instant.tzinfo is None or not isinstance(event_id, str):
        raise InvalidEventCursor(cursor)
    return instant, event_id


def _event_id(prefix: str, row_id: int) -> str:
    return f"{prefix}:{row_id:0{ID_DIGITS}d}"


def _after(ts: Any, row_id: Any, prefix: str, cursor: tuple[datetime, str] | None) -> ColumnElement[bool]:
    """Rows of one source strictly after the cursor in (occurred_at, event_id) order.

    Prefixes hold no digits, so comparing prefixes orders ids exactly as comparing the id strings does.
    """
    if cursor is None:
        return true()
    at, last_id = cursor
    last_prefix, _, last_num = last_id.partition(":")
    if prefix > last_prefix:
        same_instant: ColumnElement[bool] = true()
    elif prefix < last_prefix:
        same_instant = false()
    else:
        same_instant = row_id > int(last_num or 0)
    return or_(ts > at, and_(ts == at, same_instant))


# -- sources ----------------------------------------------------------------------------------------------

# What a source's builder returns: the envelope fields besides id, name-independent header and time.
Fields = dict[str, Any]


@dataclass(frozen=True)
class _Source:
    """One query → one event per row. `build(row)` gives event_name, subject and the other fields."""

    prefix: str
    occurred_at: Any  # a timestamp column or expression
    row_id: Any  # the row's integer primary key
    select_from: Any
    columns: tuple[Any, ...]
    build: Callable[[Any], Fields]
    where: tuple[ColumnElement[bool], ...] = ()
    join: tuple[Any, ColumnElement[bool]] | None = None

    def keys(self, cursor: tuple[datetime, str] | None, limit: int) -> Select[Any]:
        """The next `limit` (occurred_at, row id) of this source after the cursor: no row is loaded."""
        stmt = select(self.occurred_at.label("at"), self.row_id.label("rid")).select_from(self.select_from)
        return (
            stmt.where(*self.where, _after(self.occurred_at, self.row_id, self.prefix, cursor))
            .order_by(self.occurred_at, self.row_id)
            .limit(limit)
        )

    def rows(self, ids: list[int]) -> Select[Any]:
        """The rows of the events a page keeps, with what `build` reads."""
        stmt = select(self.row_id.label("rid"), *self.columns).select_from(self.select_from)
        if self.join is not None:
            stmt = stmt.join(*self.join)
        return stmt.where(self.row_id.in_(ids))


Ord, Pay, Cust = DemoOrder, DemoPayment, DemoCustomer
# An order's last state change: a cancelled order changed when it was cancelled (its last touch),
# any other when it entered its current payment stage.
ORDER_LAST_CHANGE: ColumnElement[datetime] = case(
    (Ord.status == "cancelled", Ord.updated_at), else_=Ord.stage_changed_at
)
_ORDER_JOIN = (Cust, Cust.id == Ord.customer_id)


def _order_subject(order: DemoOrder, name: str, **properties: Any) -> Fields:
    return {
        "event_name": name,
        "subject_type": "order",
        "subject_id": str(order.id),
        "properties": properties,
    }


def _order_created(row: Any) -> Fields:
    order: DemoOrder = row.DemoOrder
    return _order_subject(
        order,
        "ORDER_CREATED",
        total_amount=str(order.total),
        payment_plan=order.payment_plan,
        payment_method=order.payment_method,
        currency=order.currency,
        status=order.status if order.status in INITIAL_STATUSES else "awaiting_payment",
        customer_id=str(order.customer_id),
        customer_name=row.name,
        coupon_code=order.coupon_code,
    )


def _last_change(order: DemoOrder) -> datetime:
    return order.updated_at if order.status == "cancelled" else order.stage_changed_at


def _snapshot(order: DemoOrder, *, current: bool) -> Fields:
    """ORDER_DUE_SNAPSHOT: the order's money as it stands (`current`) or as it was created."""
    if current:
        stage, paid, due_now, remaining = (
            order.payment_stage,
            order.amount_paid,
            order.due_now,
            order.remaining_due,
        )
        entered = order.stage_changed_at
    else:
        # Every plan starts unpaid with its upfront part due; a deposit plan starts at deposit_due.
        stage = "deposit_due" if order.payment_plan == "deposit" else "pending"
        paid, due_now, remaining = Decimal(0), order.upfront_due, order.total
        entered = order.created_at
    return _order_subject(
        order,
        "ORDER_DUE_SNAPSHOT",
        payment_plan=order.payment_plan,
        payment_stage=stage,
        total_amount=str(order.total),
        amount_paid=str(paid),
        upfront_due=str(order.upfront_due),
        due_now=str(due_now),
        remaining_due=str(remaining),
        currency=order.currency,
        stage_changed_at=entered.astimezone(UTC).isoformat(),
    )


def _snapshot_at_creation(row: Any) -> Fields:
    order: DemoOrder = row.DemoOrder
    # An order that never changed after creation is already in its current state.
    return _snapshot(order, current=_last_change(order) <= order.created_at)


def _snapshot_now(row: Any) -> Fields:
    return _snapshot(row.DemoOrder, current=True)


def _status(to_status: str, from_status: Callable[[DemoOrder], str]) -> Callable[[Any], Fields]:
    def build(row: Any) -> Fields:
        order: DemoOrder = row.DemoOrder
        return _order_subject(
            order, "ORDER_STATUS_CHANGED", from_status=from_status(order), to_status=to_status
        )

    return build


def _terminal_status(row: Any) -> Fields:
    order: DemoOrder = row.DemoOrder
    before = "shipped" if order.shipped_at else ("paid" if order.paid_at else "awaiting_payment")
    return _order_subject(order, "ORDER_STATUS_CHANGED", from_status=before, to_status=order.status)


def _ops_taken(row: Any) -> Fields:
    order: DemoOrder = row.DemoOrder
    due = order.ship_due_at.astimezone(UTC).isoformat() if order.ship_due_at else None
    return _order_subject(order, "OPS_ORDER_TAKEN", ship_due_at=due)


def _ops_closed(row: Any) -> Fields:
    order: DemoOrder = row.DemoOrder
    return _order_subject(order, "OPS_ORDER_CLOSED", outcome=order.status)


def _payment(name: str, **extra: Callable[[DemoPayment], Any]) -> Callable[[Any], Fields]:
    def build(row: Any) -> Fields:
        payment: DemoPayment = row.DemoPayment
        properties = {
            "payment_id": str(payment.id),
            "amount": str(payment.amount),
            "kind": payment.kind,
            "method": payment.method,
            **{key: get(payment) for key, get in extra.items()},
        }
        return {
            "event_name": name,
            "subject_type": "order",
            "subject_id": str(payment.order_id),
            "properties": properties,
        }

    return build


def _access(row: Any) -> Fields:
    access: DemoAccessEvent = row.DemoAccessEvent
    properties: dict[str, Any] = {"customer_id": str(access.customer_id)}
    if access.reason_code:
        properties["reason_code"] = access.reason_code
    if access.event == "denied":
        properties["required_mode"] = REQUIRED_MODE
    if access.amount is not None:
        properties["amount"] = str(access.amount)
    return {
        "event_name": ACCESS_EVENT_NAMES[access.event],
        "subject_type": "customer",
        "subject_id": str(access.customer_id),
        "target_type": access.target_type,
        "target_id": str(access.target_id),
        "action": access.action,
        "properties": properties,
    }


def _nudge(row: Any) -> Fields:
    nudge: DemoNudge = row.DemoNudge
    order_level = nudge.kind == "order" and nudge.order_id is not None
    return {
        "event_name": NUDGE_EVENT_NAMES[(nudge.kind, nudge.status)],
        "subject_type": "order" if order_level else "digest",
        "subject_id": str(nudge.order_id if order_level else nudge.id),
        "properties": {"reason": nudge.reason} if nudge.reason else {},
    }


def _thread(name: str) -> Callable[[Any], Fields]:
    def build(row: Any) -> Fields:
        thread: DemoChatThread = row.DemoChatThread
        return {
            "event_name": name,
            "subject_type": "support_thread",
            "subject_id": str(thread.id),
            "properties": {
                "customer_id": str(thread.customer_id),
                "order_id": None if thread.order_id is None else str(thread.order_id),
                "manager_name": thread.manager_name,
            },
        }

    return build


def _fx_applied(row: Any) -> Fields:
    job: CatalogPriceJob = row.CatalogPriceJob
    fields: Fields = {
        "event_name": "FX_REPRICE_APPLIED",
        "subject_type": "price_job",
        "subject_id": str(job.id),
        "properties": {
            "job_id": job.id,
            "rate_set_id": job.rate_set_id,
            "affected_count": job.affected_count,
            "auto": bool(job.params.get("auto")),
            "forced": bool(job.details.get("forced")),
        },
    }
    if job.actor_id:
        fields["actor_user_id"] = str(job.actor_id)
    return fields


def _fx_failed(failure: FxFailure) -> Fields:
    fields: Fields = {
        "event_name": "FX_REPRICE_FAILED",
        "subject_type": "fx_reprice",
        "subject_id": failure.event_id.partition(":")[2],
        "properties": {
            "operation": failure.operation,
            "error_code": failure.error_code,
            "detail": failure.detail,
        },
    }
    if failure.actor_id:
        fields["actor_user_id"] = str(failure.actor_id)
    return fields


NUDGE_KNOWN = or_(
    *(and_(DemoNudge.kind == kind, DemoNudge.status == status) for kind, status in NUDGE_EVENT_NAMES)
)

SOURCES: tuple[_Source, ...] = (
    _Source("order_created", Ord.created_at, Ord.id, Ord, (Ord, Cust.name), _order_created, join=_ORDER_JOIN),
    _Source("order_due", Ord.created_at, Ord.id, Ord, (Ord,), _snapshot_at_creation),
    _Source(
        "order_due_now",
        ORDER_LAST_CHANGE,
        Ord.id,
        Ord,
        (Ord,),
        _snapshot_now,
        where=(Ord.created_at < ORDER_LAST_CHANGE,),
    ),
    # Status changes at one instant sort paid < shipped < status (delivered/cancelled) by prefix.
    _Source(
        "order_paid",
        Ord.paid_at,
        Ord.id,
        Ord,
        (Ord,),
        _status("paid", lambda _o: "awaiting_payment"),
        where=(Ord.paid_at.is_not(None),),
    ),
    _Source(
        "order_shipped",
        Ord.shipped_at,
        Ord.id,
        Ord,
        (Ord,),
        _status("shipped", lambda _o: "paid"),
        where=(Ord.shipped_at.is_not(None),),
    ),
    _Source(
        "order_status",
        Ord.updated_at,
        Ord.id,
        Ord,
        (Ord,),
        _terminal_status,
        where=(Ord.status.in_(TERMINAL_STATUSES),),
    ),
    # Fulfilment: a shipped-goods order is taken into work when paid and closed when it ends.
    _Source(
        "ops_taken",
        Ord.paid_at,
        Ord.id,
        Ord,
        (Ord,),
        _ops_taken,
        where=(Ord.paid_at.is_not(None), Ord.ship_due_at.is_not(None)),
    ),
    _Source(
        "ops_closed",
        Ord.updated_at,
        Ord.id,
        Ord,
        (Ord,),
        _ops_closed,
        where=(Ord.paid_at.is_not(None), Ord.ship_due_at.is_not(None), Ord.status.in_(TERMINAL_STATUSES)),
    ),
    _Source("payment_attempt", Pay.created_at, Pay.id, Pay, (Pay,), _payment("PAYMENT_REQUESTED")),
    _Source(
        "payment_confirmed",
        Pay.confirmed_at,
        Pay.id,
        Pay,
        (Pay,),
        _payment("PAYMENT_CONFIRMED"),
        where=(Pay.confirmed_at.is_not(None),),
    ),
    _Source(
        "payment_failed",
        Pay.created_at,
        Pay.id,
        Pay,
        (Pay,),
        _payment("PAYMENT_FAILED", reason_code=lambda p: p.failure_reason),
        where=(Pay.status == "failed",),
    ),
    _Source(
        "access",
        DemoAccessEvent.occurred_at,
        DemoAccessEvent.id,
        DemoAccessEvent,
        (DemoAccessEvent,),
        _access,
        where=(DemoAccessEvent.event.in_(tuple(ACCESS_EVENT_NAMES)),),
    ),
    _Source(
        "nudge",
        DemoNudge.occurred_at,
        DemoNudge.id,
        DemoNudge,
        (DemoNudge,),
        _nudge,
        where=(NUDGE_KNOWN,),
    ),
    _Source(
        "support_opened",
        DemoChatThread.opened_at,
        DemoChatThread.id,
        DemoChatThread,
        (DemoChatThread,),
        _thread("SUPPORT_THREAD_OPENED"),
    ),
    _Source(
        "support_reply",
        DemoChatThread.last_manager_msg_at,
        DemoChatThread.id,
        DemoChatThread,
        (DemoChatThread,),
        _thread("SUPPORT_REPLY_SENT"),
        where=(DemoChatThread.last_manager_msg_at.is_not(None),),
    ),
    _Source(
        "fx_applied",
        CatalogPriceJob.created_at,
        CatalogPriceJob.id,
        CatalogPriceJob,
        (CatalogPriceJob,),
        _fx_applied,
        where=(CatalogPriceJob.kind == "reprice",),
    ),
)
SOURCE_TABLES = (
    "demo_orders",
    "demo_customers",
    "demo_payments",
    "demo_access_events",
    "demo_nudges",
    "demo_chat_threads",
    "catalog_price_jobs",
)


class EventFeed:
    """Pages the feed; `fx_failures` (the simulator's in-memory log) adds FX_REPRICE_FAILED."""

    sources = SOURCE_TABLES

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        business_id: str,
        fx_failures: FxFailureLog | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._business_id = business_id
        self._fx_failures = fx_failures

    def _envelope(self, event_id: str, at: datetime, fields: Fields) -> dict[str, Any]:
        event: dict[str, Any] = {
            "event_id": event_id,
            "schema_version": SCHEMA_VERSION,
            "occurred_at": at.astimezone(UTC).isoformat(),
            "business_id": self._business_id,
            "context": {"source": "sis_sim"},
            **fields,
        }
        event["properties"] = {k: v for k, v in event.get("properties", {}).items() if v is not None}
        return event

    async def page(self, after: str | None, limit: int) -> dict[str, Any]:
        cursor = decode_cursor(after) if after else None
        # First the keys of every source, merged; then only the kept rows are loaded and built.
        keys: list[tuple[datetime, str, int, int]] = []  # occurred_at, event_id, source index, row id
        async with self._session_factory() as session:
            for index, source in enumerate(SOURCES):
                for at, rid in await session.execute(source.keys(cursor, limit)):
                    keys.append((at, _event_id(source.prefix, int(rid)), index, int(rid)))
            failures: list[FxFailure] = []
            if self._fx_failures is not None:
                failures = self._fx_failures.after(cursor, limit)
                keys += [(f.occurred_at, f.event_id, -1, i) for i, f in enumerate(failures)]
            keys.sort(key=lambda key: (key[0], key[1]))
            chosen = keys[:limit]
            wanted: dict[int, list[int]] = {}
            for _, _, index, rid in chosen:
                if index >= 0:
                    wanted.setdefault(index, []).append(rid)
            rows: dict[tuple[int, int], Any] = {}
            for index, ids in wanted.items():
                for row in await session.execute(SOURCES[index].rows(ids)):
                    rows[(index, int(row.rid))] = row
        events = []
        for at, event_id, index, rid in chosen:
            fields = _fx_failed(failures[rid]) if index < 0 else SOURCES[index].build(rows[(index, rid)])
            events.append(self._envelope(event_id, at, fields))
        next_cursor = encode_cursor(chosen[-1][0], chosen[-1][1]) if chosen else after
        return {"events": events, "next_cursor": next_cursor}
