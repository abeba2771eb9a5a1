"""The demo history as integer UTC epoch seconds, cut into shop-local days and hours.

The generator works in plain integers (seconds since 1970 UTC) because building a `datetime` per event is
what makes a million-order seed slow. Local day and hour boundaries are computed once per day with the
real time zone rules, so every timestamp still falls on the right shop-local day, DST days included.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ownerbot.domain.windows import day_start_utc, local_day

MINUTE = 60
HOUR = 3600
DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch(instant: datetime) -> int:
    """Whole seconds since the Unix epoch (floored), for an aware datetime."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware instant")
    return (instant - _EPOCH) // timedelta(seconds=1)


def from_epoch(seconds: int) -> datetime:
    """The aware UTC datetime of an epoch second."""
    return _EPOCH + timedelta(seconds=seconds)


@dataclass(frozen=True)
class TimeGrid:
    """Shop-local days `days[0]..days[-1]` (the last one is today, cut at `now`).

    `starts[i]` is the UTC second at which `days[i]` begins (one extra entry: the start of tomorrow);
    `hour_starts[i][h]` is where local hour `h` of day `i` begins (25 entries, the last is the next day's
    start). On a spring-forward day the missing hour has zero length; on a fall-back day the repeated
    hour is two hours long.
    """

    tz: str
    now: int
    days: tuple[date, ...]
    starts: tuple[int, ...]
    hour_starts: tuple[tuple[int, ...], ...]

    @classmethod
    def build(cls, now: datetime, tz: str, history_days: int) -> TimeGrid:
        """The `history_days` local days ending with the local day of `now`."""
        if history_days < 1:
            raise ValueError("history_days must be at least 1")
        zone = ZoneInfo(tz)
        today = local_day(now, tz)
        days = tuple(today - timedelta(days=history_days - 1 - i) for i in range(history_days))
        starts = tuple(to_epoch(day_start_utc(d, tz)) for d in (*days, today + timedelta(days=1)))
        hour_starts = tuple(
            (*(to_epoch(datetime.combine(d, time(h), tzinfo=zone)) for h in range(24)), starts[i + 1])
            for i, d in enumerate(days)
        )
        return cls(tz=tz, now=to_epoch(now), days=days, starts=starts, hour_starts=hour_starts)

    @property
    def today_index(self) -> int:
        return len(self.days) - 1

    def day_index(self, ts: int) -> int:
        """Index into `days` of the local day holding `ts` (-1 before the first day)."""
        return bisect_right(self.starts, ts) - 1

    def day_end(self, index: int) -> int:
        """The last usable second of day `index`: the day's end, or `now` for today."""
        return min(self.starts[index + 1] - 1, self.now)
