"""AutoNudge: reminder counts of a window, the last digest, and deposits stuck with no recent reminder."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, func, select

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import DIGEST_NUDGE, OPEN_ORDER, DemoCustomer, DemoNudge, DemoOrder
from ownerbot.upstream.demo.db import DemoQueries, or_zero
from ownerbot.upstream.ops import (
    DUE_STAGES,
    NUDGE_QUIET_AFTER,
    UNPAID_STATUSES,
    DigestStatus,
    DueOrderItem,
    NudgeCounts,
    NudgeHealth,
    ReasonCount,
)


class NudgeQueries(DemoQueries):
    """`nudges`."""

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
        # stage after it is created, so `created_at < quiet_since` follows from the stage condition. The
        # set is a subset of the open orders: PostgreSQL reads it from `ix_demo_orders_open` alone and
        # probes each candidate's recent reminders in `ix_demo_nudges_order_status_time`.
        stuck = and_(
            DemoOrder.status.in_(UNPAID_STATUSES),
            DemoOrder.created_at < quiet_since,
            DemoOrder.payment_stage.in_(DUE_STAGES),
            DemoOrder.stage_changed_at < quiet_since,
            DemoOrder.due_now > 0,
            OPEN_ORDER,  # implied by status and stage; spelled out for the planner (see demo_models)
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
                    .where(DIGEST_NUDGE, DemoNudge.occurred_at <= now)
                    .order_by(DemoNudge.occurred_at.desc(), DemoNudge.id.desc())
                    .limit(1)
                )
            ).first()
            # One pass over the candidates: the count and the sum ride along with the first rows.
            oldest_stuck = (
                await session.execute(
                    select(DemoOrder.id, func.count().over(), func.sum(DemoOrder.due_now).over())
                    .where(stuck)
                    .order_by(DemoOrder.stage_changed_at, DemoOrder.id)
                    .limit(max(list_limit, 1))
                )
            ).all()
            count, amount = (oldest_stuck[0][1], oldest_stuck[0][2]) if oldest_stuck else (0, None)
            listed_ids = [row[0] for row in oldest_stuck[:list_limit]]
            last_sent = (
                select(func.max(DemoNudge.occurred_at))
                .where(
                    DemoNudge.order_id == DemoOrder.id,
                    DemoNudge.status == "sent",
                    DemoNudge.occurred_at <= now,
                )
                .scalar_subquery()
            )
            listed = (
                (
                    await session.execute(
                        select(DemoOrder, DemoCustomer.name, last_sent)
                        .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                        .where(DemoOrder.id.in_(listed_ids))
                        .order_by(DemoOrder.stage_changed_at, DemoOrder.id)
                    )
                ).all()
                if listed_ids
                else []
            )
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
            stuck_deposits_amount=or_zero(amount),
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
                    last_nudge_at=last_nudge_at,
                )
                for order, name, last_nudge_at in listed
            ),
            currency=self._currency,
            sources=("demo_nudges", "demo_orders", "demo_customers"),
        )


def _nudge_counts(pairs: Iterable[tuple[str, int]]) -> NudgeCounts:
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for status, n in pairs:
        if status in counts:
            counts[status] += int(n)
    return NudgeCounts(**counts)
