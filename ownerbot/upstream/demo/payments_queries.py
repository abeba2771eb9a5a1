"""Payment attempts and refunds: by local days from the rollups, or over exact instants from the index.

`payment_issues` (sales: by method and by product, for whole shop-local days) sums
`demo_daily_payments` and `demo_daily_product_payments`: O(days × methods/products) rows, where the base
tables would join every payment of the window with its order's items. `payment_failures` (ops: the last
N hours exactly) counts `demo_payments` from `ix_demo_payments_created_at`, which carries method and
status, so the table itself is not read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import DemoDailyPayments, DemoDailyProductPayments, DemoPayment, DemoProduct
from ownerbot.upstream.demo.db import DemoQueries, cents_sum, from_cents
from ownerbot.upstream.demo.kpi_queries import RollupQueries
from ownerbot.upstream.ops import MethodFailures, PaymentFailures
from ownerbot.upstream.sales import ZERO, MethodPaymentStats, PaymentIssueStats, ProductPaymentStats

RESOLVED_PAYMENT = ("confirmed", "refunded", "failed")


class PaymentIssueQueries(RollupQueries):
    """`payment_issues`: attempts (by creation day) and refunds (by refund day) per method and product."""

    async def payment_issues(self, window: DayWindow) -> PaymentIssueStats:
        pm, pp = DemoDailyPayments, DemoDailyProductPayments
        by_method_stmt = (
            select(
                pm.method, pm.status, func.sum(pm.attempts), func.sum(pm.refunds), cents_sum(pm.refund_amount)
            )
            .where(pm.day >= window.start, pm.day <= window.end)
            .group_by(pm.method, pm.status)
        )
        by_product_stmt = (
            select(pp.product_id, pp.status, func.sum(pp.attempts), func.sum(pp.refunds))
            .where(pp.day >= window.start, pp.day <= window.end)
            .group_by(pp.product_id, pp.status)
        )
        async with self._session() as session:
            await self._rollup_head(session, window)
            method_rows = (await session.execute(by_method_stmt)).all()
            product_rows = (await session.execute(by_product_stmt)).all()
            names = {
                int(r[0]): str(r[1])
                for r in (await session.execute(select(DemoProduct.id, DemoProduct.name))).all()
            }

        methods: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"attempts": 0, "failed": 0, "pending": 0, "refunds": 0, "refund_amount": ZERO}
        )
        for method, status, attempts, refunds, refund_cents in method_rows:
            stats = methods[method]
            _count_attempts(stats, status, int(attempts))
            if status == "pending":
                stats["pending"] += int(attempts)
            stats["refunds"] += int(refunds)
            stats["refund_amount"] += from_cents(refund_cents)
        products: dict[int, dict[str, int]] = defaultdict(lambda: {"attempts": 0, "failed": 0, "refunds": 0})
        for product_id, status, attempts, refunds in product_rows:
            stats = products[product_id]
            _count_attempts(stats, status, int(attempts))
            stats["refunds"] += int(refunds)
        return PaymentIssueStats(
            start=window.start,
            end=window.end,
            currency=self._currency,
            by_method=tuple(MethodPaymentStats(method=m, **v) for m, v in sorted(methods.items())),
            by_product=tuple(
                ProductPaymentStats(product_id=pid, name=names.get(pid, f"#{pid}"), **v)
                for pid, v in sorted(products.items())
            ),
            sources=(pm.__tablename__, pp.__tablename__, DemoProduct.__tablename__),
        )


def _count_attempts(stats: dict[str, Any], status: str, attempts: int) -> None:
    """Resolved attempts (confirmed, refunded, failed) count; pending ones do not dilute the share."""
    if status in RESOLVED_PAYMENT:
        stats["attempts"] += attempts
    if status == "failed":
        stats["failed"] += attempts


class PaymentFailureQueries(DemoQueries):
    """`payment_failures`: attempts created in (since, until] by method, from the covering index."""

    async def payment_failures(self, since: datetime, until: datetime) -> PaymentFailures:
        pay = DemoPayment
        stmt = (
            select(pay.method, pay.status, func.count())
            .where(pay.created_at > since, pay.created_at <= until)
            .group_by(pay.method, pay.status)
        )
        per: dict[str, list[int]] = {}
        for method, status, n in await self._rows(stmt):
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
        return PaymentFailures(
            since=since, until=until, by_method=tuple(methods), sources=(pay.__tablename__,)
        )
