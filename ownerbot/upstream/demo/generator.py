"""The DEMO shop generator: a deterministic, believable Telegram shop written into the `demo_*` tables.

`seed_demo` replaces all demo data with a shop whose history (`history_days` shop-local days) ends at
`now`: same seed and arguments, same rows. How orders, payments and stages fit together is documented in
`orders_gen`; rollup definitions in `rollups`; `demo_meta` records the seed, the anchor (`now`, and its
shop-local day), tz, currency, row counts and the planted anomalies (all true in the data):

* `payment_method_failing`: `crypto` attempts created in the last 48 h fail ~60 % (vs ~5 % in the 14
  days before); attempts = all payments of the method created in the window, failed = status failed.
* `access_denial_spike`: one course programme (target_type look) gets >= 5x its daily baseline of
  `denied` events yesterday and today (baseline: the 14 days before yesterday).
* `stuck_deposits`: deposit-plan orders, not cancelled, in deposit_due/balance_due since more than 72 h,
  with no AutoNudge row at all.
* natural ones: `late_shipping` (paid, not shipped, ship_due_at passed), `unanswered_chats` (open, no
  reply newer than the customer's last message, waiting > 6 h), `out_of_stock` physical products.

Rows are produced one day at a time. On PostgreSQL the next day is generated in a worker thread while
the previous one is being COPYed, so Python and the database server each keep one core busy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ownerbot.upstream.demo.bulk_load import (
    DEMO_TABLES,
    Row,
    RowEncoder,
    RowSink,
    clear_demo_tables,
    copy_rows,
    drop_pg_secondary_structures,
    insert_sqlite_rows,
    reset_pg_sequences,
    restore_pg_secondary_structures,
)
from ownerbot.upstream.demo.catalog_gen import build_catalog
from ownerbot.upstream.demo.engagement_gen import Engagement
from ownerbot.upstream.demo.orders_gen import OrderFlow
from ownerbot.upstream.demo.timegrid import HOUR, TimeGrid, from_epoch

MAX_ORDERS = 5_000_000
MAX_HISTORY_DAYS = 730
UNANSWERED_THRESHOLD_HOURS = 6
BATCH_ROWS = 40_000
# Dropping and recreating indexes and foreign keys around the COPY pays off from about this size
# (measured: 20k orders 2.3 s -> 1.9 s; 1.5k orders 0.5 s -> 0.7 s).
DEFER_CONSTRAINTS_FROM_ORDERS = 10_000
_TABLE_ORDER = {table.name: index for index, table in enumerate(DEMO_TABLES)}

Chunk = dict[str, list[Row]]


@dataclass(frozen=True)
class SeedReport:
    """What `seed_demo` wrote: rows per demo table, and how long it took."""

    counts: dict[str, int]
    seconds: float


class DemoShopGenerator:
    """Yields the shop's rows in insertable chunks; `counts` and `meta` are complete after the last one."""

    def __init__(
        self, *, orders: int, seed: int, now: datetime, tz: str, currency: str, history_days: int
    ) -> None:
        if not 1 <= orders <= MAX_ORDERS:
            raise ValueError(f"orders must be within 1..{MAX_ORDERS}")
        if not 1 <= history_days <= MAX_HISTORY_DAYS:
            raise ValueError(f"history_days must be within 1..{MAX_HISTORY_DAYS}")
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.orders = orders
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.tz = tz
        self.currency = currency
        self.history_days = history_days
        self.counts: dict[str, int] = {}

    def chunks(self) -> Iterator[Chunk]:
        """Catalog first, then one chunk per day, then planted threads, rollups and demo_meta."""
        rng = Random(self.seed)
        grid = TimeGrid.build(self.now, self.tz, self.history_days)
        catalog = build_catalog(rng, grid, currency=self.currency, orders=self.orders)
        sink = RowSink()
        engagement = Engagement(rng, grid, catalog, sink, self.orders)
        flow = OrderFlow(rng, grid, catalog, sink, engagement, currency=self.currency)
        yield self._counted(catalog.rows)
        for index, count in enumerate(flow.plan_counts(self.orders)):
            flow.day(index, count)
            engagement.day(index, count)
            yield self._counted(sink.take())
        engagement.plant_unanswered(min(60, 5 + self.orders // 5000))
        final = sink.take()
        final["demo_daily_sales"] = [
            (grid.days[i], *values) for i, values in enumerate(flow.daily) if any(values)
        ]
        final["demo_daily_product_sales"] = [
            (grid.days[day], pid, catalog.products[pid].category_id, *values)
            for (day, pid), values in sorted(flow.product_daily.items())
        ]
        final.update(flow.tally.rows(grid.days))
        self._counted(final)
        planted_threads = final.get("demo_chat_threads", [])
        anomalies: list[dict[str, Any]] = [
            flow.payments.failing_summary(),
            engagement.spike_summary(),
            flow.payments.stuck_summary(),
            {"kind": "late_shipping", "count": flow.late_shipping},
            self._unanswered_summary(grid, planted_threads),
            {
                "kind": "out_of_stock",
                "count": len(catalog.out_of_stock_ids),
                "product_ids": catalog.out_of_stock_ids,
            },
        ]
        meta: dict[str, Any] = {
            "seed": self.seed,
            "anchor": from_epoch(grid.now).isoformat(),
            "anchor_day": grid.days[-1].isoformat(),
            "tz": self.tz,
            "currency": self.currency,
            "history_days": self.history_days,
            "orders_requested": self.orders,
            "anomalies": anomalies,
        }
        self.counts["demo_meta"] = len(meta) + 1  # the keys above plus "counts" itself
        meta["counts"] = dict(sorted(self.counts.items()))
        final["demo_meta"] = list(meta.items())
        yield final

    @staticmethod
    def _unanswered_summary(grid: TimeGrid, planted: list[Row]) -> dict[str, Any]:
        # Natural threads are answered within ~3 h, so the only long waits are the planted threads.
        limit = grid.now - UNANSWERED_THRESHOLD_HOURS * HOUR
        waiting = [row[0] for row in planted if row[5] <= limit]
        return {
            "kind": "unanswered_chats",
            "threshold_hours": UNANSWERED_THRESHOLD_HOURS,
            "count": len(waiting),
            "thread_ids": waiting,
        }

    def _counted(self, chunk: Chunk) -> Chunk:
        for table, rows in chunk.items():
            self.counts[table] = self.counts.get(table, 0) + len(rows)
        return chunk


def _batched(chunks: Iterator[Chunk], min_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
    """Merge consecutive chunks until they hold `min_rows` rows: one COPY or executemany per table and
    batch keeps round trips few for small shops, while big shops still stream day by day."""
    batch: Chunk = {}
    size = 0
    for chunk in chunks:
        for table, rows in chunk.items():
            batch.setdefault(table, []).extend(rows)
            size += len(rows)
        if size >= min_rows:
            yield batch
            batch, size = {}, 0
    if batch:
        yield batch


def _in_fk_order(chunk: Chunk) -> list[tuple[str, list[Row]]]:
    return sorted(((t, rows) for t, rows in chunk.items() if rows), key=lambda item: _TABLE_ORDER[item[0]])


async def _load_postgresql(connection: AsyncConnection, generator: DemoShopGenerator) -> None:
    encoder = RowEncoder("postgresql")
    chunks = _batched(generator.chunks())

    def produce() -> list[tuple[str, bytes]] | None:
        chunk = next(chunks, None)
        if chunk is None:
            return None
        return [(table, encoder.copy_text(table, rows)) for table, rows in _in_fk_order(chunk)]

    await clear_demo_tables(connection)  # also opens the transaction the COPYs below run in
    deferred = []
    if generator.orders >= DEFER_CONSTRAINTS_FROM_ORDERS:
        deferred = await drop_pg_secondary_structures(connection)
    raw = (await connection.get_raw_connection()).driver_connection
    pending: asyncio.Future[list[tuple[str, bytes]] | None] = asyncio.ensure_future(
        asyncio.to_thread(produce)
    )
    try:
        while (batch := await pending) is not None:
            # Generate the next day while the server ingests this one.
            pending = asyncio.ensure_future(asyncio.to_thread(produce))
            for table, payload in batch:
                # The tables were truncated in this transaction (above), which FREEZE requires.
                await copy_rows(raw, table, payload, freeze=True)
    finally:
        if not pending.done():
            await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # already surfaced or superseded; retrieve it so asyncio does not warn
    if deferred:
        await restore_pg_secondary_structures(connection, deferred)
        # Fresh planner statistics (1.5 s at 1M orders), so the first reports do not wait for autovacuum.
        await connection.execute(text(f"ANALYZE {', '.join(t.name for t in DEMO_TABLES)}"))
    await reset_pg_sequences(connection)


async def _load_sqlite(connection: AsyncConnection, generator: DemoShopGenerator) -> None:
    encoder = RowEncoder("sqlite")
    await clear_demo_tables(connection)
    for chunk in _batched(generator.chunks()):
        for table, rows in _in_fk_order(chunk):
            await insert_sqlite_rows(connection, table, encoder.sqlite_rows(table, rows))


async def seed_demo(
    engine: AsyncEngine,
    *,
    orders: int = 20_000,
    seed: int = 42,
    now: datetime | None = None,
    tz: str = "Europe/Berlin",
    currency: str = "EUR",
    history_days: int = 120,
) -> SeedReport:
    """Replace all demo data with a generated shop (one transaction); the schema must be migrated."""
    started = time.perf_counter()
    generator = DemoShopGenerator(
        orders=orders,
        seed=seed,
        now=now if now is not None else datetime.now(UTC),
        tz=tz,
        currency=currency,
        history_days=history_days,
    )
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await _load_postgresql(connection, generator)
        elif connection.dialect.name == "sqlite":
            await _load_sqlite(connection, generator)
        else:
            raise RuntimeError(
                f"demo seeding supports PostgreSQL and SQLite only, not {connection.dialect.name}"
            )
        await connection.commit()
    return SeedReport(counts=dict(sorted(generator.counts.items())), seconds=time.perf_counter() - started)


async def reset_demo(engine: AsyncEngine) -> None:
    """Delete every demo row, demo_meta and rollups included."""
    async with engine.begin() as connection:
        await clear_demo_tables(connection)
