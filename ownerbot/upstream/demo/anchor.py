"""Keeps the DEMO shop anchored to "now", so today and yesterday always have data.

When the shop-local day recorded in `demo_meta` (`anchor_day`) is behind today, every timestamp column
of every demo table moves forward by N x 24 h in SQL (one UPDATE per table), the anchor moves with it,
and the rollups are rebuilt: a 24 h shift is not always a whole local day when DST changes in between.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ownerbot.domain.windows import local_day
from ownerbot.storage.demo_models import DemoMeta
from ownerbot.storage.models import UTCDateTime
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES
from ownerbot.upstream.demo.rollups import rebuild_rollups_on


def _timestamp_columns() -> list[tuple[str, list[str]]]:
    found = []
    for table in DEMO_TABLES:
        columns = [c.name for c in table.columns if isinstance(c.type, UTCDateTime)]
        if columns:
            found.append((table.name, columns))
    return found


async def shift_demo_timestamps(connection: AsyncConnection, days: int) -> None:
    """Move every demo timestamp by `days` x 24 h (exact hours, never calendar days)."""
    dialect = connection.dialect.name
    for table, columns in _timestamp_columns():
        if dialect == "postgresql":
            # An interval in hours: adding '1 day' to a timestamptz would follow the session's DST rules.
            assignments = ", ".join(f"{c} = {c} + make_interval(hours => :hours)" for c in columns)
            params: dict[str, Any] = {"hours": 24 * days}
        elif dialect == "sqlite":
            # UTCDateTime stores naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`. SQLite's date functions round
            # to milliseconds, so only the whole seconds go through strftime and the fraction (from
            # character 20) is carried over unchanged.
            assignments = ", ".join(
                f"{c} = strftime('%Y-%m-%d %H:%M:%S', substr({c}, 1, 19), :modifier) || substr({c}, 20)"
                for c in columns
            )
            params = {"modifier": f"{days:+d} days"}
        else:
            raise RuntimeError(f"demo anchoring supports PostgreSQL and SQLite only, not {dialect}")
        # Table and column names come from the schema, never from input.
        await connection.execute(text(f"UPDATE {table} SET {assignments}"), params)  # noqa: S608


async def _meta(connection: AsyncConnection, key: str) -> Any:
    return (await connection.execute(select(DemoMeta.value).where(DemoMeta.key == key))).scalar_one_or_none()


async def _set_meta(connection: AsyncConnection, key: str, value: Any) -> None:
    await connection.execute(update(DemoMeta).where(DemoMeta.key == key).values(value=value))


async def ensure_anchored(engine: AsyncEngine, *, tz: str, now: datetime) -> int:
    """Shift the demo shop forward so its anchor day is today's shop-local date; returns the days shifted.

    0 when already anchored (or ahead) or when there is no demo data. Idempotent, and safe when several
    processes call it at once: the anchor row is locked first, so the second caller sees the new anchor.
    """
    today = local_day(now, tz)
    async with engine.begin() as connection:
        # A no-op UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before reading.
        locked = await connection.execute(
            update(DemoMeta).where(DemoMeta.key == "anchor_day").values(key=DemoMeta.key)
        )
        if locked.rowcount == 0:
            return 0
        anchor_day = date.fromisoformat(await _meta(connection, "anchor_day"))
        days = (today - anchor_day).days
        if days <= 0:
            return 0
        await shift_demo_timestamps(connection, days)
        anchor = await _meta(connection, "anchor")
        if anchor is not None:
            await _set_meta(
                connection, "anchor", (datetime.fromisoformat(anchor) + timedelta(days=days)).isoformat()
            )
        await _set_meta(connection, "anchor_day", today.isoformat())
        await _set_meta(connection, "tz", tz)
        await rebuild_rollups_on(connection, tz)
    return days
