"""SisProvider against the in-process simulator: every covered reader gives the same DTOs as the DEMO
readers over the simulator's own database (the simulator answers from them); uncovered tools answer
NOT_SUPPORTED through the runner; SIS failures keep their code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.ops import OrderQuery
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.provider import SisProvider, gateway_path
from tests.integration.sis_sim.conftest import SimAdmin

TZ = "Europe/Berlin"


def providers(sim: RunningSimulator, client: SisClient) -> tuple[SisProvider, DemoProvider]:
    sis = SisProvider(client, tz=TZ, currency="EUR")
    demo = DemoProvider(sim.state.session_factory, tz=TZ, currency="EUR")
    return sis, demo


def last_days(n: int) -> DayWindow:
    today = local_day(datetime.now(UTC), TZ)
    return DayWindow(today - timedelta(days=n - 1), today, TZ)


def same(sis_dto: object, demo_dto: object, *, drop: tuple[str, ...] = ()) -> None:
    from pydantic import BaseModel

    assert isinstance(sis_dto, BaseModel) and isinstance(demo_dto, BaseModel)
    skip = {"sources", *drop}
    assert sis_dto.model_dump(exclude=skip) == demo_dto.model_dump(exclude=skip)


async def test_sales_readers_equal_demo_over_the_simulator_database(
    sim: RunningSimulator, make_client: Callable[..., SisClient]
) -> None:
    sis, demo = providers(sim, make_client())
    window = last_days(30)
    kpi = await sis.sales.kpi_totals(window)
    same(kpi, await demo.sales.kpi_totals(window))
    assert kpi.sources == (gateway_path("kpi_summary"),)
    assert kpi.revenue_gross > 0

    series = await sis.sales.daily_series(window)
    demo_series = await demo.sales.daily_series(window)
    assert [(p.day, p.revenue_gross, p.orders_paid) for p in series.points] == [
        (p.day, p.revenue_gross, p.orders_paid) for p in demo_series.points
    ]
    assert len(series.points) == 30

    for metric, direction, group_by in (("revenue", "top", "product"), ("qty", "bottom", "category")):
        args = {"metric": metric, "direction": direction, "group_by": group_by, "limit": 5}
        ranking = await sis.sales.top_products(window, **args)  # type: ignore[arg-type]
        same(ranking, await demo.sales.top_products(window, **args))  # type: ignore[arg-type]
        assert ranking.rows

    now = datetime.now(UTC)
    funnel = await sis.sales.funnel(window, now)
    demo_funnel = await demo.sales.funnel(window, now)
    same(funnel, demo_funnel, drop=("as_of", "stages"))
    assert [(s.stage, s.orders, s.total, s.due_now) for s in funnel.stages] == [
        (s.stage, s.orders, s.total, s.due_now) for s in demo_funnel.stages
    ]


async def test_ops_readers_equal_demo_over_the_simulator_database(
    sim: RunningSimulator, make_client: Callable[..., SisClient]
) -> None:
    sis, demo = providers(sim, make_client())
    now = datetime.now(UTC)
    query = OrderQuery(limit=5)
    page = await sis.ops.search_orders(query, now)
    demo_page = await demo.ops.search_orders(query, now)
    assert page.count == demo_page.count > 0
    assert [i.order_id for i in page.items] == [i.order_id for i in demo_page.items]
    assert page.sources == (gateway_path("orders_search"),)
    if page.next_cursor:
        second = await sis.ops.search_orders(OrderQuery(limit=5, cursor=page.next_cursor), now)
        assert {i.order_id for i in second.items}.isdisjoint({i.order_id for i in page.items})

    order_id = page.items[0].order_id
    detail = await sis.ops.order_detail(order_id)
    demo_detail = await demo.ops.order_detail(order_id)
    assert detail is not None and demo_detail is not None
    same(detail, demo_detail)
    assert await sis.ops.order_detail("NO-SUCH-ORDER") is None

    inventory = await sis.ops.inventory(5, None, 10)
    same(inventory, await demo.ops.inventory(5, None, 10))
    low = await sis.ops.inventory(5, "low_stock", 3)
    same(low, await demo.ops.inventory(5, "low_stock", 3))
    assert set(low.lists) == {"low_stock"}

    threads = await sis.ops.unanswered_threads(60, 20, now)
    demo_threads = await demo.ops.unanswered_threads(60, 20, now)
    assert threads.count == demo_threads.count
    assert [t.thread_id for t in threads.threads] == [t.thread_id for t in demo_threads.threads]

    window = last_days(7)
    access = await sis.ops.access(window)
    same(access, await demo.ops.access(window))


async def test_uncovered_questions_are_not_supported(
    sim: RunningSimulator, make_client: Callable[..., SisClient]
) -> None:
    sis, _demo = providers(sim, make_client())
    window = last_days(7)
    now = datetime.now(UTC)
    for call in (
        sis.sales.payment_issues(window),
        sis.sales.coupon_usage(window, now),
        sis.sales.product_daily_units(window),
        sis.sales.catalog_products(),
        sis.ops.queue_summary(now),
        sis.ops.renewals(window),
        sis.ops.nudges(window, now),
        sis.ops.payment_failures(now - timedelta(hours=24), now),
    ):
        with pytest.raises(ProviderNotSupported):
            await call


async def test_sis_failures_keep_their_code(
    sim: RunningSimulator, make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    sis, _demo = providers(sim, make_client(timeout_sec=1.0, max_retries=0))
    window = last_days(1)
    await admin.faults(not_found_families=["kpi"])
    with pytest.raises(ProviderNotSupported):
        await sis.sales.kpi_totals(window)
    await admin.faults(error_rate=1.0, error_status=502)
    with pytest.raises(ProviderUnavailable) as caught:
        await sis.sales.kpi_totals(window)
    assert caught.value.code == ErrorCode.SIS_UNAVAILABLE.value
    await admin.faults(auth_status=403)
    with pytest.raises(ProviderUnavailable) as caught:
        await sis.sales.kpi_totals(window)
    assert caught.value.code == ErrorCode.SIS_AUTH_ERROR.value
    await admin.faults(missing_provenance=True)
    with pytest.raises(ProviderUnavailable) as caught:
        await sis.sales.kpi_totals(window)
    assert caught.value.code == ErrorCode.PROVENANCE_INCOMPLETE.value
