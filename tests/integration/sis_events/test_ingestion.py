"""Event ingestion on PostgreSQL and SQLite: dedupe, unknown names, cursor across restarts, the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.storage.event_models import SisEvent
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.events import EventFieldError, EventIngestor, EventSink
from tests.integration.sis_events.conftest import T0, envelope, hours


async def all_feed_ids(client: SisClient, *, limit: int = 1000) -> list[str]:
    """Every event id the simulator's feed holds, read independently of the ingestor."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = await client.events(after=cursor, limit=limit)
        events: list[dict[str, Any]] = page.data["events"]
        ids += [e["event_id"] for e in events]
        if len(events) < limit:
            return ids
        cursor = page.data["next_cursor"]


async def stored_ids(session_factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with session_factory() as session:
        return list((await session.execute(select(SisEvent.event_id).order_by(SisEvent.id))).scalars())


async def test_the_same_event_twice_is_stored_once(sink: EventSink, repository: SisEventRepository) -> None:
    event = envelope("e-1", "ORDER_CREATED", T0, total_amount="10.00")
    first = await sink.accept([event], channel="push", strict=True)
    again = await sink.accept([event, dict(event)], channel="pull", strict=False)
    assert (first.stored, first.duplicates) == (1, 0)
    assert (again.stored, again.duplicates) == (0, 2)  # both deliveries of the stored event dropped
    assert await repository.count() == 1


async def test_unknown_names_and_fields_are_tolerated(
    sink: EventSink, repository: SisEventRepository, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    known = envelope("k-1", "PAYMENT_CONFIRMED", T0, amount="5.00")
    known["brand_new_field"] = {"nested": [1, 2]}
    report = await sink.accept(
        [envelope("u-1", "SOMETHING_NEW", T0), known, {"event_id": "bad"}], channel="pull", strict=False
    )
    assert (report.stored, report.ignored, report.malformed) == (1, 1, 1)
    assert await stored_ids(session_factory) == ["k-1"]
    [row] = await repository.between(["PAYMENT_CONFIRMED"], T0, T0 + hours(1))
    assert row.envelope["brand_new_field"] == {"nested": [1, 2]}  # kept whole for later read models
    assert row.occurred_at == T0 and row.occurred_at.tzinfo is not None


async def test_a_strict_batch_with_a_bad_event_stores_nothing(
    sink: EventSink, repository: SisEventRepository
) -> None:
    good = envelope("g-1", "ORDER_CREATED", T0)
    bad = envelope("g-2", "ORDER_CREATED", T0)
    bad["occurred_at"] = "2026-03-10T09:00:00"  # no offset
    with pytest.raises(EventFieldError) as caught:
        await sink.accept([good, bad], channel="push", strict=True)
    assert caught.value.field == "events[1].occurred_at"
    assert await repository.count() == 0


async def test_out_of_order_delivery_reads_back_in_time_order(
    sink: EventSink, repository: SisEventRepository
) -> None:
    events = [envelope(f"o-{i}", "ORDER_CREATED", T0 + hours(i), subject=("order", str(i))) for i in range(5)]
    for event in reversed(events):
        await sink.accept([event], channel="push", strict=True)
    read = await repository.between(["ORDER_CREATED"], T0, T0 + hours(10))
    assert [e.event_id for e in read] == ["o-0", "o-1", "o-2", "o-3", "o-4"]


async def test_pull_from_the_simulator_stores_the_whole_feed_once(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    client = make_client()
    expected = await all_feed_ids(make_client())
    assert len(expected) > 500  # more than one page of 500, so paging is exercised
    ingestor = EventIngestor(client, EventSink(SisEventRepository(session_factory)), page_limit=500)
    report = await ingestor.pull_once()
    assert report.pages >= 2 and not report.more
    assert report.stored == len(expected) - report.ignored
    assert report.ignored == 0  # the simulator only sends contract names
    assert sorted(await stored_ids(session_factory)) == sorted(expected)
    again = await ingestor.pull_once()  # drained: one empty page, nothing new, cursor unchanged
    assert (again.pages, again.stored, again.cursor) == (1, 0, report.cursor)


async def test_the_cursor_survives_a_restart(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    expected = await all_feed_ids(make_client())
    first = EventIngestor(
        make_client(), EventSink(SisEventRepository(session_factory)), page_limit=100, max_pages=2
    )
    report = await first.pull_once()
    assert report.more and report.stored == 200
    saved = await SisEventRepository(session_factory).cursor()
    assert saved == report.cursor is not None

    # A "restarted" process: new client, repository and ingestor over the same database.
    second = EventIngestor(
        make_client(), EventSink(SisEventRepository(session_factory)), page_limit=100, max_pages=2
    )
    resumed = await second.pull_once()
    assert resumed.stored == 200 and resumed.received == 200  # went on after the cursor, no replays
    while resumed.more:
        resumed = await second.pull_once()
    ids = await stored_ids(session_factory)
    assert len(ids) == len(set(ids)) == len(expected)


async def test_a_refused_cursor_is_forgotten_and_the_feed_replayed_safely(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    session_factory: async_sessionmaker[AsyncSession],
    repository: SisEventRepository,
) -> None:
    sink = EventSink(repository)
    await repository.store([], channel="pull", cursor="not-a-cursor-of-this-sis")
    ingestor = EventIngestor(make_client(max_retries=0), sink, page_limit=1000)
    report = await ingestor.pull_once()
    assert report.cursor_reset and await repository.cursor() is None
    report = await ingestor.pull_once()
    while report.more:
        report = await ingestor.pull_once()
    assert await repository.count() == len(await all_feed_ids(make_client()))
