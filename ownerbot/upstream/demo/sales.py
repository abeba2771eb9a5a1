"""`SalesReader` over the DEMO tables.

KPI, trend and ranking answers read the per-day rollups (`demo_daily_sales`,
`demo_daily_product_sales`), so they cost O(days), not O(orders). Funnel, payment issues and coupons
read base tables through indexed time filters. No SQL here uses a time zone function: local days are
turned into UTC bounds in Python (`DayWindow.utc_bounds`), so PostgreSQL and SQLite answer alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import BigInteger, ColumnElement, Row, Select, case, cast, func, or_, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import (
    DemoCategory,
    DemoCoupon,
    DemoCouponUse,
    DemoDailyProductSales,
    DemoDailySales,
    DemoMeta,
    DemoOrder,
    DemoOrderItem,
    DemoPayment,
    DemoProduct,
)
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable
from ownerbot.upstream.sales import (
    CENT,
    PAYMENT_STAGES,
    ZERO,
    CatalogProduct,
    CatalogSnapshot,
    CouponReport,
    CouponUsage,
    DailyPoint,
    DailySeries,
    DueBucket,
    DueLabel,
    FunnelData,
    KpiTotals,
    MethodPaymentStats,
    PaymentIssueStats,
    ProductDailyUnits,
    ProductGrouping,
    ProductPaymentStats,
    ProductRanking,
    ProductSalesRow,
    RankDirection,
    RankMetric,
    StageStats,
    money,
)

DAILY = DemoDailySales.__tablename__
DAILY_PRODUCTS = DemoDailyProductSales.__tablename__
ORDERS = DemoOrder.__tablename__
ITEMS = DemoOrderItem.__tablename__
PAYMENTS = DemoPayment.__tablename__
PRODUCTS = DemoProduct.__tablename__
CATEGORIES = DemoCategory.__tablename__
COUPONS = DemoCoupon.__tablename__
COUPON_USES = DemoCouponUse.__tablename__

# Due-now buckets by hours in the current stage: each label holds waits below its bound; the rest are
# OVERDUE_LABEL.
DUE_BUCKETS: tuple[tuple[DueLabel, int], ...] = (("0-24h", 24), ("1-3d", 72), ("3-7d", 168))
OVERDUE_LABEL: DueLabel = ">7d"
RESOLVED_PAYMENT = ("confirmed", "refunded", "failed")
SECONDS_PER_HOUR = Decimal(3600)

Cols = TypeVarTuple("Cols")
AnyRow = Row[*tuple[Any, ...]]


class DemoSalesReader:
    """Answers sales questions from the demo tables; `tz` is the time zone the rollups were built in."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, tz: str, currency: str) -> None:
        self._session_factory = session_factory
        self._tz = tz
        self._currency = currency

    async def _rows(self, stmt: Select[*Cols]) -> Sequence[Row[*Cols]]:
        """Run one read; a database that cannot be reached becomes `ProviderUnavailable`."""
        try:
            async with self._session_factory() as session:
                result = await session.execute(stmt)
                return result.all()
        except (OperationalError, InterfaceError, OSError, TimeoutError) as exc:
            raise ProviderUnavailable(f"demo database unavailable: {type(exc).__name__}") from exc
        except DBAPIError as exc:
            # Other driver errors are bugs in the query and must surface as such, not as an outage.
            if exc.connection_invalidated:
                raise ProviderUnavailable(f"demo database connection lost: {type(exc).__name__}") from exc
            raise

    async def _require_rollup_tz(self, window: DayWindow) -> None:
        """Rollup days are local days of one zone: summing them for another zone would shift the window.

        Refused when the window is in another zone than the reader, or when the shop's zone setting
        changed since the seed (`demo_meta.tz`).
        """
        if window.tz != self._tz:
            raise ProviderNotSupported(f"demo rollups are by {self._tz} days, not {window.tz} days")
        seeded = await self._rows(select(DemoMeta.value).where(DemoMeta.key == "tz"))
        if seeded and seeded[0][0] != self._tz:
            raise ProviderNotSupported(
                f"demo rollups were built for {seeded[0][0]} days, not {self._tz} days"
            )

    async def _daily_rows(self, window: DayWindow) -> tuple[dict[date, AnyRow], date | None]:
        """Rollup rows of the window by day, and the first day the demo has data for (None: no data).

        Quiet days have no rollup row, so coverage is judged by the first rollup day of the whole shop:
        a day before it is "no data", a day after it without a row is a real zero.
        """
        await self._require_rollup_tz(window)
        d = DemoDailySales
        stmt = select(
            d.day, d.revenue_gross, d.refunds, d.orders_created, d.orders_paid, d.paid_orders_value
        ).where(d.day >= window.start, d.day <= window.end)
        rows = {row.day: row for row in await self._rows(stmt)}
        first_day = (await self._rows(select(func.min(d.day))))[0][0]
        return rows, first_day

    async def kpi_totals(self, window: DayWindow) -> KpiTotals:
        by_day, first_day = await self._daily_rows(window)
        rows = by_day.values()
        covered = 0 if first_day is None else sum(1 for day in window.days() if day >= first_day)
        # Summed in Python: O(days) rows, and Decimal stays exact on SQLite too (no float SUM).
        return KpiTotals(
            start=window.start,
            end=window.end,
            currency=self._currency,
            revenue_gross=sum((r.revenue_gross for r in rows), ZERO),
            refunds=sum((r.refunds for r in rows), ZERO),
            orders_created=sum(r.orders_created for r in rows),
            orders_paid=sum(r.orders_paid for r in rows),
            paid_orders_value=sum((r.paid_orders_value for r in rows), ZERO),
            days_covered=covered,
            sources=(DAILY,),
        )

    async def daily_series(self, window: DayWindow) -> DailySeries:
        rows, first_day = await self._daily_rows(window)
        points = []
        for day in window.days():
            row = rows.get(day)
            covered = first_day is not None and day >= first_day
            if row is None:
                points.append(
                    DailyPoint(
                        day=day,
                        revenue_gross=ZERO,
                        orders_paid=0,
                        refunds=ZERO,
                        orders_created=0,
                        covered=covered,
                    )
                )
            else:
                points.append(
                    DailyPoint(
                        day=day,
                        revenue_gross=row.revenue_gross,
                        orders_paid=row.orders_paid,
                        refunds=row.refunds,
                        orders_created=row.orders_created,
                    )
                )
        return DailySeries(
            start=window.start,
            end=window.end,
            currency=self._currency,
            points=tuple(points),
            sources=(DAILY,),
        )

    async def catalog_products(self) -> CatalogSnapshot:
        p, c = DemoProduct, DemoCategory
        stmt = (
            select(p.id, p.name, p.category_id, c.name.label("category_name"), p.kind, p.status, p.stock)
            .join(c, c.id == p.category_id)
            .order_by(p.id)
        )
        products = tuple(
            CatalogProduct(
                id=r.id,
                name=r.name,
                category_id=r.category_id,
                category_name=r.category_name,
                kind=r.kind,
                status=r.status,
                stock=r.stock,
            )
            for r in await self._rows(stmt)
        )
        return CatalogSnapshot(products=products, sources=(PRODUCTS, CATEGORIES))

    async def top_products(
        self,
        window: DayWindow,
        *,
        metric: RankMetric,
        direction: RankDirection,
        group_by: ProductGrouping,
        limit: int,
    ) -> ProductRanking:
        """Rank over fully paid orders; `bottom` also ranks ACTIVE products (all categories) with no sales.

        Unsold active items are the true bottom of a catalog; `top` leaves them out, a best seller with
        zero sales says nothing.
        """
        await self._require_rollup_tz(window)
        dp = DemoDailyProductSales
        key = dp.product_id if group_by == "product" else dp.category_id
        stmt = (
            select(key.label("key"), func.sum(dp.qty), cents_sum(dp.revenue), func.sum(dp.orders))
            .where(dp.day >= window.start, dp.day <= window.end)
            .group_by(key)
        )
        sold = {r[0]: (int(r[1]), from_cents(r[2]), int(r[3])) for r in await self._rows(stmt)}
        catalog = await self.catalog_products()
        daily = (await self._daily_rows(window))[0].values()
        sources = [DAILY_PRODUCTS, DAILY, *catalog.sources]

        rows: list[ProductSalesRow] = []
        if group_by == "product":
            for prod in catalog.products:
                if prod.id in sold or (direction == "bottom" and prod.status == "ACTIVE"):
                    qty, revenue, orders = sold.get(prod.id, (0, ZERO, 0))
                    rows.append(
                        ProductSalesRow(
                            id=prod.id,
                            name=prod.name,
                            category_id=prod.category_id,
                            category_name=prod.category_name,
                            qty=qty,
                            revenue=revenue,
                            orders=orders,
                        )
                    )
        else:
            # A multi-product order counts once per category, which the per-product rollup cannot tell.
            orders_by_category = await self._paid_orders_by_category(window)
            sources += [ORDERS, ITEMS]
            categories = await self._rows(
                select(DemoCategory.id, DemoCategory.name).order_by(DemoCategory.id)
            )
            for cat_id, name in categories:
                if cat_id in sold or direction == "bottom":
                    qty, revenue, _ = sold.get(cat_id, (0, ZERO, 0))
                    rows.append(
                        ProductSalesRow(
                            id=cat_id,
                            name=name,
                            category_id=cat_id,
                            category_name=name,
                            qty=qty,
                            revenue=revenue,
                            orders=orders_by_category.get(cat_id, 0),
                        )
                    )
        ranked = rank_rows(rows, metric=metric, direction=direction)
        return ProductRanking(
            start=window.start,
            end=window.end,
            currency=self._currency,
            metric=metric,
            direction=direction,
            group_by=group_by,
            rows=tuple(ranked[:limit]),
            total_qty=sum(v[0] for v in sold.values()),
            total_revenue=sum((v[1] for v in sold.values()), ZERO),
            total_orders=sum(r.orders_paid for r in daily),
            candidates=len(ranked),
            sources=tuple(dict.fromkeys(sources)),
        )

    async def _paid_orders_by_category(self, window: DayWindow) -> dict[int, int]:
        lo, hi = window.utc_bounds()
        o, i, p = DemoOrder, DemoOrderItem, DemoProduct
        stmt = (
            select(p.category_id, func.count(func.distinct(o.id)))
            .select_from(o)
            .join(i, i.order_id == o.id)
            .join(p, p.id == i.product_id)
            .where(o.paid_at >= lo, o.paid_at < hi)
            .group_by(p.category_id)
        )
        return {int(r[0]): int(r[1]) for r in await self._rows(stmt)}

    async def product_daily_units(self, window: DayWindow) -> ProductDailyUnits:
        await self._require_rollup_tz(window)
        dp = DemoDailyProductSales
        stmt = select(dp.day, dp.product_id, dp.qty).where(dp.day >= window.start, dp.day <= window.end)
        units: dict[int, list[int]] = defaultdict(lambda: [0] * window.n_days)
        for row in await self._rows(stmt):
            units[row.product_id][(row.day - window.start).days] += row.qty
        return ProductDailyUnits(
            start=window.start,
            end=window.end,
            units={pid: tuple(series) for pid, series in sorted(units.items()) if any(series)},
            sources=(DAILY_PRODUCTS,),
        )

    async def funnel(self, window: DayWindow, now: datetime) -> FunnelData:
        """Aggregated in SQL (a big shop has many orders a month); only medians fetch single rows."""
        lo, hi = window.utc_bounds()
        o = DemoOrder
        cohort = (o.created_at >= lo, o.created_at < hi)
        live = (*cohort, o.status != "cancelled")
        by_stage_stmt = (
            select(
                o.payment_stage,
                func.count(),
                cents_sum(o.total),
                cents_sum(o.amount_paid),
                cents_sum(o.due_now),
                cents_sum(o.remaining_due),
            )
            .where(*live)
            .group_by(o.payment_stage)
        )
        by_stage = {r[0]: r for r in await self._rows(by_stage_stmt)}
        cancelled = await self._scalar(select(func.count()).where(*cohort, o.status == "cancelled"))

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
            .where(*live, o.payment_stage != "fully_paid", o.due_now > 0)
            .group_by(age)
        )
        buckets = {int(r[0]): (int(r[1]), from_cents(r[2])) for r in await self._rows(buckets_stmt)}
        labels: list[DueLabel] = [label for label, _ in DUE_BUCKETS] + [OVERDUE_LABEL]

        dropped = case((or_(o.status == "cancelled", o.payment_stage != "fully_paid"), 1), else_=0)
        deposit_stmt = select(func.count(), func.coalesce(func.sum(dropped), 0)).where(
            *cohort, o.payment_plan == "deposit", o.amount_paid > 0
        )
        deposit_paid, deposit_dropped = (await self._rows(deposit_stmt))[0]

        stages = []
        for stage in PAYMENT_STAGES:
            row = by_stage.get(stage)
            count = int(row[1]) if row else 0
            median = None
            if count and stage != "fully_paid":
                median = await self._median_wait_hours(o.payment_stage == stage, live, count, now)
            stages.append(
                StageStats(
                    stage=stage,
                    orders=count,
                    total=from_cents(row[2] if row else 0),
                    paid=from_cents(row[3] if row else 0),
                    due_now=from_cents(row[4] if row else 0),
                    remaining_due=from_cents(row[5] if row else 0),
                    median_hours_in_stage=median,
                )
            )
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
            deposit_paid=int(deposit_paid),
            deposit_dropped=int(deposit_dropped),
            sources=(ORDERS,),
        )

    async def _median_wait_hours(
        self,
        stage_filter: ColumnElement[bool],
        live: tuple[ColumnElement[bool], ...],
        count: int,
        now: datetime,
    ) -> Decimal:
        """Median time in stage: the middle entry time(s), read with OFFSET instead of loading every row."""
        o = DemoOrder
        stmt = (
            select(o.stage_changed_at)
            .where(*live, stage_filter)
            .order_by(o.stage_changed_at, o.id)
            .offset((count - 1) // 2)
            .limit(1 if count % 2 else 2)
        )
        waits = [wait_seconds(r[0], now) for r in await self._rows(stmt)]
        return money(sum(waits, Decimal(0)) / len(waits) / SECONDS_PER_HOUR)

    async def _scalar(self, stmt: Select[int]) -> int:
        return int((await self._rows(stmt))[0][0] or 0)

    async def payment_issues(self, window: DayWindow) -> PaymentIssueStats:
        lo, hi = window.utc_bounds()
        pay, item = DemoPayment, DemoOrderItem
        created = (pay.created_at >= lo, pay.created_at < hi)
        # Refunds by `refunded_at`, as the rollups count them.
        refunded = (pay.refunded_at >= lo, pay.refunded_at < hi)
        attempts_stmt = (
            select(pay.method, pay.status, func.count()).where(*created).group_by(pay.method, pay.status)
        )
        refunds_stmt = (
            select(pay.method, func.count(), cents_sum(pay.refund_amount))
            .where(*refunded)
            .group_by(pay.method)
        )
        # A product inherits the payments of the orders it is in; DISTINCT keeps two lines of one product
        # in an order from counting a payment twice.
        product_attempts_stmt = (
            select(item.product_id, pay.status, func.count(func.distinct(pay.id)))
            .select_from(pay)
            .join(item, item.order_id == pay.order_id)
            .where(*created)
            .group_by(item.product_id, pay.status)
        )
        product_refunds_stmt = (
            select(item.product_id, func.count(func.distinct(pay.id)))
            .select_from(pay)
            .join(item, item.order_id == pay.order_id)
            .where(*refunded)
            .group_by(item.product_id)
        )

        methods: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"attempts": 0, "failed": 0, "pending": 0, "refunds": 0, "refund_amount": ZERO}
        )
        for method, status, count in await self._rows(attempts_stmt):
            if status in RESOLVED_PAYMENT:
                methods[method]["attempts"] += count
            if status == "failed":
                methods[method]["failed"] += count
            elif status == "pending":
                methods[method]["pending"] += count
        for method, count, cents in await self._rows(refunds_stmt):
            methods[method]["refunds"] += count
            methods[method]["refund_amount"] += from_cents(cents)
        products: dict[int, dict[str, int]] = defaultdict(lambda: {"attempts": 0, "failed": 0, "refunds": 0})
        for product_id, status, count in await self._rows(product_attempts_stmt):
            if status in RESOLVED_PAYMENT:
                products[product_id]["attempts"] += count
            if status == "failed":
                products[product_id]["failed"] += count
        for product_id, count in await self._rows(product_refunds_stmt):
            products[product_id]["refunds"] += count

        names = {prod.id: prod.name for prod in (await self.catalog_products()).products}
        return PaymentIssueStats(
            start=window.start,
            end=window.end,
            currency=self._currency,
            by_method=tuple(MethodPaymentStats(method=m, **v) for m, v in sorted(methods.items())),
            by_product=tuple(
                ProductPaymentStats(product_id=pid, name=names.get(pid, f"#{pid}"), **v)
                for pid, v in sorted(products.items())
            ),
            sources=(PAYMENTS, ITEMS, PRODUCTS),
        )

    async def coupon_usage(self, window: DayWindow, now: datetime) -> CouponReport:
        lo, hi = window.utc_bounds()
        c, u = DemoCoupon, DemoCouponUse
        coupons = await self._rows(
            select(c.id, c.code, c.percent, c.active, c.starts_at, c.ends_at, c.max_uses).order_by(c.code)
        )
        # Uses up to `now` only: a use stamped later has not happened as of the answer.
        totals_stmt = select(u.coupon_id, func.count()).where(u.used_at <= now).group_by(u.coupon_id)
        totals = {int(r[0]): int(r[1]) for r in await self._rows(totals_stmt)}
        window_stmt = (
            select(u.coupon_id, func.count(), cents_sum(u.discount_amount), cents_sum(u.order_total))
            .where(u.used_at >= lo, u.used_at < hi)
            .group_by(u.coupon_id)
        )
        in_window = {
            int(r[0]): (int(r[1]), from_cents(r[2]), from_cents(r[3])) for r in await self._rows(window_stmt)
        }
        usages = []
        for coupon in coupons:
            uses_total = totals.get(coupon.id, 0)
            uses, discount, order_total = in_window.get(coupon.id, (0, ZERO, ZERO))
            active = (
                coupon.active
                and coupon.starts_at <= now
                and (coupon.ends_at is None or coupon.ends_at > now)
                and (coupon.max_uses is None or uses_total < coupon.max_uses)
            )
            usages.append(
                CouponUsage(
                    code=coupon.code,
                    percent=coupon.percent,
                    active=active,
                    starts_at=coupon.starts_at,
                    ends_at=coupon.ends_at,
                    max_uses=coupon.max_uses,
                    uses_total=uses_total,
                    uses=uses,
                    discount=discount,
                    order_total=order_total,
                )
            )
        return CouponReport(
            start=window.start,
            end=window.end,
            as_of=now,
            currency=self._currency,
            coupons=tuple(usages),
            sources=(COUPONS, COUPON_USES),
        )


def cents_sum(
    column: InstrumentedAttribute[Decimal] | InstrumentedAttribute[Decimal | None],
) -> ColumnElement[int]:
    """SUM in whole cents: exact on both engines (SQLite keeps money as REAL, and a float SUM drifts)."""
    return cast(func.coalesce(func.sum(func.round(column * 100)), 0), BigInteger)


def from_cents(cents: int | Decimal | None) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def wait_seconds(changed_at: datetime, now: datetime) -> Decimal:
    """Exact seconds since `changed_at`; an order stamped after `now` (clock skew) has waited zero."""
    return Decimal(max((now - changed_at) // timedelta(microseconds=1), 0)) / 1_000_000


def rank_rows(
    rows: Sequence[ProductSalesRow], *, metric: RankMetric, direction: RankDirection
) -> list[ProductSalesRow]:
    """Order by the metric, then by the other metric, then by id, so equal rows keep a stable order."""

    def key(row: ProductSalesRow) -> tuple[Decimal, Decimal, int]:
        main, other = (
            (row.revenue, Decimal(row.qty)) if metric == "revenue" else (Decimal(row.qty), row.revenue)
        )
        sign = -1 if direction == "top" else 1
        return sign * main, sign * other, row.id

    return sorted(rows, key=key)
