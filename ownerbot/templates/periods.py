"""Dates and periods: the `date` and `date_range` parsers, and the period phrases the free-text
router looks for. Dates are ISO, dd.mm[.yy] or a month name in Russian or English; periods are words
(«за неделю», "last 30 days", «за март»); «с 1 по 15 марта» names the month once for both days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ownerbot.templates.input_error import InputParseError, Problem
from ownerbot.templates.spec import InputSpec
from ownerbot.templates.text_norm import normalize_text

DEFAULT_MAX_DAYS = 3660

_DATE_WORDS: dict[str, int] = {
    "сегодня": 0,
    "today": 0,
    "вчера": 1,
    "yesterday": 1,
    "позавчера": 2,
}
# Month names in the order of the months: Russian in any case («марта», «в марте»), English in full or
# abbreviated ("mar", "march").
MONTH_FORMS = (
    "январ[ьяею]|jan(?:uary)?", "феврал[ьяею]|feb(?:ruary)?", "март[ауе]?|mar(?:ch)?",
    "апрел[ьяею]|apr(?:il)?", "ма[йяею]|may", "июн[ьяею]|june?", "июл[ьяею]|july?",
    "август[ауе]?|aug(?:ust)?",
    "сентябр[ьяею]|sept?(?:ember)?", "октябр[ьяею]|oct(?:ober)?", "ноябр[ьяею]|nov(?:ember)?",
    "декабр[ьяею]|dec(?:ember)?",
)  # fmt: skip
MONTH_NAME = "(?:" + "|".join(MONTH_FORMS) + ")"
DATE_TOKEN = re.compile(
    r"(?<!\d)(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2}))?)(?![\d])"
    rf"|(?<!\d)(?P<nd>\d{{1,2}})\s+(?P<nm>{MONTH_NAME})(?:\s+(?P<ny>\d{{4}}))?(?!\w)"
    rf"|\b(?P<mn>{MONTH_NAME})\s+(?P<dn>\d{{1,2}})(?:,?\s+(?P<yn>\d{{4}}))?(?!\w)"
    r"|\b(?P<word>сегодня|позавчера|вчера|today|yesterday)\b"
)


SAME_MONTH_RANGE = re.compile(
    rf"(?<!\d)(?P<a>\d{{1,2}})\s*(?:-|\.\.|\bпо\b|\bдо\b|\bto\b)\s*(?P<b>\d{{1,2}})\s+(?P<mon>{MONTH_NAME})"
    r"(?:\s+(?P<y>\d{4}))?(?![\w])"
)


def _month_number(name: str) -> int | None:
    for index, forms in enumerate(MONTH_FORMS):
        if re.fullmatch(forms, name):
            return index + 1
    return None


def date_from_match(match: re.Match[str], today: date) -> date | None:
    """The calendar day of a `DATE_TOKEN` match, or None when it names no real day (31.02)."""
    if match.group("word"):
        return today - timedelta(days=_DATE_WORDS[match.group("word")])
    try:
        if match.group("iy"):
            return date(int(match.group("iy")), int(match.group("im")), int(match.group("id")))
        if match.group("nd") or match.group("dn"):
            day = int(match.group("nd") or match.group("dn"))
            number = _month_number(match.group("nm") or match.group("mn"))
            year_text = match.group("ny") or match.group("yn")
            if number is None:
                return None
            month = number
        else:
            day, month = int(match.group("d")), int(match.group("m"))
            year_text = match.group("y")
        if year_text:
            year = int(year_text)
            return date(year + 2000 if year < 100 else year, month, day)
        # No year: the latest such day not after today (reports look back, «25.12» in January is
        # last December).
        candidate = date(today.year, month, day) if (month, day) != (2, 29) else None
        if candidate is None or candidate > today:
            return _latest_leap_safe(today, month, day)
        return candidate
    except ValueError:
        return None


def _latest_leap_safe(today: date, month: int, day: int) -> date:
    for year in range(today.year, today.year - 8, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise ValueError("no such day")


def parse_date(spec: InputSpec, raw: str, today: date) -> str:
    text = normalize_text(raw).strip(" .,")
    match = DATE_TOKEN.fullmatch(text)
    value = date_from_match(match, today) if match else None
    if value is None:
        raise InputParseError(spec.key, spec.parser, "format")
    return value.isoformat()


PeriodKind = Literal[
    "days", "today", "yesterday", "day_before", "this_week", "prev_week", "this_month", "prev_month", "month"
]


@dataclass(frozen=True)
class Period:
    """A relative period named in words («за неделю», "last 30 days"), resolved against `today`."""

    kind: PeriodKind
    n: int = 1  # number of days for `days`; the month (1–12) for `month`
    year: int | None = None  # `month` only; None: the latest such month not after today

    @property
    def approx_days(self) -> int:
        """The period's length in days, for comparing with a template's fixed window."""
        if self.kind == "days":
            return self.n
        return {"today": 1, "yesterday": 1, "day_before": 1, "this_week": 7, "prev_week": 7}.get(
            self.kind, 30
        )

    def resolve(self, today: date) -> tuple[date, date]:
        """Inclusive (from, to); rolling windows include today (docs/decisions.md, windows)."""
        if self.kind == "days":
            return today - timedelta(days=self.n - 1), today
        if self.kind == "today":
            return today, today
        if self.kind in ("yesterday", "day_before"):
            day = today - timedelta(days=1 if self.kind == "yesterday" else 2)
            return day, day
        if self.kind == "month":
            year = self.year or (today.year if self.n <= today.month else today.year - 1)
            first_day = date(year, self.n, 1)
            next_first = date(year + self.n // 12, self.n % 12 + 1, 1)
            last_day = next_first - timedelta(days=1)
            return first_day, (today if first_day <= today < last_day else last_day)
        monday = today - timedelta(days=today.weekday())
        if self.kind == "this_week":
            return monday, today
        if self.kind == "prev_week":
            return monday - timedelta(days=7), monday - timedelta(days=1)
        first = today.replace(day=1)
        if self.kind == "this_month":
            return first, today
        prev_last = first - timedelta(days=1)
        return prev_last.replace(day=1), prev_last


_NUM_WORDS = {
    "один": 1, "одну": 1, "одна": 1, "one": 1, "два": 2, "две": 2, "two": 2, "три": 3, "three": 3,
    "четыре": 4, "four": 4, "пять": 5, "five": 5, "шесть": 6, "six": 6,
}  # fmt: skip
_NUM = r"(?<![\w.])(?P<n>\d{1,4}|" + "|".join(_NUM_WORDS) + ")"
_LEAD = r"(?<!\w)(?:(?:за|в|на|last|past|previous|the|over|for|in|последн\w*|прошедш\w*)\s+)*"
_PERIOD_SOURCES: tuple[tuple[str, PeriodKind, int], ...] = (
    (_LEAD + _NUM + r"\s*(?:дн\w*|день|сут\w*|days?|d)\b", "days", 1),
    (_LEAD + _NUM + r"\s*(?:недел\w*|нед\b|weeks?)\b", "days", 7),
    (_LEAD + _NUM + r"\s*(?:месяц\w*|мес\b|months?)\b", "days", 30),
    (r"\b(?:(?:в|на|за)\s+)?(?:прошл\w*|предыдущ\w*)\s+месяц\w*|\b(?:last|previous)\s+month\b",
     "prev_month", 0),
    (r"\b(?:(?:в|на|за)\s+)?(?:прошл\w*|предыдущ\w*)\s+недел\w*|\bprevious\s+week\b", "prev_week", 0),
    (r"\b(?:(?:в|на|за)\s+)?(?:эт\w*|текущ\w*)\s+месяц\w*|\bthis\s+month\b|\bс\s+начала\s+месяца\b"
     r"|\bmonth\s+to\s+date\b|\bmtd\b", "this_month", 0),
    (r"\b(?:(?:в|на|за)\s+)?(?:эт\w*|текущ\w*)\s+недел\w*|\bthis\s+week\b|\bс\s+начала\s+недели\b",
     "this_week", 0),
    (r"\bза\s+(?:последн\w*\s+)?(?:недел\w*|7\s*дн\w*)|\b(?:last|past)\s+week\b|\bнедел\w+\b", "days", 7),
    (r"\bза\s+(?:последн\w*\s+)?месяц\b|\b(?:past|last)\s+30\s+days\b|\bмесяц\b", "days", 30),
    (r"\b(?:за\s+)?(?:сегодня\w*|сегодняшн\w*)\b|\btoday\b", "today", 0),
    (r"\b(?:за\s+)?(?:вчера|вчерашн\w*)\b|\byesterday\b", "yesterday", 0),
    (r"\b(?:за\s+)?позавчера\b|\bday\s+before\s+yesterday\b", "day_before", 0),
    # «за март», "in february 2026"; not the month of a date («15 марта», "march 15").
    (rf"(?<!\d)(?<!\d\s)\b(?:(?:за|в|in|for)\s+)?(?P<mon>{MONTH_NAME})(?:\s+(?P<y>\d{{4}}))?(?!\w)(?!\s*\d)",
     "month", 0),
)  # fmt: skip
_PERIOD_RULES = tuple((re.compile(pattern), kind, mult) for pattern, kind, mult in _PERIOD_SOURCES)


@dataclass(frozen=True)
class PeriodMatch:
    period: Period
    start: int
    end: int


def find_period(normalized: str) -> PeriodMatch | None:
    """The first period phrase (by rule priority) in already normalised text, with its span."""
    for pattern, kind, mult in _PERIOD_RULES:
        match = pattern.search(normalized)
        if match is None:
            continue
        if kind == "days":
            number = match.groupdict().get("n")
            count = (int(number) if number.isdigit() else _NUM_WORDS[number]) if number else 1
            period = Period("days", count * mult)
        elif kind == "month":
            month = _month_number(match["mon"])
            if month is None or (match.group(0) == "may"):
                continue  # a bare "may" is the verb far more often than the month
            period = Period("month", month, int(match["y"]) if match["y"] else None)
        else:
            period = Period(kind)
        return PeriodMatch(period, match.start(), match.end())
    return None


# One alternative per character class (no "\.\." next to "."): overlapping ones backtrack exponentially.
_RANGE_FILLER = re.compile(r"(?:\s|[-,.:]|\bс\b|\bпо\b|\bдо\b|\bи\b|\bfrom\b|\bto\b|\btill\b|\buntil\b"
                           r"|\bbetween\b|\band\b|\bза\b|\bпериод\b|\bperiod\b)*")  # fmt: skip


def _has_year(match: re.Match[str]) -> bool:
    return any(match.group(g) for g in ("iy", "y", "ny", "yn", "word"))


def parse_date_range(spec: InputSpec, raw: str, today: date) -> tuple[str, str]:
    max_days = spec.options.max_days or DEFAULT_MAX_DAYS

    def fail(problem: Problem) -> InputParseError:
        return InputParseError(spec.key, spec.parser, problem, max_days=str(max_days))

    text = normalize_text(raw).strip(" .,!?")
    if not text:
        raise fail("empty")
    # «с 1 по 15 марта»: the month named once serves both days.
    text = SAME_MONTH_RANGE.sub(
        lambda m: f"{m['a']} {m['mon']} {m['y'] or ''} - {m['b']} {m['mon']} {m['y'] or ''}", text
    )
    bounds: tuple[date, date] | None = None
    matches = list(DATE_TOKEN.finditer(text))
    residue = DATE_TOKEN.sub(" ", text)
    if matches and len(matches) <= 2 and _RANGE_FILLER.fullmatch(residue):
        days = [date_from_match(m, today) for m in matches]
        if any(d is None for d in days):
            raise fail("format")
        first, last = days[0], days[-1]
        assert first is not None and last is not None
        if len(days) == 2 and not _has_year(matches[0]):
            # «01.12..15.01» in January: the start without a year precedes the end.
            first = _latest_leap_safe(last, first.month, first.day) if first > last else first
        bounds = (first, last)
    else:
        found = find_period(text)
        if found is not None and _RANGE_FILLER.fullmatch(text[: found.start] + " " + text[found.end :]):
            bounds = found.period.resolve(today)
    if bounds is None:
        raise fail("format")
    if bounds[1] < bounds[0]:
        raise fail("order")
    if (bounds[1] - bounds[0]).days + 1 > max_days:
        raise fail("too_long")
    return bounds[0].isoformat(), bounds[1].isoformat()
