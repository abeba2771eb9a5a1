"""Day windows partition time exactly, also across DST changes (23/25-hour days, half-hour shifts,
transitions at midnight): every instant is in exactly one shop-local day, and daily sums add up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ownerbot.domain.windows import DayWindow, day_start_utc, local_day

TIMEZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # DST changes at local midnight: a day starts at 01:00 or midnight repeats
    "Asia/Kolkata",  # +05:30, no DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "UTC",
)
SCAN_FROM = datetime(2024, 1, 1, tzinfo=UTC)
SCAN_DAYS = 3 * 366
WINDOW = timedelta(days=3)
# No example database: property tests must not leave files in the repository.
PROPERTY = settings(max_examples=300, deadline=None, database=None)


def _offset(instant: datetime, tz: str) -> timedelta | None:
    return instant.astimezone(ZoneInfo(tz)).utcoffset()


@cache
def transitions(tz: str) -> tuple[datetime, ...]:
    """UTC instants (to the second) where the zone's offset changes, found by day steps and bisection."""
    found = []
    for day in range(SCAN_DAYS):
        lo, hi = SCAN_FROM + timedelta(days=day), SCAN_FROM + timedelta(days=day + 1)
        if _offset(lo, tz) == _offset(hi, tz):
            continue
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            lo, hi = (mid, hi) if _offset(mid, tz) == _offset(lo, tz) else (lo, mid)
        found.append(hi.replace(microsecond=0))
    return tuple(found)


def test_scan_finds_the_transitions_it_should() -> None:
    # Two changes a year where DST exists, none where it does not: otherwise the properties test little.
    assert len(transitions("Europe/Berlin")) == 6
    assert datetime(2025, 3, 30, 1, 0, tzinfo=UTC) in transitions("Europe/Berlin")
    assert len(transitions("America/Santiago")) >= 5
    assert transitions("Asia/Kolkata") == ()
    assert transitions("UTC") == ()


@st.composite
def zone_and_instant(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a UTC instant within three days of one of its transitions (or anywhere, without DST)."""
    tz = draw(st.sampled_from(TIMEZONES))
    anchors = transitions(tz) or (SCAN_FROM + timedelta(days=draw(st.integers(0, SCAN_DAYS - 1))),)
    anchor = draw(st.sampled_from(anchors))
    # Half the draws land within two hours of the change, where a wrong day boundary would sit.
    near = st.integers(-2 * 3600, 2 * 3600)
    seconds = draw(st.one_of(near, st.integers(-int(WINDOW.total_seconds()), int(WINDOW.total_seconds()))))
    return tz, anchor + timedelta(seconds=seconds)


@PROPERTY
@given(zone_and_instant())
def test_every_instant_is_in_exactly_one_local_day(case: tuple[str, datetime]) -> None:
    tz, instant = case
    day = local_day(instant, tz)
    containing = [
        d
        for d in (day - timedelta(days=1), day, day + timedelta(days=1))
        if DayWindow.single(d, tz).utc_bounds()[0] <= instant < DayWindow.single(d, tz).utc_bounds()[1]
    ]
    assert containing == [day]


@PROPERTY
@given(zone_and_instant())
def test_day_bounds_touch_and_last_23_to_25_hours(case: tuple[str, datetime]) -> None:
    tz, instant = case
    day = local_day(instant, tz)
    start, end = DayWindow.single(day, tz).utc_bounds()
    next_start, _ = DayWindow.single(day + timedelta(days=1), tz).utc_bounds()
    assert end == next_start
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


@PROPERTY
@given(zone_and_instant(), st.sampled_from((-1, 0, 1)))
def test_instants_at_a_day_start_belong_to_the_day_that_starts(
    case: tuple[str, datetime], nudge: int
) -> None:
    tz, instant = case
    day = local_day(instant, tz)
    boundary = day_start_utc(day, tz) + timedelta(seconds=nudge)
    expected = day - timedelta(days=1) if nudge < 0 else day
    assert local_day(boundary, tz) == expected


@PROPERTY
@given(zone_and_instant(), st.integers(min_value=1, max_value=10))
def test_multi_day_window_spans_its_first_and_last_day(case: tuple[str, datetime], n_days: int) -> None:
    tz, instant = case
    first = local_day(instant, tz) - timedelta(days=n_days // 2)
    window = DayWindow(first, first + timedelta(days=n_days - 1), tz)
    lo, hi = window.utc_bounds()
    assert lo == DayWindow.single(window.start, tz).utc_bounds()[0]
    assert hi == DayWindow.single(window.end, tz).utc_bounds()[1]
    assert window.n_days == n_days == len(window.days())


# Payments within two days of the anchor: even across a 23-hour day they stay within three local days.
PAYMENT_SPREAD = int(timedelta(days=2).total_seconds())
payments = st.lists(
    st.tuples(
        st.integers(-PAYMENT_SPREAD, PAYMENT_SPREAD),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
    ),
    min_size=1,
    max_size=60,
)


@PROPERTY
@given(zone_and_instant(), payments)
def test_daily_revenue_adds_up_to_the_window_revenue(
    case: tuple[str, datetime], offsets_amounts: list[tuple[int, Decimal]]
) -> None:
    tz, anchor = case
    paid = [(anchor + timedelta(seconds=offset), amount) for offset, amount in offsets_amounts]
    first = local_day(anchor, tz) - timedelta(days=3)
    window = DayWindow(first, first + timedelta(days=6), tz)
    lo, hi = window.utc_bounds()

    window_revenue = sum((amount for at, amount in paid if lo <= at < hi), Decimal(0))
    daily: dict[date, Decimal] = {}
    for day in window.days():
        day_lo, day_hi = DayWindow.single(day, tz).utc_bounds()
        daily[day] = sum((amount for at, amount in paid if day_lo <= at < day_hi), Decimal(0))
    by_local_day = sum(
        (amount for at, amount in paid if window.start <= local_day(at, tz) <= window.end), Decimal(0)
    )

    assert sum(daily.values(), Decimal(0)) == window_revenue == by_local_day
    # The seven local days cover every payment, so the partition lost nothing.
    assert window_revenue == sum((amount for _, amount in paid), Decimal(0))
