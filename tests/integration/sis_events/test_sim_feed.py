"""The simulator's events feed against the contract, and OwnerBot's read models built from it.

The feed is read over HTTP from the running simulator. OwnerBot ingests all of it into its own database
(PostgreSQL and SQLite) and answers funnel, access, renewals and nudges from events (SIS mode,
`sis:events`); the DEMO readers over the simulator's own database compute the same answers from the
rows and rollups the feed was derived from, an independent reference.

Where the two legitimately differ: events carry no target names (SIS sends ids; names come from its
catalog), so access and renewal targets are compared without `name`, and `sources` differ by design.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.storage.catalog_models import CatalogPriceJob
from ownerbot.storage.demo_models import DemoChatThread, DemoNudge, DemoOrder, DemoPayment
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.events import KNOWN_EVENT_NAMES, parse_event
from tests.integration.sis_events.test_sis_mode_from_events import (
    TZ,
    pull_all,
    run,
    sis_provider,
    without_names,
)
from tests.integration.sis_sim.conftest import OWNER, SimAdmin
from tests.integration.sis_sim.conftest import admin as admin  # the fixture, shared

pytest.importorskip("ownerbot.upstream.demo.catalog_ops")

SNAPSHOT_FIELDS = {
    "payment_plan",
    "payment_stage",
    "total_amount",
    "amount_paid",
    "upfront_due",
    "due_now",
    "remaining_due",
}
PLANS = {"full", "deposit", "preorder"}
STAGES = {"pending", "deposit_due", "balance_due", "fully_paid", "preorder"}


async def read_feed(
    client: SisClient, *, limit: int, after: str | None = None
) -> tuple[list[Any], str | None]:
    """Every event after `after`, page by page; returns them and the final cursor."""
    events: list[dict[str, Any]] = []
    cursor = after
    while True:
        result = await client.events(after=cursor, limit=limit)
        page = result.data["events"]
        if not page:
            assert result.data["next_cursor"] == cursor  # an idle feed keeps the cursor
            return events, cursor
        assert len(page) <= limit
        events += page
        cursor = result.data["next_cursor"]


def key(event: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(event["occurred_at"]), event["event_id"]


async def count(sim: RunningSimulator, statement: Any) -> int:
    async with sim.state.session_factory() as session:
        return int(await session.scalar(statement) or 0)


async def reprice(client: SisClient) -> None:
    """One reprice refused (anomaly without force) and the same one forced through."""
    status = await client.action("fx_status", actor_tg_id=OWNER)
    body = {
        "rate_set_id": status.data["last_snapshot"]["rate_set_id"],
        "input_currency": "USD",
        "shop_currency": "EUR",
        "markup_percent": "60",
    }
    with pytest.raises(SisError) as refused:
        await client.action("reprice_apply", body, actor_tg_id=OWNER)
    assert refused.value.code is ErrorCode.ANOMALY_FORCE_REQUIRED
    applied = await client.action("reprice_apply", {**body, "force": True}, actor_tg_id=OWNER)
    assert applied.status == "committed"


async def test_feed_covers_the_minimum_set_and_pages_deterministically(
    sim: RunningSimulator, make_client: Callable[..., SisClient]
) -> None:
    client = make_client()
    seeded, cursor = await read_feed(client, limit=1000)
    assert cursor is not None

    # The same history in small pages: the same events, byte for byte, in the same order.
    small, small_cursor = await read_feed(client, limit=37)
    assert small == seeded and small_cursor == cursor
    assert len({e["event_id"] for e in seeded}) == len(seeded)
    assert all(key(a) < key(b) for a, b in itertools.pairwise(seeded))

    # A reprice applied now (and one refused) appears after the cursor the poller kept.
    await reprice(client)
    fresh, _ = await read_feed(client, limit=1000, after=cursor)
    assert [e["event_name"] for e in fresh] == ["FX_REPRICE_FAILED", "FX_REPRICE_APPLIED"]
    failed, applied = fresh
    assert failed["properties"]["error_code"] == "ANOMALY_FORCE_REQUIRED"
    assert applied["properties"]["affected_count"] > 0 and applied["properties"]["forced"] is True
    assert applied["actor_user_id"] == str(OWNER)

    everything = seeded + fresh
    names = Counter(e["event_name"] for e in everything)
    assert set(names) == KNOWN_EVENT_NAMES  # the contract's whole minimum set, nothing else
    for raw in everything:
        event = parse_event(raw)  # OwnerBot's own envelope checks
        assert event.business_id == "1" and event.subject_type and event.subject_id
        assert isinstance(raw["context"], dict) and isinstance(raw["properties"], dict)
        props = raw["properties"]
        if raw["event_name"] == "ORDER_DUE_SNAPSHOT":
            assert set(props) >= SNAPSHOT_FIELDS
            assert props["payment_plan"] in PLANS and props["payment_stage"] in STAGES
        if raw["event_name"] == "TARGET_ACCESS_DENIED":
            assert props["reason_code"] and props["required_mode"]
        if raw["event_name"].startswith(("TARGET_ACCESS", "ACCESS_RENEW")):
            assert raw["action"] in {"view", "buy", "content"} and raw["target_type"] in {"product", "look"}

    # One event per source row, counted independently in the simulator's database.
    assert names["ORDER_CREATED"] == await count(sim, select(func.count()).select_from(DemoOrder))
    assert names["PAYMENT_REQUESTED"] == await count(sim, select(func.count()).select_from(DemoPayment))
    assert names["PAYMENT_CONFIRMED"] == await count(
        sim, select(func.count()).where(DemoPayment.confirmed_at.is_not(None))
    )
    nudges = sum(n for name, n in names.items() if name.startswith("AUTO_NUDGE_"))
    assert nudges == await count(sim, select(func.count()).select_from(DemoNudge))
    assert names["SUPPORT_THREAD_OPENED"] == await count(
        sim, select(func.count()).select_from(DemoChatThread)
    )
    assert names["FX_REPRICE_APPLIED"] == await count(
        sim, select(func.count()).where(CatalogPriceJob.kind == "reprice")
    )
    # Snapshots: one at creation for every order, one more for each order that changed since.
    assert names["ORDER_CREATED"] < names["ORDER_DUE_SNAPSHOT"] <= 2 * names["ORDER_CREATED"]


def window_of(days: int, now: datetime) -> DayWindow:
    today = local_day(now, TZ)
    return DayWindow(today - timedelta(days=days - 1), today, TZ)


def dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump()
    data.pop("sources")
    return data


@pytest.mark.parametrize("days", [7, 30])
async def test_read_models_from_the_ingested_feed_equal_demo_over_the_simulator(
    days: int,
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    admin: SimAdmin,
    db_url: str,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    client = make_client()
    await pull_all(client, session_factory)
    feed, _ = await read_feed(client, limit=1000)
    assert await SisEventRepository(session_factory).count() == len(feed)  # all of it, each once

    await admin.faults(not_found_families=["access", "funnel"])  # answer these from events too
    provider = sis_provider(make_settings, db_url, session_factory, client)
    demo = DemoProvider(sim.state.session_factory, tz=TZ, currency="EUR")
    now = datetime.now(UTC)
    window = window_of(days, now)

    funnel = await provider.sales.funnel(window, now)
    expected_funnel = await demo.sales.funnel(window, now)
    assert funnel.sources == ("events",)
    assert funnel.orders_created > 0 and any(s.orders for s in funnel.stages if s.stage != "fully_paid")
    assert dump(funnel) == dump(expected_funnel)

    nudges = await provider.ops.nudges(window, now)
    expected_nudges = await demo.ops.nudges(window, now)
    assert nudges.sources == ("events",)
    assert nudges.order_nudges.sent > 0 and nudges.stuck_deposits_count > 0
    assert dump(nudges) == dump(expected_nudges)

    # Events name targets by id only (no catalog names): compare everything but `name`.
    access = await provider.ops.access(window)
    expected_access = await demo.ops.access(window)
    assert access.sources == ("events",) and access.denials_total > 0
    assert without_names(access.model_dump(), "by_target") == without_names(
        expected_access.model_dump(), "by_target"
    )
    renewals = await provider.ops.renewals(window)
    expected_renewals = await demo.ops.renewals(window)
    assert renewals.sources == ("events",) and renewals.offers > 0
    assert without_names(renewals.model_dump(), "top_targets") == without_names(
        expected_renewals.model_dump(), "top_targets"
    )

    for tool in ("funnel_snapshot", "access_summary", "renew_summary", "nudge_health"):
        response = await run(provider, tool)
        assert response.status == "ok", (tool, response.error)
        assert response.provenance.sources == ["sis:events"], tool
