"""A simple events feed (`GET /ownerbot/v1/events`) derived from the simulator's own rows.

Sources: orders (`ORDER_CREATED`), payments (`PAYMENT_CONFIRMED` at `confirmed_at`, `PAYMENT_FAILED` at
`created_at`), access rows (`TARGET_ACCESS_GRANTED|DENIED|EXPIRED`, `ACCESS_RENEW_OFFERED|COMPLETED`).
Events are ordered by (occurred_at, event_id); `event_id` is `<kind>:<zero-padded row id>`, so the
order is total and the cursor — the last (occurred_at, event_id) delivered, base64url JSON — resumes
exactly after it. An empty page returns the same cursor, so a poller just keeps it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.demo_models import DemoAccessEvent, DemoOrder, DemoPayment

ID_DIGITS = 12
ACCESS_EVENT_NAMES = {
    "granted": "TARGET_ACCESS_GRANTED",
    "denied": "TARGET_ACCESS_DENIED",
    "expired": "TARGET_ACCESS_EXPIRED",
    "renew_offered": "ACCESS_RENEW_OFFERED",
    "renew_completed": "ACCESS_RENEW_COMPLETED",
}


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


@dataclass(frozen=True)
class _Source:
    prefix: str  # event_id prefix; also the tie-break order between sources at the same instant


def _event_id(prefix: str, row_id: int) -> str:
    return f"{prefix}:{row_id:0{ID_DIGITS}d}"


def _after(ts: Any, row_id: Any, prefix: str, cursor: tuple[datetime, str] | None) -> ColumnElement[bool]:
    """Rows of one source strictly after the cursor in (occurred_at, event_id) order."""
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


class EventFeed:
    sources = ("demo_orders", "demo_payments", "demo_access_events")

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, business_id: str) -> None:
        self._session_factory = session_factory
        self._business_id = business_id

    def _event(
        self, name: str, prefix: str, row_id: int, at: datetime, subject: tuple[str, str], **extra: Any
    ) -> dict[str, Any]:
        return {
            "event_id": _event_id(prefix, row_id),
            "event_name": name,
            "schema_version": 1,
            "occurred_at": at.astimezone(UTC).isoformat(),
            "business_id": self._business_id,
            "subject_type": subject[0],
            "subject_id": subject[1],
            "context": {},
            **extra,
        }

    async def page(self, after: str | None, limit: int) -> dict[str, Any]:
        cursor = decode_cursor(after) if after else None
        found: list[tuple[datetime, str, dict[str, Any]]] = []
        async with self._session_factory() as session:
            orders = await session.execute(
                select(DemoOrder.id, DemoOrder.created_at, DemoOrder.total, DemoOrder.payment_plan)
                .where(_after(DemoOrder.created_at, DemoOrder.id, "order_created", cursor))
                .order_by(DemoOrder.created_at, DemoOrder.id)
                .limit(limit)
            )
            for oid, at, total, plan in orders:
                event = self._event(
                    "ORDER_CREATED",
                    "order_created",
                    oid,
                    at,
                    ("order", str(oid)),
                    properties={"total_amount": str(total), "payment_plan": plan},
                )
                found.append((at, event["event_id"], event))
            confirmed = await session.execute(
                select(DemoPayment.id, DemoPayment.order_id, DemoPayment.confirmed_at, DemoPayment.amount)
                .where(DemoPayment.confirmed_at.is_not(None))
                .where(_after(DemoPayment.confirmed_at, DemoPayment.id, "payment_confirmed", cursor))
                .order_by(DemoPayment.confirmed_at, DemoPayment.id)
                .limit(limit)
            )
            for pid, order_id, confirmed_at, amount in confirmed:
                assert confirmed_at is not None
                event = self._event(
                    "PAYMENT_CONFIRMED",
                    "payment_confirmed",
                    pid,
                    confirmed_at,
                    ("order", str(order_id)),
                    properties={"payment_id": str(pid), "amount": str(amount)},
                )
                found.append((confirmed_at, event["event_id"], event))
            failed = await session.execute(
                select(DemoPayment.id, DemoPayment.order_id, DemoPayment.created_at, DemoPayment.method)
                .where(DemoPayment.status == "failed")
                .where(_after(DemoPayment.created_at, DemoPayment.id, "payment_failed", cursor))
                .order_by(DemoPayment.created_at, DemoPayment.id)
                .limit(limit)
            )
            for pid, order_id, at, method in failed:
                event = self._event(
                    "PAYMENT_FAILED",
                    "payment_failed",
                    pid,
                    at,
                    ("order", str(order_id)),
                    properties={"payment_id": str(pid), "method": method},
                )
                found.append((at, event["event_id"], event))
            access = await session.execute(
                select(DemoAccessEvent)
                .where(DemoAccessEvent.event.in_(tuple(ACCESS_EVENT_NAMES)))
                .where(_after(DemoAccessEvent.occurred_at, DemoAccessEvent.id, "access", cursor))
                .order_by(DemoAccessEvent.occurred_at, DemoAccessEvent.id)
                .limit(limit)
            )
            for row in access.scalars():
                props: dict[str, Any] = {}
                if row.reason_code:
                    props["reason_code"] = row.reason_code
                if row.amount is not None:
                    props["amount"] = str(row.amount)
                event = self._event(
                    ACCESS_EVENT_NAMES[row.event],
                    "access",
                    row.id,
                    row.occurred_at,
                    ("customer", str(row.customer_id)),
                    target_type=row.target_type,
                    target_id=str(row.target_id),
                    action=row.action,
                    properties=props,
                )
                found.append((row.occurred_at, event["event_id"], event))
        found.sort(key=lambda item: (item[0], item[1]))
        chosen = found[:limit]
        next_cursor = encode_cursor(chosen[-1][0], chosen[-1][1]) if chosen else after
        return {"events": [event for _, _, event in chosen], "next_cursor": next_cursor}
