"""The DEMO answers to operations questions: SQL over the `demo_*` tables, the same on PostgreSQL and SQLite.

No time-zone functions run in SQL: day windows become UTC bounds in Python (`DayWindow.utc_bounds`),
so both engines compare plain UTC timestamps. Order filters are written to use the indexes of
`demo_orders` (status+created_at, stage+stage_changed_at, flagged, created_at); a page costs one
LIMITed keyset query plus one COUNT.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import (
    DemoAccessEvent,
    DemoCategory,
    DemoChatThread,
    DemoCustomer,
    DemoLook,
    DemoNudge,
    DemoOrder,
    DemoOrderItem,
    DemoOrderNote,
    DemoPayment,
    DemoProduct,
    DemoVariant,
)
from ownerbot.upstream.base import ProviderUnavailable
from ownerbot.upstream.ops import (
    ACCESS_BASELINE_DAYS,
    DUE_STAGES,
    INVENTORY_SECTIONS,
    NUDGE_QUIET_AFTER,
    PAYMENT_PENDING_AFTER,
    QUEUE_BUCKET_EDGES_MINUTES,
    STUCK_AFTER,
    STUCK_STATUS,
    UNPAID_STATUSES,
    AccessData,
    AccessTarget,
    ChatThreadItem,
    CustomerInfo,
    DenialStat,
    DigestStatus,
    DueOrderItem,
    InvalidCursor,
    InventoryData,
    InventorySection,
    ManagerQueue,
    MethodFailures,
    NudgeCounts,
    NudgeHealth,
    OrderDetail,
    OrderLine,
    OrderListItem,
    OrderNoteItem,
    OrderPage,
    OrderPreset,
    OrderQuery,
    PaymentFailures,
    ProductStockItem,
    QueueBucket,
    QueueSummary,
    ReasonCount,
    RenewalsData,
    RenewalTarget,
    TimelineEvent,
    UnansweredThreads,
    mask_phone,
    order_problems,
    phone_digits,
    ratio,
)

ZERO = Decimal("0.00")
# Characters people put in phone numbers; stripping them in SQL keeps the search portable.
_PHONE_PUNCTUATION = (" ", "-", "+", "(", ")", ".", "/")
_ORDER_SOURCES = ("demo_orders", "demo_customers", "demo_payments")
MAX_BIGINT = 2**63 - 1


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


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _sum(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


class DemoOpsReader:
    """Implements `OpsReader` over the demo tables; every method opens (and closes) its own session."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, tz: str, currency: str) -> None:
        self._session_factory = session_factory
        # Windows arrive with their own time zone and rows are UTC, so `tz` is not needed for any
        # answer; it is accepted so both demo readers are built alike by the provider.
        del tz
        self._currency = currency

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """A read session; a database that cannot be reached becomes `ProviderUnavailable`."""
        try:
            async with self._session_factory() as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise ProviderUnavailable(f"demo database unavailable: {type(exc).__name__}") from exc

    # -- orders -------------------------------------------------------------------------------------

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
        async with self._session() as session:
            count = await session.scalar(select(func.count()).select_from(DemoOrder).where(*conditions))
            if query.limit == 0:
                return OrderPage(
                    count=int(count or 0), items=(), next_cursor=None, as_of=as_of, sources=_ORDER_SOURCES
                )
            page_query = (
                select(DemoOrder, DemoCustomer.name, DemoCustomer.phone)
                .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                .where(*conditions, *([keyset] if keyset is not None else []))
                .order_by(DemoOrder.created_at.desc(), DemoOrder.id.desc())
                .limit(query.limit + 1)
            )
            rows = (await session.execute(page_query)).all()
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
            return or_(
                DemoOrder.status == STUCK_STATUS,
                and_(
                    DemoOrder.status.in_(UNPAID_STATUSES),
                    DemoOrder.created_at < as_of - STUCK_AFTER,
                    DemoOrder.payment_stage == "pending",
                ),
            )
        if preset == "late_ship":
            return and_(
                DemoOrder.status == "paid",
                DemoOrder.shipped_at.is_(None),
                DemoOrder.ship_due_at < as_of,
            )
        troubled = exists().where(
            DemoPayment.order_id == DemoOrder.id,
            or_(
                DemoPayment.status == "failed",
                and_(DemoPayment.status == "pending", DemoPayment.created_at < as_of - PAYMENT_PENDING_AFTER),
            ),
        )
        # The status filter leads: few orders wait for money, and each is probed through the
        # payments' order_id index instead of scanning every payment ever made.
        return and_(DemoOrder.status.in_(UNPAID_STATUSES), troubled)

    @staticmethod
    async def _payment_flags(
        session: AsyncSession, order_ids: Sequence[int]
    ) -> dict[int, tuple[bool, datetime | None]]:
        """Per order: whether any attempt failed, and when the oldest still-pending attempt started."""
        if not order_ids:
            return {}
        rows = await session.execute(
            select(DemoPayment.order_id, DemoPayment.status, func.min(DemoPayment.created_at))
            .where(DemoPayment.order_id.in_(order_ids), DemoPayment.status.in_(("failed", "pending")))
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

    async def order_detail(self, order_id: str) -> OrderDetail | None:
        key = order_id.strip().lstrip("#")
        # Demo ids are BIGINTs: anything else cannot exist (and must not reach the driver as an error).
        if not (key.isascii() and key.isdigit()) or int(key) > MAX_BIGINT:
            return None
        async with self._session() as session:
            found = (
                await session.execute(
                    select(DemoOrder, DemoCustomer)
                    .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                    .where(DemoOrder.id == int(key))
                )
            ).first()
            if found is None:
                return None
            order, customer = found
            lines = (
                await session.execute(
                    select(DemoOrderItem, DemoProduct.name, DemoVariant.name)
                    .join(DemoProduct, DemoProduct.id == DemoOrderItem.product_id)
                    .outerjoin(DemoVariant, DemoVariant.id == DemoOrderItem.variant_id)
                    .where(DemoOrderItem.order_id == order.id)
                    .order_by(DemoOrderItem.id)
                )
            ).all()
            payments = (
                await session.scalars(
                    select(DemoPayment).where(DemoPayment.order_id == order.id).order_by(DemoPayment.id)
                )
            ).all()
            nudges = (
                await session.scalars(
                    select(DemoNudge).where(DemoNudge.order_id == order.id).order_by(DemoNudge.id)
                )
            ).all()
            notes = (
                await session.scalars(
                    select(DemoOrderNote)
                    .where(DemoOrderNote.order_id == order.id)
                    .order_by(DemoOrderNote.created_at, DemoOrderNote.id)
                )
            ).all()
        pending = [p.created_at for p in payments if p.status == "pending"]
        return OrderDetail(
            order_id=str(order.id),
            created_at=order.created_at,
            status=order.status,
            payment_plan=order.payment_plan,
            payment_stage=order.payment_stage,
            stage_changed_at=order.stage_changed_at,
            payment_method=order.payment_method,
            currency=order.currency,
            total=order.total,
            amount_paid=order.amount_paid,
            upfront_due=order.upfront_due,
            due_now=order.due_now,
            remaining_due=order.remaining_due,
            coupon_code=order.coupon_code,
            paid_at=order.paid_at,
            ship_due_at=order.ship_due_at,
            shipped_at=order.shipped_at,
            flagged=order.flagged,
            flag_reason=order.flag_reason,
            customer=CustomerInfo(
                customer_id=str(customer.id),
                name=customer.name,
                phone=customer.phone,
                tg_user_id=customer.tg_user_id,
            ),
            items=tuple(
                OrderLine(
                    product_id=str(item.product_id),
                    product_name=product_name,
                    variant_name=variant_name,
                    qty=item.qty,
                    unit_price=item.unit_price,
                    line_total=item.line_total,
                )
                for item, product_name, variant_name in lines
            ),
            timeline=_timeline(order, payments, nudges),
            notes=tuple(
                OrderNoteItem(at=n.created_at, text=n.text, author_tg_id=n.author_tg_id) for n in notes
            ),
            oldest_pending_payment_at=min(pending) if pending else None,
            sources=(
                "demo_orders",
                "demo_customers",
                "demo_order_items",
                "demo_products",
                "demo_payments",
                "demo_nudges",
                "demo_order_notes",
            ),
        )

    # -- catalog ------------------------------------------------------------------------------------

    async def inventory(
        self, low_stock_lte: int, section: InventorySection | None, limit: int
    ) -> InventoryData:
        predicates = _inventory_predicates(low_stock_lte)
        counters = [func.coalesce(func.sum(case((predicates[s], 1), else_=0)), 0) for s in INVENTORY_SECTIONS]
        wanted = INVENTORY_SECTIONS if section is None else (section,)
        lists: dict[InventorySection, tuple[ProductStockItem, ...]] = {}
        async with self._session() as session:
            totals = (await session.execute(select(*counters).select_from(DemoProduct))).one()
            for name in wanted:
                # Low stock lists the scarcest first; other sections are stable by id.
                order = (DemoProduct.stock, DemoProduct.id) if name == "low_stock" else (DemoProduct.id,)
                rows = (
                    await session.execute(
                        select(DemoProduct, DemoCategory.name)
                        .outerjoin(DemoCategory, DemoCategory.id == DemoProduct.category_id)
                        .where(predicates[name])
                        .order_by(*order)
                        .limit(limit)
                    )
                ).all()
                lists[name] = tuple(_product_item(product, category) for product, category in rows)
        return InventoryData(
            low_stock_lte=low_stock_lte,
            counts={name: int(value) for name, value in zip(INVENTORY_SECTIONS, totals, strict=True)},
            lists=lists,
            sources=("demo_products", "demo_categories"),
        )

    # -- support chats ------------------------------------------------------------------------------

    @staticmethod
    def _unanswered() -> ColumnElement[bool]:
        return and_(
            DemoChatThread.status == "open",
            or_(
                DemoChatThread.last_manager_msg_at.is_(None),
                DemoChatThread.last_manager_msg_at < DemoChatThread.last_customer_msg_at,
            ),
        )

    async def unanswered_threads(
        self, threshold_minutes: int, limit: int, now: datetime
    ) -> UnansweredThreads:
        waiting = and_(
            self._unanswered(),
            DemoChatThread.last_customer_msg_at <= now - timedelta(minutes=threshold_minutes),
        )
        async with self._session() as session:
            count = await session.scalar(select(func.count()).select_from(DemoChatThread).where(waiting))
            threads = await self._threads(session, waiting, limit, now) if limit else ()
        return UnansweredThreads(
            threshold_minutes=threshold_minutes,
            count=int(count or 0),
            threads=threads,
            sources=("demo_chat_threads", "demo_customers"),
        )

    async def queue_summary(self, now: datetime) -> QueueSummary:
        cutoffs = [now - timedelta(minutes=m) for m in QUEUE_BUCKET_EDGES_MINUTES]
        waiting = and_(self._unanswered(), DemoChatThread.last_customer_msg_at <= now)
        bucket_of = case(
            (DemoChatThread.last_customer_msg_at <= cutoffs[2], 3),
            (DemoChatThread.last_customer_msg_at <= cutoffs[1], 2),
            (DemoChatThread.last_customer_msg_at <= cutoffs[0], 1),
            else_=0,
        )
        async with self._session() as session:
            per_bucket: dict[int, int] = dict(
                (
                    await session.execute(select(bucket_of, func.count()).where(waiting).group_by(bucket_of))
                ).all()
            )
            managers = (
                await session.execute(
                    select(
                        DemoChatThread.manager_name,
                        func.count(),
                        func.min(DemoChatThread.last_customer_msg_at),
                    )
                    .where(waiting)
                    .group_by(DemoChatThread.manager_name)
                )
            ).all()
            overdue = await self._threads(session, waiting, 5, now)
        edges = (0, *QUEUE_BUCKET_EDGES_MINUTES, None)
        labels = ("under_2h", "2h_6h", "6h_24h", "over_24h")
        buckets = tuple(
            QueueBucket(
                label=label,
                min_minutes=edges[i] or 0,
                max_minutes=edges[i + 1],
                count=int(per_bucket.get(i, 0)),
            )
            for i, label in enumerate(labels)
        )
        by_manager = sorted(
            (
                ManagerQueue(manager_name=name, count=int(n), oldest_waiting_minutes=_minutes(now - oldest))
                for name, n, oldest in managers
            ),
            key=lambda m: (-m.count, -m.oldest_waiting_minutes, m.manager_name or ""),
        )
        return QueueSummary(
            total_unanswered=sum(b.count for b in buckets),
            buckets=buckets,
            by_manager=tuple(by_manager),
            most_overdue=overdue,
            sources=("demo_chat_threads", "demo_customers"),
        )

    @staticmethod
    async def _threads(
        session: AsyncSession, where: ColumnElement[bool], limit: int, now: datetime
    ) -> tuple[ChatThreadItem, ...]:
        rows = (
            await session.execute(
                select(DemoChatThread, DemoCustomer.name)
                .join(DemoCustomer, DemoCustomer.id == DemoChatThread.customer_id)
                .where(where)
                .order_by(DemoChatThread.last_customer_msg_at, DemoChatThread.id)
                .limit(limit)
            )
        ).all()
        return tuple(
            ChatThreadItem(
                thread_id=str(thread.id),
                customer_id=str(thread.customer_id),
                customer_name=name,
                order_id=None if thread.order_id is None else str(thread.order_id),
                manager_name=thread.manager_name,
                opened_at=thread.opened_at,
                last_customer_msg_at=thread.last_customer_msg_at,
                last_manager_msg_at=thread.last_manager_msg_at,
                waiting_minutes=_minutes(now - thread.last_customer_msg_at),
            )
            for thread, name in rows
        )

    # -- access and renewals ------------------------------------------------------------------------

    async def access(self, window: DayWindow) -> AccessData:
        start, end = window.utc_bounds()
        baseline = DayWindow(
            window.start - timedelta(days=ACCESS_BASELINE_DAYS), window.start - timedelta(days=1), window.tz
        )
        base_start, _ = baseline.utc_bounds()
        in_window = case((DemoAccessEvent.occurred_at >= start, 1), else_=0)
        async with self._session() as session:
            denials = (
                await session.execute(
                    select(
                        in_window,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        DemoAccessEvent.action,
                        DemoAccessEvent.reason_code,
                        func.count(),
                    )
                    .where(
                        DemoAccessEvent.event == "denied",
                        DemoAccessEvent.occurred_at >= base_start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(
                        in_window,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        DemoAccessEvent.action,
                        DemoAccessEvent.reason_code,
                    )
                )
            ).all()
            others = (
                await session.execute(
                    select(
                        DemoAccessEvent.event,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        func.count(),
                    )
                    .where(
                        DemoAccessEvent.event.in_(("expired", "granted")),
                        DemoAccessEvent.occurred_at >= start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(DemoAccessEvent.event, DemoAccessEvent.target_type, DemoAccessEvent.target_id)
                )
            ).all()
            keys = {(r[1], r[2]) for r in denials} | {(r[1], r[2]) for r in others if r[0] == "expired"}
            names = await _target_names(session, keys)
        scale = Decimal(ACCESS_BASELINE_DAYS) / window.n_days

        def factor(now_count: int, base_count: int) -> Decimal | None:
            return ratio(now_count * scale, base_count)

        per: dict[str, dict[Any, list[int]]] = {"target": {}, "action": {}, "reason": {}}
        for flag, target_type, target_id, action, reason, n in denials:
            for group, key in (
                ("target", (target_type, target_id)),
                ("action", action),
                ("reason", reason or "unknown"),
            ):
                counts = per[group].setdefault(key, [0, 0])
                counts[0 if flag else 1] += int(n)
        expiries: dict[tuple[str, int], int] = defaultdict(int)
        grants = 0
        for event, target_type, target_id, n in others:
            if event == "expired":
                expiries[(target_type, target_id)] += int(n)
            else:
                grants += int(n)
        target_keys = set(per["target"]) | set(expiries)
        targets = [
            AccessTarget(
                target_type=target_type,
                target_id=str(target_id),
                name=names.get((target_type, target_id)),
                denials=per["target"].get((target_type, target_id), [0, 0])[0],
                baseline_denials=per["target"].get((target_type, target_id), [0, 0])[1],
                spike_factor=factor(*per["target"].get((target_type, target_id), [0, 0])),
                expiries=expiries.get((target_type, target_id), 0),
            )
            for target_type, target_id in target_keys
        ]
        targets.sort(key=lambda t: (-t.denials, -t.expiries, t.target_type, int(t.target_id)))
        total_now = sum(c[0] for c in per["action"].values())
        total_base = sum(c[1] for c in per["action"].values())
        return AccessData(
            window_days=window.n_days,
            baseline_days=ACCESS_BASELINE_DAYS,
            denials_total=total_now,
            baseline_denials_total=total_base,
            spike_factor=factor(total_now, total_base),
            by_target=tuple(targets),
            by_action=_denial_stats(per["action"], factor),
            by_reason=_denial_stats(per["reason"], factor),
            expiries_total=sum(expiries.values()),
            grants_total=grants,
            sources=("demo_access_events", "demo_products", "demo_looks"),
        )

    async def renewals(self, window: DayWindow) -> RenewalsData:
        start, end = window.utc_bounds()
        async with self._session() as session:
            rows = (
                await session.execute(
                    select(
                        DemoAccessEvent.event,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        func.count(),
                        func.sum(DemoAccessEvent.amount),
                    )
                    .where(
                        DemoAccessEvent.event.in_(("renew_offered", "renew_completed")),
                        DemoAccessEvent.occurred_at >= start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(DemoAccessEvent.event, DemoAccessEvent.target_type, DemoAccessEvent.target_id)
                )
            ).all()
            names = await _target_names(session, {(r[1], r[2]) for r in rows})
        per: dict[tuple[str, int], list[Any]] = {}
        for event, target_type, target_id, n, amount in rows:
            entry = per.setdefault((target_type, target_id), [0, 0, ZERO])
            if event == "renew_offered":
                entry[0] += int(n)
            else:
                entry[1] += int(n)
                entry[2] += _sum(amount)
        targets = sorted(
            (
                RenewalTarget(
                    target_type=key[0],
                    target_id=str(key[1]),
                    name=names.get(key),
                    offers=offers,
                    completions=completions,
                    revenue=revenue,
                )
                for key, (offers, completions, revenue) in per.items()
            ),
            key=lambda t: (-t.revenue, -t.completions, -t.offers, t.target_type, int(t.target_id)),
        )
        offers = sum(t.offers for t in targets)
        completions = sum(t.completions for t in targets)
        return RenewalsData(
            offers=offers,
            completions=completions,
            conversion_pct=ratio(completions, offers, scale=100),
            revenue=sum((t.revenue for t in targets), ZERO),
            currency=self._currency,
            top_targets=tuple(targets[:10]),
            sources=("demo_access_events", "demo_products", "demo_looks"),
        )

    # -- AutoNudge ----------------------------------------------------------------------------------

    async def nudges(self, window: DayWindow, now: datetime, *, list_limit: int = 10) -> NudgeHealth:
        start, end = window.utc_bounds()
        quiet_since = now - NUDGE_QUIET_AFTER
        recently_nudged = exists().where(
            DemoNudge.order_id == DemoOrder.id,
            DemoNudge.status == "sent",
            DemoNudge.occurred_at >= quiet_since,
            DemoNudge.occurred_at <= now,
        )
        # Orders owing money are the unpaid statuses (a cancelled one owes nothing). An order enters a
        # stage after it is created, so `created_at < quiet_since` follows from the stage condition;
        # stated explicitly it lets the (status, created_at) index skip the many cancelled orders.
        stuck = and_(
            DemoOrder.status.in_(UNPAID_STATUSES),
            DemoOrder.created_at < quiet_since,
            DemoOrder.payment_stage.in_(DUE_STAGES),
            DemoOrder.stage_changed_at < quiet_since,
            DemoOrder.due_now > 0,
            ~recently_nudged,
        )
        async with self._session() as session:
            events = (
                await session.execute(
                    select(DemoNudge.kind, DemoNudge.status, DemoNudge.reason, func.count())
                    .where(DemoNudge.occurred_at >= start, DemoNudge.occurred_at < end)
                    .group_by(DemoNudge.kind, DemoNudge.status, DemoNudge.reason)
                )
            ).all()
            last_digest = (
                await session.execute(
                    select(DemoNudge.status, DemoNudge.occurred_at)
                    .where(DemoNudge.kind == "digest", DemoNudge.occurred_at <= now)
                    .order_by(DemoNudge.occurred_at.desc(), DemoNudge.id.desc())
                    .limit(1)
                )
            ).first()
            count, amount = (
                await session.execute(select(func.count(), func.sum(DemoOrder.due_now)).where(stuck))
            ).one()
            listed = (
                (
                    await session.execute(
                        select(DemoOrder, DemoCustomer.name)
                        .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                        .where(stuck)
                        .order_by(DemoOrder.stage_changed_at, DemoOrder.id)
                        .limit(list_limit)
                    )
                ).all()
                if list_limit
                else []
            )
            last_sent = await _last_sent_nudges(session, [order.id for order, _ in listed], now)
        order_events = [(s, r, int(n)) for kind, s, r, n in events if kind == "order"]
        return NudgeHealth(
            order_nudges=_nudge_counts((s, n) for s, _, n in order_events),
            reasons=tuple(
                sorted(
                    (ReasonCount(status=s, reason=r, count=n) for s, r, n in order_events if s != "sent"),
                    key=lambda rc: (-rc.count, rc.status, rc.reason or ""),
                )
            ),
            digest=DigestStatus(
                counts=_nudge_counts((s, int(n)) for kind, s, _, n in events if kind == "digest"),
                last_status=None if last_digest is None else last_digest[0],
                last_at=None if last_digest is None else last_digest[1],
            ),
            stuck_deposits_count=int(count),
            stuck_deposits_amount=_sum(amount),
            stuck_deposits=tuple(
                DueOrderItem(
                    order_id=str(order.id),
                    payment_plan=order.payment_plan,
                    payment_stage=order.payment_stage,
                    stage_changed_at=order.stage_changed_at,
                    hours_in_stage=int((now - order.stage_changed_at).total_seconds() // 3600),
                    due_now=order.due_now,
                    currency=order.currency,
                    customer_name=name,
                    last_nudge_at=last_sent.get(order.id),
                )
                for order, name in listed
            ),
            currency=self._currency,
            sources=("demo_nudges", "demo_orders", "demo_customers"),
        )

    # -- payments -----------------------------------------------------------------------------------

    async def payment_failures(self, since: datetime, until: datetime) -> PaymentFailures:
        async with self._session() as session:
            rows = (
                await session.execute(
                    select(DemoPayment.method, DemoPayment.status, func.count())
                    .where(DemoPayment.created_at > since, DemoPayment.created_at <= until)
                    .group_by(DemoPayment.method, DemoPayment.status)
                )
            ).all()
        per: dict[str, list[int]] = {}
        for method, status, n in rows:
            counts = per.setdefault(method, [0, 0, 0])
            counts[0] += int(n)
            if status == "failed":
                counts[1] += int(n)
            if status == "pending":
                counts[2] += int(n)
        methods = [
            MethodFailures(method=m, attempts=c[0], failed=c[1], pending=c[2]) for m, c in sorted(per.items())
        ]
        methods.sort(key=lambda m: (-(m.fail_rate_pct or Decimal(0)), -m.failed, m.method))
        return PaymentFailures(since=since, until=until, by_method=tuple(methods), sources=("demo_payments",))


# -- helpers ------------------------------------------------------------------------------------------


def _inventory_predicates(low_stock_lte: int) -> dict[InventorySection, ColumnElement[bool]]:
    active = DemoProduct.status == "ACTIVE"
    listed = DemoProduct.status != "ARCHIVED"
    return {
        "out_of_stock": and_(active, DemoProduct.stock <= 0),
        "low_stock": and_(active, DemoProduct.stock > 0, DemoProduct.stock <= low_stock_lte),
        "missing_photo": and_(listed, DemoProduct.has_photo.is_(False)),
        "missing_video": and_(listed, DemoProduct.has_video.is_(False)),
        "missing_price": and_(listed, DemoProduct.price.is_(None)),
        "unpublished": DemoProduct.status == "HIDDEN",
    }


def _product_item(product: DemoProduct, category: str | None) -> ProductStockItem:
    return ProductStockItem(
        product_id=str(product.id),
        name=product.name,
        category=category,
        kind=product.kind,
        status=product.status,
        stock=product.stock,
        price=product.price,
        currency=product.currency,
    )


async def _target_names(session: AsyncSession, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Names of access targets (products and looks) for display."""
    wanted = set(keys)
    names: dict[tuple[str, int], str] = {}
    product_ids = [i for t, i in wanted if t == "product"]
    look_ids = [i for t, i in wanted if t == "look"]
    if product_ids:
        rows = await session.execute(
            select(DemoProduct.id, DemoProduct.name).where(DemoProduct.id.in_(product_ids))
        )
        names.update({("product", i): n for i, n in rows})
    if look_ids:
        rows = await session.execute(select(DemoLook.id, DemoLook.name).where(DemoLook.id.in_(look_ids)))
        names.update({("look", i): n for i, n in rows})
    return names


async def _last_sent_nudges(
    session: AsyncSession, order_ids: Sequence[int], now: datetime
) -> dict[int, datetime]:
    if not order_ids:
        return {}
    rows = await session.execute(
        select(DemoNudge.order_id, func.max(DemoNudge.occurred_at))
        .where(DemoNudge.order_id.in_(order_ids), DemoNudge.status == "sent", DemoNudge.occurred_at <= now)
        .group_by(DemoNudge.order_id)
    )
    return {order_id: at for order_id, at in rows if order_id is not None}


def _nudge_counts(pairs: Iterable[tuple[str, int]]) -> NudgeCounts:
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for status, n in pairs:
        if status in counts:
            counts[status] += int(n)
    return NudgeCounts(**counts)


def _denial_stats(per: dict[Any, list[int]], factor: Any) -> tuple[DenialStat, ...]:
    stats = [
        DenialStat(key=str(key), denials=now, baseline_denials=base, spike_factor=factor(now, base))
        for key, (now, base) in per.items()
    ]
    stats.sort(key=lambda s: (-s.denials, s.key))
    return tuple(stats)


def _timeline(
    order: DemoOrder, payments: Sequence[DemoPayment], nudges: Sequence[DemoNudge]
) -> tuple[TimelineEvent, ...]:
    """The order's history from its rows, oldest first (ties keep the causal order of the kinds)."""
    events: list[TimelineEvent] = [TimelineEvent(at=order.created_at, kind="created", amount=order.total)]
    for p in payments:
        common: dict[str, Any] = {"method": p.method, "payment_kind": p.kind}
        if p.status == "failed":
            events.append(
                TimelineEvent(
                    at=p.created_at, kind="payment_failed", amount=p.amount, reason=p.failure_reason, **common
                )
            )
            continue
        events.append(TimelineEvent(at=p.created_at, kind="payment_requested", amount=p.amount, **common))
        if p.confirmed_at is not None:
            events.append(
                TimelineEvent(at=p.confirmed_at, kind="payment_confirmed", amount=p.amount, **common)
            )
        if p.refunded_at is not None:
            events.append(
                TimelineEvent(at=p.refunded_at, kind="payment_refunded", amount=p.refund_amount, **common)
            )
    if order.paid_at is not None:
        events.append(TimelineEvent(at=order.paid_at, kind="paid", amount=order.total))
    if order.shipped_at is not None:
        events.append(TimelineEvent(at=order.shipped_at, kind="shipped"))
    for n in nudges:
        kind = {"sent": "nudge_sent", "failed": "nudge_failed"}.get(n.status, "nudge_skipped")
        events.append(TimelineEvent(at=n.occurred_at, kind=kind, reason=n.reason))
    rank = {kind: i for i, kind in enumerate(_TIMELINE_ORDER)}
    return tuple(sorted(events, key=lambda e: (e.at, rank[e.kind])))


_TIMELINE_ORDER = (
    "created",
    "payment_requested",
    "payment_failed",
    "payment_confirmed",
    "paid",
    "nudge_sent",
    "nudge_failed",
    "nudge_skipped",
    "shipped",
    "payment_refunded",
)
