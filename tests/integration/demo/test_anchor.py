"""Anchoring the demo shop to "now": whole-day shifts of every timestamp, rollups kept true."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ownerbot.domain.windows import local_day
from ownerbot.storage.demo_models import DemoOrderNote
from ownerbot.upstream.demo.anchor import ensure_anchored
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES
from ownerbot.upstream.demo.generator import reset_demo
from tests.conftest import SeededDemo
from tests.integration.demo.support import all_rows, demo_meta, expected_rollups, stored_rollups


async def test_shifts_every_timestamp_by_whole_days(seeded_demo: SeededDemo) -> None:
    before = await all_rows(seeded_demo.engine)
    sales_before = (await stored_rollups(seeded_demo.engine)).sales
    later = seeded_demo.now + timedelta(days=3, hours=5)

    assert await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=later) == 3

    after = await all_rows(seeded_demo.engine)
    shift = timedelta(hours=72)
    shifted = 0
    for table in DEMO_TABLES:
        if table.name.startswith("demo_daily_"):
            continue  # rollups are recomputed for the new days (checked below): 72 h may cross a DST switch
        assert len(after[table.name]) == len(before[table.name])
        for old, new in zip(before[table.name], after[table.name], strict=True):
            for column, value in old.items():
                if isinstance(value, datetime):
                    assert new[column] == value + shift, (table.name, column)
                    shifted += 1
                elif table.name != "demo_meta":
                    assert new[column] == value, (table.name, column)
    assert shifted > 10_000
    meta = await demo_meta(seeded_demo.engine)
    assert meta["anchor_day"] == local_day(later, seeded_demo.tz).isoformat()
    assert datetime.fromisoformat(meta["anchor"]) == seeded_demo.now + shift

    rollups = await stored_rollups(seeded_demo.engine)
    assert rollups == expected_rollups(after, seeded_demo.tz)
    sales = rollups.sales
    for index in range(5):
        assert sum(row[index] for row in sales.values()) == sum(row[index] for row in sales_before.values())
    days = Counter(local_day(o["created_at"], seeded_demo.tz) for o in after["demo_orders"])
    today = local_day(later, seeded_demo.tz)
    assert days[today] > 0
    assert days[today - timedelta(days=1)] > 0


async def test_is_idempotent_and_a_no_op_on_the_same_day(seeded_demo: SeededDemo) -> None:
    same_day = seeded_demo.now + timedelta(hours=9)  # 21:00 in Berlin, still the anchor day
    assert await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=same_day) == 0
    earlier = seeded_demo.now - timedelta(days=2)
    assert await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=earlier) == 0
    before = await all_rows(seeded_demo.engine)
    later = seeded_demo.now + timedelta(days=1)
    assert await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=later) == 1
    once = await all_rows(seeded_demo.engine)
    assert once != before
    assert await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=later) == 0
    assert await all_rows(seeded_demo.engine) == once


async def test_concurrent_callers_shift_only_once(seeded_demo: SeededDemo) -> None:
    later = seeded_demo.now + timedelta(days=2)
    results = await asyncio.gather(
        ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=later),
        ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=later),
    )
    assert sorted(results) == [0, 2]
    meta = await demo_meta(seeded_demo.engine)
    assert datetime.fromisoformat(meta["anchor"]) == seeded_demo.now + timedelta(days=2)


async def test_fractions_of_seconds_survive_the_shift(seeded_demo: SeededDemo) -> None:
    written = datetime(2026, 3, 30, 9, 15, 59, 999_999, tzinfo=UTC)  # rounds up on SQLite if mishandled
    async with seeded_demo.session_factory() as session:
        note = DemoOrderNote(order_id=1, text="note", author_tg_id=None, created_at=written)
        session.add(note)
        await session.commit()
        note_id = note.id
    assert (
        await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=seeded_demo.now + timedelta(days=4))
        == 4
    )
    async with seeded_demo.session_factory() as session:
        moved = await session.scalar(select(DemoOrderNote.created_at).where(DemoOrderNote.id == note_id))
    assert moved == written + timedelta(days=4)


async def test_nothing_to_anchor_without_demo_data(seeded_demo: SeededDemo) -> None:
    await reset_demo(seeded_demo.engine)
    assert (
        await ensure_anchored(seeded_demo.engine, tz=seeded_demo.tz, now=seeded_demo.now + timedelta(days=5))
        == 0
    )
