"""The funnel and payment rollups, counted by the generator while it creates orders and payments.

Definitions are those of `rollups` (`demo_daily_funnel`, `demo_daily_payments`,
`demo_daily_product_payments`); `rebuild_rollups` recomputes the same rows from the base tables, and a
test checks both against a plain-Python computation. Keys hold day indexes into the `TimeGrid`; money is
integer cents, as every generated row is (see `bulk_load`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from ownerbot.upstream.demo.bulk_load import Row
from ownerbot.upstream.demo.timegrid import TimeGrid

# Positions in a generated `demo_payments` row (see `payments_gen.PaymentPlans._pay`).
_METHOD, _STATUS, _CREATED, _REFUNDED_AT, _REFUND = 3, 4, 6, 8, 9


class RollupTally:
    """Accumulates the rows; `rows(days)` hands them over as generated rows of the three tables."""

    def __init__(self, grid: TimeGrid) -> None:
        self._day_index = grid.day_index
        # (day, stage, plan, cancelled) -> orders, orders_with_payment, total, paid, due_now, remaining.
        self._funnel: dict[tuple[int, str, str, bool], list[int]] = {}
        # (day, method, status) -> attempts, refunds, refund_amount.
        self._payments: dict[tuple[int, str, str], list[int]] = {}
        # (day, product, status) -> attempts, refunds.
        self._product_payments: dict[tuple[int, int, str], list[int]] = {}

    def order(
        self,
        created_day: int,
        *,
        stage: str,
        plan: str,
        cancelled: bool,
        total: int,
        amount_paid: int,
        due_now: int,
        remaining_due: int,
    ) -> None:
        """One order as it stands at `now`, on the day it was created."""
        key = (created_day, stage, plan, cancelled)
        acc = self._funnel.get(key)
        if acc is None:
            acc = self._funnel[key] = [0, 0, 0, 0, 0, 0]
        acc[0] += 1
        acc[1] += amount_paid > 0
        acc[2] += total
        acc[3] += amount_paid
        acc[4] += due_now
        acc[5] += remaining_due

    def payments(self, rows: Sequence[Row], product_ids: Iterable[int]) -> None:
        """The payment rows of one order, attributed to each distinct product of the order."""
        if not rows:
            return
        products = set(product_ids)
        for row in rows:
            method, status = row[_METHOD], row[_STATUS]
            self._payment(self._day_index(row[_CREATED]), method, status, products, 0, 0)
            refunded_at = row[_REFUNDED_AT]
            if refunded_at is not None:
                self._payment(self._day_index(refunded_at), method, status, products, 1, row[_REFUND] or 0)

    def _payment(
        self, day: int, method: str, status: str, products: set[int], slot: int, refund: int
    ) -> None:
        acc = self._payments.get((day, method, status))
        if acc is None:
            acc = self._payments[(day, method, status)] = [0, 0, 0]
        acc[slot] += 1
        acc[2] += refund
        for pid in products:
            per_product = self._product_payments.get((day, pid, status))
            if per_product is None:
                per_product = self._product_payments[(day, pid, status)] = [0, 0]
            per_product[slot] += 1

    def rows(self, days: Sequence[date]) -> dict[str, list[Row]]:
        """Generated rows (column order of the tables), keyed by table name."""
        return {
            "demo_daily_funnel": [
                (days[day], stage, plan, cancelled, *values)
                for (day, stage, plan, cancelled), values in sorted(self._funnel.items())
            ],
            "demo_daily_payments": [
                (days[day], method, status, *values)
                for (day, method, status), values in sorted(self._payments.items())
            ],
            "demo_daily_product_payments": [
                (days[day], pid, status, *values)
                for (day, pid, status), values in sorted(self._product_payments.items())
            ],
        }
