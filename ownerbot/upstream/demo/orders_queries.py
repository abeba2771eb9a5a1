"""Orders search: filters, the problem presets and keyset paging over `demo_orders`.

Order filters are written to use the indexes of `demo_orders` (status+created_at, created_at, flagged,
and the partial `ix_demo_orders_open` over orders that still owe money); a page costs one COUNT plus one
LIMITed keyset query plus one probe of the page's payments, all in one session.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.demo_models import TROUBLED_PAYMENT, DemoCustomer, DemoOrder, DemoPayment
from ownerbot.upstream.demo.db import DemoQueries
from ownerbot.upstream.ops import (
    PAYMENT_PENDING_AFTER,
    STUCK_AFTER,
    STUCK_STATUS,
    UNPAID_STATUSES,
    InvalidCursor,
    OrderListItem,
    OrderPage,
    OrderPreset,
    OrderQuery,
    mask_phone,
    order_problems,
    phone_digits,
)

# Characters people put in phone numbers; stripping them in SQL keeps the search portable.
_PHONE_PUNCTUATION = (" ", "-", "+", "(", ")", ".", "/")
_ORDER_SOURCES = ("demo_orders", "demo_customers", "demo_payments")


def encode_cursor(created_at: datetime, order_id: int, as_of: datetime) -> str:
    """An opaque keyset cursor: the last row's (created_at, id) and the instant the filters were read at."""
    raw = json.dumps({"c": created_at.isoformat(), "i": order_id, "a": as_of.isoformat()}, sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int, datetime]:
    """Reverse `encode_cursor`; anything else raises `InvalidCursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        created_at = datetime.fromisoformat(data["c"])
        as_of = datetime.fromisoformat(data["a"])
        order_id = data["i"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor: not a cursor issued by this search") from exc
    if not isinstance(order_id, int) or created_at.tzinfo is None or as_of.tzinfo is None:
        raise InvalidCursor("cursor: not a cursor issued by this search")
    return created_at, order_id, as_of


def _digits_sql(column: Any) -> ColumnElement[str]:
    expr: ColumnElement[str] = column
    for char in _PHONE_PUNCTUATION:
        expr = func.replace(expr, char, "")
    return expr


class OrderSearchQueries(DemoQueries):
    """`search_orders`."""

    async def search_orders(self, query: OrderQuery, now: datetime) -> OrderPage:
        as_of = now
        keyset: ColumnElement[bool] | None = None
        if query.cursor is not None:
            last_created, last_id, as_of = decode_cursor(query.cursor)
            keyset = or_(
                DemoOrder.created_at < last_created,
                and_(DemoOrder.created_at == last_created, DemoOrder.id < last_id),
            )
        conditions = self._order_conditions(query, as_of)
        count_query = select(func.count()).select_from(DemoOrder).where(*conditions)
        # A preset reads a few thousand index entries: no parallel workers. Other searches may match most
        # orders (no filter, a common status, free text) and keep them.
        async with self._session(custom_plans=True, parallel=query.preset is None) as session:
            if query.limit == 0:
                count = await session.scalar(count_query)
                return OrderPage(
                    count=int(count or 0), items=(), next_cursor=None, as_of=as_of, sources=_ORDER_SOURCES
                )
            newest_first = (DemoOrder.created_at.desc(), DemoOrder.id.desc())
            # The page's ids first (from indexes alone where the filters allow), then their rows and
            # customers: joining customers and reading whole rows for every match before the LIMIT
            # costs more than the search itself.
            page_ids = (
                select(DemoOrder.id)
                .where(*conditions, *([keyset] if keyset is not None else []))
                .order_by(*newest_first)
                .limit(query.limit + 1)
            )
            page_query = (
                select(DemoOrder, DemoCustomer.name, DemoCustomer.phone)
                .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                .where(DemoOrder.id.in_(page_ids))
                .order_by(*newest_first)
            )
            rows = (await session.execute(page_query)).all()
            # A first page that holds every match is its own count: no second pass over the matches.
            count = (
                len(rows)
                if keyset is None and len(rows) <= query.limit
                else await session.scalar(count_query)
            )
            page = rows[: query.limit]
            payments = await self._payment_flags(session, [row[0].id for row in page])
        items = []
        for order, name, phone in page:
            failed, oldest_pending = payments.get(order.id, (False, None))
            items.append(self._list_item(order, name, phone, failed, oldest_pending, as_of))
        next_cursor = None
        if len(rows) > query.limit:
            last = page[-1][0]
            next_cursor = encode_cursor(last.created_at, last.id, as_of)
        return OrderPage(
            count=int(count or 0),
            items=tuple(items),
            next_cursor=next_cursor,
            as_of=as_of,
            sources=_ORDER_SOURCES,
        )

    def _order_conditions(self, query: OrderQuery, as_of: datetime) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.q is not None:
            conditions.append(self._text_match(query.q))
        if query.status is not None:
            conditions.append(DemoOrder.status == query.status)
        if query.flagged is not None:
            conditions.append(DemoOrder.flagged.is_(query.flagged))
        if query.since_hours is not None:
            conditions.append(DemoOrder.created_at >= as_of - timedelta(hours=query.since_hours))
        if query.preset is not None:
            conditions.append(self._preset(query.preset, as_of))
        return conditions

    @staticmethod
    def _text_match(q: str) -> ColumnElement[bool]:
        """Substring of the order id, the customer id, or the customer's phone digits (case-insensitive)."""
        needle = q.strip().lower().lstrip("#")
        digits = phone_digits(needle)
        customer_match: list[ColumnElement[bool]] = [
            cast(DemoCustomer.id, String).contains(needle, autoescape=True)
        ]
        if digits:
            customer_match.append(_digits_sql(DemoCustomer.phone).contains(digits, autoescape=True))
        customers = select(DemoCustomer.id).where(or_(*customer_match))
        return or_(
            func.lower(cast(DemoOrder.id, String)).contains(needle, autoescape=True),
            DemoOrder.customer_id.in_(customers),
        )

    @staticmethod
    def _preset(preset: OrderPreset, as_of: datetime) -> ColumnElement[bool]:
        """The SQL twin of `ops.order_problems` (a test checks they agree on every order)."""
        if preset == "stuck":
            # Status `stuck`, or unpaid, older than STUCK_AFTER and still pending. Both arms' statuses
            # lead, so one range of `ix_demo_orders_status_created` (which carries the stage) serves both.
            return and_(
                DemoOrder.status.in_((STUCK_STATUS, *UNPAID_STATUSES)),
                or_(
                    DemoOrder.status == STUCK_STATUS,
                    and_(DemoOrder.created_at < as_of - STUCK_AFTER, DemoOrder.payment_stage == "pending"),
                ),
            )
        if preset == "late_ship":
            return and_(
                DemoOrder.status == "paid",
                DemoOrder.shipped_at.is_(None),
                DemoOrder.ship_due_at < as_of,
            )
        first_troubled = (
            select(DemoPayment.id)
            .where(
                DemoPayment.order_id == DemoOrder.id,
                TROUBLED_PAYMENT,  # implied by the next condition; lets the partial index serve the probe
                or_(
                    DemoPayment.status == "failed",
                    and_(
                        DemoPayment.status == "pending",
                        DemoPayment.created_at < as_of - PAYMENT_PENDING_AFTER,
                    ),
                ),
            )
            .limit(1)
            .scalar_subquery()
        )
        # The status filter leads: few orders wait for money, and each is probed for its first failed
        # or overdue attempt in `ix_demo_payments_troubled` (read alone). Written as "the first such
        # payment is not NULL" rather than EXISTS on purpose: PostgreSQL turns an EXISTS into a semi-join
        # and hashes all 70k failed payments ever made (15 ms on 1M orders) to match a few thousand
        # unpaid orders, where probing them one by one takes 5 ms.
        return and_(DemoOrder.status.in_(UNPAID_STATUSES), first_troubled.is_not(None))

    @staticmethod
    async def _payment_flags(
        session: AsyncSession, order_ids: Sequence[int]
    ) -> dict[int, tuple[bool, datetime | None]]:
        """Per order: whether any attempt failed, and when the oldest still-pending attempt started."""
        if not order_ids:
            return {}
        rows = await session.execute(
            select(DemoPayment.order_id, DemoPayment.status, func.min(DemoPayment.created_at))
            .where(DemoPayment.order_id.in_(order_ids), TROUBLED_PAYMENT)
            .group_by(DemoPayment.order_id, DemoPayment.status)
        )
        flags: dict[int, tuple[bool, datetime | None]] = {}
        for order_id, status, first_at in rows:
            failed, pending = flags.get(order_id, (False, None))
            if status == "failed":
                failed = True
            else:
                pending = first_at
            flags[order_id] = (failed, pending)
        return flags

    @staticmethod
    def _list_item(
        order: DemoOrder,
        name: str,
        phone: str,
        failed: bool,
        oldest_pending: datetime | None,
        as_of: datetime,
    ) -> OrderListItem:
        problems = order_problems(
            status=order.status,
            payment_stage=order.payment_stage,
            created_at=order.created_at,
            shipped_at=order.shipped_at,
            ship_due_at=order.ship_due_at,
            has_failed_payment=failed,
            oldest_pending_payment_at=oldest_pending,
            now=as_of,
        )
        return OrderListItem(
            order_id=str(order.id),
            created_at=order.created_at,
            status=order.status,
            payment_plan=order.payment_plan,
            payment_stage=order.payment_stage,
            payment_method=order.payment_method,
            currency=order.currency,
            total=order.total,
            amount_paid=order.amount_paid,
            due_now=order.due_now,
            customer_id=str(order.customer_id),
            customer_name=name,
            customer_phone_masked=mask_phone(phone),
            flagged=order.flagged,
            ship_due_at=order.ship_due_at,
            shipped_at=order.shipped_at,
            problems=problems,
        )
