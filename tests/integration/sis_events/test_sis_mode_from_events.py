"""SIS mode answers renewals/nudges from pulled events, and funnel/access when the gateway says 404.

The events are pulled from the running simulator into OwnerBot's own database (PostgreSQL and SQLite);
the simulator derives its feed from its own rows, so the DEMO readers over the simulator's database are
an independent reference for what the events must add up to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.base import ProviderNotSupported, UpstreamProvider
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.factory import build_provider
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.events import EventIngestor, EventSink
from tests.integration.sis_sim.conftest import SimAdmin

TZ = "Europe/Berlin"


@pytest.fixture
async def admin(sim: RunningSimulator) -> Any:
    client = SimAdmin(sim.base_url)
    yield client
    await client.aclose()


def last_days(n: int) -> DayWindow:
    today = local_day(datetime.now(UTC), TZ)
    return DayWindow(today - timedelta(days=n - 1), today, TZ)


def sis_provider(
    make_settings: Callable[..., Settings],
    db_url: str,
    session_factory: async_sessionmaker[AsyncSession],
    client: SisClient,
) -> UpstreamProvider:
    settings = make_settings(database_url=db_url, upstream_mode="SIS_HTTP", shop_timezone=TZ)
    return build_provider(settings, session_factory, mode=UpstreamMode.SIS_HTTP, sis_client=client)


async def pull_all(client: SisClient, session_factory: async_sessionmaker[AsyncSession]) -> None:
    ingestor = EventIngestor(client, EventSink(SisEventRepository(session_factory)), page_limit=1000)
    report = await ingestor.pull_once()
    while report.more:
        report = await ingestor.pull_once()


async def run(provider: UpstreamProvider, tool: str) -> ToolResponse:
    runner = ToolRunner(default_registry(), provider_for=lambda: provider, audit=None)
    spec = runner.registry.get(tool)
    assert spec is not None
    return await runner.run(
        ToolRequest(
            tool=tool,
            correlation_id=f"cid-{tool}",
            actor=Actor(owner_user_id=1),
            tenant=Tenant(timezone=TZ, currency="EUR"),
            payload=dict(spec.examples[0]) if spec.examples else {},
        )
    )


def without_names(dump: dict[str, Any], *lists: str) -> dict[str, Any]:
    dump = dict(dump)
    dump.pop("sources")
    for key in lists:
        dump[key] = [{k: v for k, v in row.items() if k != "name"} for row in dump[key]]
    return dump


async def test_before_any_event_renewals_stay_not_supported(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    db_url: str,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    provider = sis_provider(make_settings, db_url, session_factory, make_client())
    with pytest.raises(ProviderNotSupported):
        await provider.ops.renewals(last_days(7))
    response = await run(provider, "renew_summary")
    assert response.error is not None and response.error.code is ErrorCode.NOT_SUPPORTED


async def test_renewals_and_access_from_events_equal_demo_over_the_simulator(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    admin: SimAdmin,
    db_url: str,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    client = make_client()
    await pull_all(client, session_factory)
    provider = sis_provider(make_settings, db_url, session_factory, client)
    demo = DemoProvider(sim.state.session_factory, tz=TZ, currency="EUR")
    window = last_days(30)

    renewals = await provider.ops.renewals(window)
    expected = await demo.ops.renewals(window)
    assert renewals.sources == ("events",)
    assert renewals.completions > 0
    assert without_names(renewals.model_dump(), "top_targets") == without_names(
        expected.model_dump(), "top_targets"
    )

    await admin.faults(not_found_families=["access", "funnel"])  # this SIS has no such endpoints
    access = await provider.ops.access(window)
    demo_access = await demo.ops.access(window)
    assert access.sources == ("events",) and access.denials_total > 0
    assert without_names(access.model_dump(), "by_target") == without_names(
        demo_access.model_dump(), "by_target"
    )
    funnel = await provider.sales.funnel(window, datetime.now(UTC))
    demo_funnel = await demo.sales.funnel(window, datetime.now(UTC))
    assert funnel.sources == ("events",)
    assert funnel.orders_created == demo_funnel.orders_created > 0  # the cohort: ORDER_CREATED in window

    for tool in ("renew_summary", "access_summary", "funnel_snapshot", "nudge_health"):
        response = await run(provider, tool)
        assert response.status == "ok", (tool, response.error)
        assert response.provenance.sources == ["sis:events"], tool


async def test_covered_endpoints_still_answer_from_the_gateway(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    db_url: str,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    client = make_client()
    await pull_all(client, session_factory)
    provider = sis_provider(make_settings, db_url, session_factory, client)
    access = await provider.ops.access(last_days(7))
    assert access.sources == ("/ownerbot/v1/access/summary",)
