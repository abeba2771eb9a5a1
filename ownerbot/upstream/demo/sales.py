"""`SalesReader` over the DEMO tables: `DemoSalesReader`, composed of the demo query classes.

KPI, trend, ranking, funnel stages and payment issues read the per-day rollups (`demo_daily_*`), so they
cost O(days), not O(orders); what depends on the moment asked (due-now buckets, median waits) reads the
open orders through a partial index. No SQL uses a time zone function: local days are turned into UTC
bounds in Python (`DayWindow.utc_bounds`), so PostgreSQL and SQLite answer alike. Where each answer
comes from:

* `kpi_queries`: `kpi_totals`, `daily_series` (and the rollup-zone guard every rollup reader shares);
* `product_queries`: `catalog_products`, `top_products`, `product_daily_units`;
* `funnel_queries`: `funnel`;
* `payments_queries`: `payment_issues`;
* `coupon_queries`: `coupon_usage`.
"""

from __future__ import annotations

from ownerbot.upstream.demo.coupon_queries import CouponQueries
from ownerbot.upstream.demo.funnel_queries import FunnelQueries
from ownerbot.upstream.demo.kpi_queries import KpiQueries
from ownerbot.upstream.demo.payments_queries import PaymentIssueQueries
from ownerbot.upstream.demo.product_queries import ProductQueries, rank_rows

__all__ = ["DemoSalesReader", "rank_rows"]


class DemoSalesReader(KpiQueries, ProductQueries, FunnelQueries, PaymentIssueQueries, CouponQueries):
    """Answers sales questions from the demo tables; `tz` is the time zone the rollups were built in.

    Built as `DemoSalesReader(session_factory, tz=..., currency=...)`; every method opens (and closes)
    one session of its own.
    """
