"""Products: the catalog snapshot, rankings and daily units, from `demo_daily_product_sales`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import (
    DemoCategory,
    DemoDailyProductSales,
    DemoDailySales,
    DemoOrder,
    DemoOrderItem,
    DemoProduct,
)
from ownerbot.upstream.demo.db import cents_sum, from_cents
from ownerbot.upstream.demo.kpi_queries import DAILY, RollupQueries
from ownerbot.upstream.sales import (
    ZERO,
    CatalogProduct,
    CatalogSnapshot,
    ProductDailyUnits,
    ProductGrouping,
    ProductRanking,
    ProductSalesRow,
    RankDirection,
    RankMetric,
)

DAILY_PRODUCTS = DemoDailyProductSales.__tablename__
ORDERS = DemoOrder.__tablename__
ITEMS = DemoOrderItem.__tablename__
PRODUCTS = DemoProduct.__tablename__
CATEGORIES = DemoCategory.__tablename__


class ProductQueries(RollupQueries):
    """`catalog_products`, `top_products` and `product_daily_units`."""

    async def catalog_products(self) -> CatalogSnapshot:
        async with self._session() as session:
            products = await _catalog(session)
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
        dp, d = DemoDailyProductSales, DemoDailySales
        key = dp.product_id if group_by == "product" else dp.category_id
        sold_stmt = (
            select(key.label("key"), func.sum(dp.qty), cents_sum(dp.revenue), func.sum(dp.orders))
            .where(dp.day >= window.start, dp.day <= window.end)
            .group_by(key)
        )
        paid_stmt = select(func.coalesce(func.sum(d.orders_paid), 0)).where(
            d.day >= window.start, d.day <= window.end
        )
        sources = [DAILY_PRODUCTS, DAILY, PRODUCTS, CATEGORIES]
        orders_by_category: dict[int, int] = {}
        categories: Sequence[tuple[int, str]] = ()
        async with self._session() as session:
            await self._rollup_head(session, window)
            sold = {
                r[0]: (int(r[1]), from_cents(r[2]), int(r[3]))
                for r in (await session.execute(sold_stmt)).all()
            }
            total_orders = int((await session.execute(paid_stmt)).scalar_one())
            catalog = await _catalog(session)
            if group_by == "category":
                # A multi-product order counts once per category, which the per-product rollup cannot tell.
                orders_by_category = await _paid_orders_by_category(session, window)
                category_stmt = select(DemoCategory.id, DemoCategory.name).order_by(DemoCategory.id)
                categories = [(int(r[0]), str(r[1])) for r in (await session.execute(category_stmt)).all()]
                sources += [ORDERS, ITEMS]

        rows: list[ProductSalesRow] = []
        if group_by == "product":
            for prod in catalog:
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
            total_orders=total_orders,
            candidates=len(ranked),
            sources=tuple(dict.fromkeys(sources)),
        )

    async def product_daily_units(self, window: DayWindow) -> ProductDailyUnits:
        dp = DemoDailyProductSales
        stmt = select(dp.day, dp.product_id, dp.qty).where(dp.day >= window.start, dp.day <= window.end)
        units: dict[int, list[int]] = defaultdict(lambda: [0] * window.n_days)
        async with self._session() as session:
            await self._rollup_head(session, window)
            for row in (await session.execute(stmt)).all():
                units[row.product_id][(row.day - window.start).days] += row.qty
        return ProductDailyUnits(
            start=window.start,
            end=window.end,
            units={pid: tuple(series) for pid, series in sorted(units.items()) if any(series)},
            sources=(DAILY_PRODUCTS,),
        )


async def _catalog(session: AsyncSession) -> tuple[CatalogProduct, ...]:
    p, c = DemoProduct, DemoCategory
    stmt = (
        select(p.id, p.name, p.category_id, c.name.label("category_name"), p.kind, p.status, p.stock)
        .join(c, c.id == p.category_id)
        .order_by(p.id)
    )
    return tuple(
        CatalogProduct(
            id=r.id,
            name=r.name,
            category_id=r.category_id,
            category_name=r.category_name,
            kind=r.kind,
            status=r.status,
            stock=r.stock,
        )
        for r in (await session.execute(stmt)).all()
    )


async def _paid_orders_by_category(session: AsyncSession, window: DayWindow) -> dict[int, int]:
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
    return {int(r[0]): int(r[1]) for r in (await session.execute(stmt)).all()}


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
