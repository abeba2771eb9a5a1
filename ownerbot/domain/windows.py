"""Calendar windows in the shop's timezone, turned into exact UTC bounds (DST days are 23 or 25 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_day(instant: datetime, tz: str) -> date:
    """The shop-local calendar day of a UTC instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware instant")
    return instant.astimezone(ZoneInfo(tz)).date()


def day_start_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` begins in `tz`.

    `fold=0` picks the first midnight when it repeats and the transition instant when it does not
    exist, so consecutive days partition time exactly: no order is lost or counted twice.
    """
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


@dataclass(frozen=True)
class DayWindow:
    """Shop-local days `start`..`end`, both inclusive (as in the SIS contract)."""

    start: date
    end: date
    tz: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("window end is before its start")
        ZoneInfo(self.tz)

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Half-open UTC interval [from, to) covering the window."""
        return day_start_utc(self.start, self.tz), day_start_utc(self.end + timedelta(days=1), self.tz)

    def previous(self) -> DayWindow:
        """The window of equal length right before this one."""
        return DayWindow(self.start - timedelta(days=self.n_days), self.start - timedelta(days=1), self.tz)

    def shifted(self, days: int) -> DayWindow:
        return DayWindow(self.start + timedelta(days=days), self.end + timedelta(days=days), self.tz)

    def as_provenance(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz}

    @classmethod
    def single(cls, day: date, tz: str) -> DayWindow:
        return cls(day, day, tz)

    @classmethod
    def last_days(cls, n: int, today: date, tz: str) -> DayWindow:
        """The `n` days ending today (today included)."""
        return cls(today - timedelta(days=n - 1), today, tz)
