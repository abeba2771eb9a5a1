"""The DEMO answers to operations questions: `DemoOpsReader`, composed of the demo query classes.

SQL over the `demo_*` tables, the same on PostgreSQL and SQLite. No time-zone functions run in SQL: day
windows become UTC bounds in Python (`DayWindow.utc_bounds`), so both engines compare plain UTC
timestamps. Where each answer comes from:

* `orders_queries`: `search_orders` (filters, problem presets, keyset paging);
* `order_detail_queries`: `order_detail`;
* `inventory_queries`: `inventory`;
* `support_queries`: `unanswered_threads`, `queue_summary`;
* `access_queries`: `access`, `renewals`;
* `nudge_queries`: `nudges`;
* `payments_queries`: `payment_failures`.
"""

from __future__ import annotations

from ownerbot.upstream.demo.access_queries import AccessQueries
from ownerbot.upstream.demo.inventory_queries import InventoryQueries
from ownerbot.upstream.demo.nudge_queries import NudgeQueries
from ownerbot.upstream.demo.order_detail_queries import OrderDetailQueries
from ownerbot.upstream.demo.orders_queries import OrderSearchQueries
from ownerbot.upstream.demo.payments_queries import PaymentFailureQueries
from ownerbot.upstream.demo.support_queries import SupportQueries

__all__ = ["DemoOpsReader"]


class DemoOpsReader(
    OrderSearchQueries,
    OrderDetailQueries,
    InventoryQueries,
    SupportQueries,
    AccessQueries,
    NudgeQueries,
    PaymentFailureQueries,
):
    """Implements `OpsReader` over the demo tables; every method opens (and closes) one session of its own.

    Built as `DemoOpsReader(session_factory, tz=..., currency=...)` like the sales reader. Windows arrive
    with their own time zone and rows are UTC, so `tz` serves no ops answer.
    """
