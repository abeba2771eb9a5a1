"""The payment funnel of the orders created in a window, as they stand now.

Stages, money and the deposit drop-off are sums of `demo_daily_funnel` (O(days)). What depends on `now`
(due-now buckets by time in stage, median time in stage) is read from the OPEN orders only (not fully
paid, not cancelled: a few thousand of a million), through the partial index `ix_demo_orders_open`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, union_all

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import OPEN_ORDER, DemoDailyFunnel, DemoOrder
from ownerbot.upstream.demo.db import cents_sum, from_cents
from ownerbot.upstream.demo.kpi_queries import RollupQueries
from ownerbot.upstream.sales import (
    PAYMENT_STAGES,
    ZERO,
    DueBucket,
    DueLabel,
    FunnelData,
    StageStats,
    money,
)

DAILY_FUNNEL = DemoDailyFunnel.__tablename__
ORDERS = DemoOrder.__tablename__

# Due-now buckets by hours in the current stage: each label holds waits below its bound; the rest are
# OVERDUE_LABEL.
DUE_BUCKETS: tuple[tuple[DueLabel, int], ...] = (("0-24h", 24), ("1-3d", 72), ("3-7d", 168))
OVERDUE_LABEL: DueLabel = ">7d"
SECONDS_PER_HOUR = Decimal(3600)


class FunnelQueries(RollupQueries):
    """`funnel`: one session; the rollup sums, then the open orders by bucket, then the middle waits."""

    async def funnel(self, window: DayWindow, now: datetime) -> FunnelData:
        lo, hi = window.utc_bounds()
        f, o = DemoDailyFunnel, DemoOrder
        cohort_stmt = (
            select(
                f.payment_stage,
                f.payment_plan,
                f.cancelled,
                func.sum(f.orders),
                func.sum(f.orders_with_payment),
                cents_sum(f.total),
                cents_sum(f.amount_paid),
                cents_sum(f.due_now),
                cents_sum(f.remaining_due),
            )
            .where(f.day >= window.start, f.day <= window.end)
            .group_by(f.payment_stage, f.payment_plan, f.cancelled)
        )
        waiting = (OPEN_ORDER, o.created_at >= lo, o.created_at < hi)
        # Bucket by the instant the order entered its stage: waited < 24 h ⇔ entered after now − 24 h.
        age = case(
            *(
                (o.stage_changed_at > now - timedelta(hours=upper), i)
                for i, (_, upper) in enumerate(DUE_BUCKETS)
            ),
            else_=len(DUE_BUCKETS),
        )
        buckets_stmt = (
            select(age.label("bucket"), func.count(), cents_sum(o.due_now))
            .where(*waiting, o.due_now > 0)
            .group_by(age)
        )
        async with self._session(custom_plans=True, parallel=False) as session:
            await self._rollup_head(session, window)
            cohort = (await session.execute(cohort_stmt)).all()
            buckets = {
                int(r[0]): (int(r[1]), from_cents(r[2])) for r in (await session.execute(buckets_stmt)).all()
            }
            # Open orders of a stage = its live (not cancelled) orders, counted by the rollup. The median
            # time in stage is the middle entry time(s) of each stage, read with OFFSET in the index order
            # instead of loading every row; all stages in one UNION ALL.
            open_counts: dict[str, int] = defaultdict(int)
            for stage, _plan, is_cancelled, orders, *_sums in cohort:
                if not is_cancelled and stage != "fully_paid":
                    open_counts[stage] += int(orders)
            middles = [
                select(o.payment_stage, o.stage_changed_at)
                .where(*waiting, o.payment_stage == stage)
                .order_by(o.stage_changed_at, o.id)
                .offset((count - 1) // 2)
                .limit(1 if count % 2 else 2)
                .subquery()
                for stage, count in sorted(open_counts.items())
                if count
            ]
            entered: dict[str, list[datetime]] = defaultdict(list)
            if middles:
                middle_stmt = union_all(*(select(middle) for middle in middles))
                for stage, changed_at in (await session.execute(middle_stmt)).all():
                    entered[stage].append(changed_at)

        live: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        cancelled = deposit_paid = deposit_dropped = 0
        for stage, plan, is_cancelled, orders, with_payment, *cents in cohort:
            if is_cancelled:
                cancelled += int(orders)
            else:
                sums = live[stage]
                sums[0] += int(orders)
                for i, value in enumerate(cents, start=1):
                    sums[i] += int(value)
            if plan == "deposit":
                deposit_paid += int(with_payment)
                if is_cancelled or stage != "fully_paid":
                    deposit_dropped += int(with_payment)
        stages = []
        for stage in PAYMENT_STAGES:
            count, total, paid, due_now, remaining = live.get(stage, [0, 0, 0, 0, 0])
            median = None
            if count and stage != "fully_paid" and entered[stage]:
                waits = [wait_seconds(changed_at, now) for changed_at in entered[stage]]
                median = money(sum(waits, Decimal(0)) / len(waits) / SECONDS_PER_HOUR)
            stages.append(
                StageStats(
                    stage=stage,
                    orders=count,
                    total=from_cents(total),
                    paid=from_cents(paid),
                    due_now=from_cents(due_now),
                    remaining_due=from_cents(remaining),
                    median_hours_in_stage=median,
                )
            )
        labels: list[DueLabel] = [label for label, _ in DUE_BUCKETS] + [OVERDUE_LABEL]
        return FunnelData(
            start=window.start,
            end=window.end,
            as_of=now,
            currency=self._currency,
            orders_created=sum(s.orders for s in stages) + cancelled,
            cancelled=cancelled,
            stages=tuple(stages),
            due_buckets=tuple(
                DueBucket(label=label, orders=n, due_now=due)
                for label, (n, due) in ((label, buckets.get(i, (0, ZERO))) for i, label in enumerate(labels))
            ),
            deposit_paid=deposit_paid,
            deposit_dropped=deposit_dropped,
            sources=(DAILY_FUNNEL, ORDERS),
        )


def wait_seconds(changed_at: datetime, now: datetime) -> Decimal:
    """Exact seconds since `changed_at`; an order stamped after `now` (clock skew) has waited zero."""
    return Decimal(max((now - changed_at) // timedelta(microseconds=1), 0)) / 1_000_000
