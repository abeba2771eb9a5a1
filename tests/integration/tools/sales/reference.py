"""Reference figures computed in plain Python over the raw demo rows: no rollups, no reader SQL.

Every row is loaded with SQLAlchemy, and each figure is recomputed with loops, `zoneinfo` and the
definitions as written in `upstream/sales.py` (shop-local calendar days via `astimezone`, not
`DayWindow`), so a wrong bound, join, rollup or rounding in the reader disagrees with this module.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.demo_models import (
    DemoCategory,
    DemoCoupon,
    DemoCouponUse,
    DemoOrder,
    DemoOrderItem,
    DemoPayment,
    DemoProduct,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
STAGES = ("pending", "deposit_due", "balance_due", "preorder", "fully_paid")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pct(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    return None if denominator == 0 else q2(Decimal(numerator) * 100 / Decimal(denominator))


def div(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    return None if denominator == 0 else q2(Decimal(numerator) / Decimal(denominator))


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class Raw:
    """Every demo row a sales answer depends on, detached from the session."""

    tz: str
    now: datetime
    orders: list[DemoOrder]
    payments: list[DemoPayment]
    items: list[DemoOrderItem]
    products: dict[int, DemoProduct]
    categories: dict[int, DemoCategory]
    coupons: list[DemoCoupon]
    coupon_uses: list[DemoCouponUse]
    _items_by_order: dict[int, list[DemoOrderItem]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_order: dict[int, list[DemoOrderItem]] = defaultdict(list)
        for item in self.items:
            by_order[item.order_id].append(item)
        self._items_by_order = dict(by_order)

    def local(self, instant: datetime) -> date:
        return instant.astimezone(ZoneInfo(self.tz)).date()

    @property
    def today(self) -> date:
        return self.local(self.now)

    def within(self, instant: datetime | None, first: date, last: date) -> bool:
        return instant is not None and first <= self.local(instant) <= last

    def items_of(self, order_id: int) -> list[DemoOrderItem]:
        return self._items_by_order.get(order_id, [])

    # -- KPI --------------------------------------------------------------------------------------

    def kpi(self, first: date, last: date) -> dict[str, Any]:
        gross = sum(
            (
                p.amount
                for p in self.payments
                if p.status in ("confirmed", "refunded") and self.within(p.confirmed_at, first, last)
            ),
            ZERO,
        )
        refunds = sum(
            (p.refund_amount or ZERO for p in self.payments if self.within(p.refunded_at, first, last)), ZERO
        )
        created = sum(1 for o in self.orders if self.within(o.created_at, first, last))
        paid = [o for o in self.orders if self.within(o.paid_at, first, last)]
        value = sum((o.total for o in paid), ZERO)
        return {
            "revenue_gross": gross,
            "refunds": refunds,
            "revenue_net": gross - refunds,
            "orders_created": created,
            "orders_paid": len(paid),
            "paid_orders_value": value,
            "aov": div(value, len(paid)),
            "paid_rate_pct": pct(len(paid), created),
        }

    def first_activity_day(self) -> date:
        instants = [o.created_at for o in self.orders] + [
            p.confirmed_at for p in self.payments if p.confirmed_at
        ]
        return self.local(min(instants))

    # -- products ---------------------------------------------------------------------------------

    def product_sales(self, first: date, last: date, group_by: str) -> dict[int, dict[str, Any]]:
        """qty, revenue (line totals) and distinct orders per product or category, over paid orders."""
        rows: dict[int, dict[str, Any]] = defaultdict(lambda: {"qty": 0, "revenue": ZERO, "orders": set()})
        for order in self.orders:
            if not self.within(order.paid_at, first, last):
                continue
            for item in self.items_of(order.id):
                key = item.product_id if group_by == "product" else self.products[item.product_id].category_id
                rows[key]["qty"] += item.qty
                rows[key]["revenue"] += item.line_total
                rows[key]["orders"].add(order.id)
        return {k: {**v, "orders": len(v["orders"])} for k, v in rows.items()}

    def daily_units(self, first: date, last: date) -> dict[int, list[int]]:
        units: dict[int, list[int]] = defaultdict(lambda: [0] * ((last - first).days + 1))
        for order in self.orders:
            if not self.within(order.paid_at, first, last):
                continue
            assert order.paid_at is not None
            offset = (self.local(order.paid_at) - first).days
            for item in self.items_of(order.id):
                units[item.product_id][offset] += item.qty
        return dict(units)

    # -- funnel -----------------------------------------------------------------------------------

    def funnel(self, first: date, last: date) -> dict[str, Any]:
        cohort = [o for o in self.orders if self.within(o.created_at, first, last)]
        live = [o for o in cohort if o.status != "cancelled"]
        stages = {}
        for stage in STAGES:
            members = [o for o in live if o.payment_stage == stage]
            # Exact waits in microseconds, never negative (an entry after `now` has waited zero).
            waits = [
                max(Decimal((self.now - o.stage_changed_at) // timedelta(microseconds=1)), ZERO)
                for o in members
            ]
            median = None
            if waits and stage != "fully_paid":
                median = q2(statistics.median(waits) / 1_000_000 / 3600)
            stages[stage] = {
                "orders": len(members),
                "total": sum((o.total for o in members), ZERO),
                "paid": sum((o.amount_paid for o in members), ZERO),
                "due_now": sum((o.due_now for o in members), ZERO),
                "remaining_due": sum((o.remaining_due for o in members), ZERO),
                "median_hours_in_stage": median,
            }
        buckets: dict[str, tuple[int, Decimal]] = {
            label: (0, ZERO) for label in ("0-24h", "1-3d", "3-7d", ">7d")
        }
        for o in live:
            if o.payment_stage == "fully_paid" or o.due_now <= 0:
                continue
            hours = (self.now - o.stage_changed_at) / timedelta(hours=1)
            label = "0-24h" if hours < 24 else "1-3d" if hours < 72 else "3-7d" if hours < 168 else ">7d"
            count, due = buckets[label]
            buckets[label] = (count + 1, due + o.due_now)
        deposit = [o for o in cohort if o.payment_plan == "deposit" and o.amount_paid > 0]
        dropped = [o for o in deposit if o.status == "cancelled" or o.payment_stage != "fully_paid"]
        return {
            "orders_created": len(cohort),
            "cancelled": len(cohort) - len(live),
            "stages": stages,
            "buckets": buckets,
            "deposit_paid": len(deposit),
            "deposit_dropped": len(dropped),
        }

    # -- payments ---------------------------------------------------------------------------------

    def payment_issues(
        self, first: date, last: date
    ) -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, int]]]:
        methods: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"attempts": 0, "failed": 0, "pending": 0, "refunds": 0, "refund_amount": ZERO}
        )
        products: dict[int, dict[str, int]] = defaultdict(lambda: {"attempts": 0, "failed": 0, "refunds": 0})
        for p in self.payments:
            order_products = {i.product_id for i in self.items_of(p.order_id)}
            if self.within(p.created_at, first, last):
                resolved = p.status in ("confirmed", "refunded", "failed")
                methods[p.method]["attempts"] += resolved
                methods[p.method]["failed"] += p.status == "failed"
                methods[p.method]["pending"] += p.status == "pending"
                for product_id in order_products:
                    products[product_id]["attempts"] += resolved
                    products[product_id]["failed"] += p.status == "failed"
            if self.within(p.refunded_at, first, last):
                methods[p.method]["refunds"] += 1
                methods[p.method]["refund_amount"] += p.refund_amount or ZERO
                for product_id in order_products:
                    products[product_id]["refunds"] += 1
        return dict(methods), dict(products)

    # -- coupons ----------------------------------------------------------------------------------

    def coupons_report(self, first: date, last: date) -> dict[str, dict[str, Any]]:
        by_id = {c.id: c for c in self.coupons}
        total_uses = Counter(u.coupon_id for u in self.coupon_uses if u.used_at <= self.now)
        report: dict[str, dict[str, Any]] = {}
        for coupon in self.coupons:
            report[coupon.code] = {
                "percent": coupon.percent,
                "uses_total": total_uses[coupon.id],
                "uses": 0,
                "discount": ZERO,
                "order_total": ZERO,
                "active": bool(
                    coupon.active
                    and coupon.starts_at <= self.now
                    and (coupon.ends_at is None or coupon.ends_at > self.now)
                    and (coupon.max_uses is None or total_uses[coupon.id] < coupon.max_uses)
                ),
            }
        for use in self.coupon_uses:
            if self.within(use.used_at, first, last):
                row = report[by_id[use.coupon_id].code]
                row["uses"] += 1
                row["discount"] += use.discount_amount
                row["order_total"] += use.order_total
        return report


async def load_raw(session_factory: async_sessionmaker[AsyncSession], *, tz: str, now: datetime) -> Raw:
    async with session_factory() as session:

        async def rows(model: Any) -> list[Any]:
            return list((await session.scalars(select(model))).all())

        return Raw(
            tz=tz,
            now=now,
            orders=await rows(DemoOrder),
            payments=await rows(DemoPayment),
            items=await rows(DemoOrderItem),
            products={p.id: p for p in await rows(DemoProduct)},
            categories={c.id: c for c in await rows(DemoCategory)},
            coupons=await rows(DemoCoupon),
            coupon_uses=await rows(DemoCouponUse),
        )
