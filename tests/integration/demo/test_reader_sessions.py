"""Demo reads tune their own sessions (autocommit, planner settings): none of it leaks into the pool."""

from __future__ import annotations

from sqlalchemy import func, select, text

from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.storage.demo_models import DemoOrderNote
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.ops import OrderQuery
from tests.conftest import SeededDemo


async def test_a_demo_read_leaves_pooled_connections_as_it_found_them(seeded_demo: SeededDemo) -> None:
    provider = DemoProvider(seeded_demo.session_factory, tz=seeded_demo.tz, currency=seeded_demo.currency)
    today = DayWindow.single(local_day(seeded_demo.now, seeded_demo.tz), seeded_demo.tz)
    await provider.sales.kpi_totals(today)  # an autocommit read on PostgreSQL
    await provider.sales.funnel(today, seeded_demo.now)  # custom plans, no parallel workers
    await provider.ops.search_orders(OrderQuery(preset="stuck"), seeded_demo.now)

    # The next user of the pooled connection still writes in a transaction a rollback undoes ...
    async with seeded_demo.session_factory() as session:
        session.add(DemoOrderNote(order_id=1, text="not kept", created_at=seeded_demo.now))
        await session.flush()
        await session.rollback()
    async with seeded_demo.session_factory() as session:
        kept = await session.scalar(select(func.count()).where(DemoOrderNote.text == "not kept"))
        assert kept == 0
        if seeded_demo.backend == "postgresql":
            # ... and plans with the server's defaults.
            assert await session.scalar(text("SHOW plan_cache_mode")) == "auto"
            assert await session.scalar(text("SHOW max_parallel_workers_per_gather")) != "0"
