"""The support queue: open chat threads whose customer wrote last, by how long they have waited.

Open threads are few and closed ones pile up, so every query reads `ix_demo_chat_threads_status_waiting`
(status, last_customer_msg_at, id): an index range for `open`, already in waiting order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.demo_models import DemoChatThread, DemoCustomer
from ownerbot.upstream.demo.db import DemoQueries
from ownerbot.upstream.ops import (
    QUEUE_BUCKET_EDGES_MINUTES,
    ChatThreadItem,
    ManagerQueue,
    QueueBucket,
    QueueSummary,
    UnansweredThreads,
)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


class SupportQueries(DemoQueries):
    """`unanswered_threads` and `queue_summary`."""

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
        # One pass over the waiting threads: per manager and bucket, how many and the oldest.
        grouped = (
            select(
                DemoChatThread.manager_name,
                bucket_of.label("bucket"),
                func.count(),
                func.min(DemoChatThread.last_customer_msg_at),
            )
            .where(waiting)
            .group_by(DemoChatThread.manager_name, bucket_of)
        )
        per_bucket: dict[int, int] = defaultdict(int)
        managers: dict[str | None, tuple[int, datetime]] = {}
        async with self._session() as session:
            for name, bucket, n, oldest in (await session.execute(grouped)).all():
                per_bucket[int(bucket)] += int(n)
                count, first = managers.get(name, (0, oldest))
                managers[name] = (count + int(n), min(first, oldest))
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
                for name, (n, oldest) in managers.items()
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
