"""Shop-local days in SQL for the rollups: "the local day of this UTC column" and "falls on these days".

PostgreSQL converts with `timezone(tz, column)`. SQLite has no time zones: the column is shifted by the
offset in force, picked by a CASE over the zone's offset changes within the data's time range (found in
Python, exact to the second). Both give the same day as `domain.windows.local_day`, across DST.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, and_, case, cast, false, func, literal_column, or_, true

from ownerbot.domain.windows import day_start_utc


def by_columns(n: int) -> tuple[ColumnElement[Any], ...]:
    """GROUP BY output positions 1..n: the local-day expression carries bound parameters, and PostgreSQL
    would not recognise a second copy of it (with its own parameters) as the same expression."""
    return tuple(literal_column(str(i)) for i in range(1, n + 1))


def _offset_modifier(offset: timedelta | None) -> str:
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return f"{seconds:+d} seconds"


def _offset_segments(tz: str, lo: datetime, hi: datetime) -> list[tuple[datetime, str]]:
    """UTC instants where the zone's offset changes within [lo, hi], each with the offset from then on.

    Day by day the offset is compared; a change is located to the second by bisection. The first entry
    carries the offset in force at `lo` (its instant is `lo` itself).
    """
    zone = ZoneInfo(tz)
    segments = [(lo, _offset_modifier(lo.astimezone(zone).utcoffset()))]
    t = lo
    while t < hi:
        step = min(t + timedelta(days=1), hi)
        before, after = t.astimezone(zone).utcoffset(), step.astimezone(zone).utcoffset()
        if before != after:
            left, right = t, step  # offset(left) == before, offset(right) == after
            while right - left > timedelta(seconds=1):
                middle = left + (right - left) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    left = middle
                else:
                    right = middle
            segments.append((right.replace(microsecond=0), _offset_modifier(after)))
        t = step
    return segments


class LocalDay:
    """Builds the SQL for "the shop-local day of this UTC timestamp column" on one dialect."""

    def __init__(self, dialect: str, tz: str, lo: datetime | None, hi: datetime | None) -> None:
        self._dialect = dialect
        self._tz = tz
        self._segments: list[tuple[datetime, str]] = []
        if dialect == "sqlite":
            # SQLite has no time zones: shift by the offset in force, picked by a CASE over the offset
            # changes inside the data's time range.
            if lo is not None and hi is not None:
                self._segments = _offset_segments(tz, lo - timedelta(days=1), hi + timedelta(days=1))
        elif dialect != "postgresql":
            raise RuntimeError(f"demo rollups support PostgreSQL and SQLite only, not {dialect}")

    def of(self, column: Any) -> ColumnElement[Any]:
        if self._dialect == "postgresql":
            return cast(func.timezone(self._tz, column), Date)
        # SQLite keeps times as whole milliseconds and rounds, so 23:59:59.9999 would become the next
        # day: the value is cut to whole seconds (day boundaries are whole seconds) before date().
        seconds = func.substr(column, 1, 19)
        if not self._segments:
            return func.date(seconds)
        whens = [
            (column < start, modifier)
            for (start, _), (_, modifier) in zip(self._segments[1:], self._segments, strict=False)
        ]
        modifier = case(*whens, else_=self._segments[-1][1]) if whens else self._segments[0][1]
        return func.date(seconds, modifier)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs (first, last) of a set of days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class DaySet:
    """The days being rebuilt (None: all): "this column falls on one of them" and "its local day" in SQL."""

    def __init__(self, local: LocalDay, tz: str, runs: list[tuple[date, date]] | None) -> None:
        self.of = local.of
        self._tz = tz
        self.runs = runs

    def holding(self, column: Any) -> ColumnElement[bool]:
        if self.runs is None:
            return true()
        tz = self._tz
        return or_(
            false(),
            *(
                and_(column >= day_start_utc(first, tz), column < day_start_utc(last + timedelta(days=1), tz))
                for first, last in self.runs
            ),
        )

    def listed(self) -> list[date]:
        assert self.runs is not None
        return [
            first + timedelta(days=i) for first, last in self.runs for i in range((last - first).days + 1)
        ]
