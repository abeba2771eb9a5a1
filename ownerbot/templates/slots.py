"""Slot extraction for free text: the numbers, percents, id lists, order ids, phones, times, time
zones, dates, ranges and periods in normalised owner text, each character in at most one slot."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ownerbot.templates.periods import MONTH_NAME, Period, find_period

SlotKind = Literal[
    "kv", "time", "tz", "phone", "percent", "range", "period", "date", "lte", "gte", "hours", "order", "ids",
    "number",
]  # fmt: skip


@dataclass(frozen=True)
class Slot:
    """A value found in the text: its kind, raw text (the number alone for «до 5») and span."""

    kind: SlotKind
    raw: str
    start: int
    end: int
    period: Period | None = None


_NAMED_DAY = rf"(?:\d{{1,2}}\s+{MONTH_NAME}(?:\s+\d{{4}})?|{MONTH_NAME}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)(?!\w)"
_DAY = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[./]\d{{1,2}}(?:[./]\d{{2,4}})?|{_NAMED_DAY}"
    r"|сегодня|вчера|today|yesterday)"
)
_RANGE_SEPARATOR = r"\s*(?:-|\.\.|\bпо\b|\bдо\b|\bto\b|\buntil\b)\s*"
# A number inside a slot's text: the value of «до 5», «7%», «заказ 12».
DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_SLOT_SOURCES: tuple[tuple[SlotKind, str], ...] = (
    ("kv", r"\b[a-z_][\w.]*\s*=\s*[^\s,;]+(?:\s*[,;]\s*[a-z_][\w.]*\s*=\s*[^\s,;]+)*"),
    ("time", r"(?<![\d.:])\d{1,2}:\d{2}(?![\d:])"),
    ("tz", r"(?<![\w/])(?:[a-z]+(?:/[a-z_+\-0-9]+){1,2}|utc)(?![\w/])"),
    ("phone", r"\+\d[\d\s()\-]{7,}\d|(?<![\d,])\d{10,15}(?!\d)"
              r"|(?<=телефон )[\d\s()\-]{9,}\d|(?<=тел )[\d\s()\-]{9,}\d|(?<=phone )[\d\s()\-]{9,}\d"),
    ("percent", r"(?<![\w.,])[+]?\d+(?:[.,]\d+)?\s*(?:%|процент\w*|проц\b|percent\b|pct\b)"),
    ("range", rf"(?:(?:с|from)\s+)?(?:{_DAY}|\d{{1,2}}){_RANGE_SEPARATOR}{_DAY}"),
    ("date", r"(?<![\d#])\d{4}-\d{1,2}-\d{1,2}|(?<![\d#.])\d{1,2}\.\d{1,2}\.\d{2,4}(?![\d.])"
             rf"|(?<![\d#.]){_NAMED_DAY}"),
    ("lte", r"(?<!\w)(?:меньше|менее|ниже|не\s+больше|не\s+более|до|<=|≤|<|less\s+than|fewer\s+than|below"
            r"|under|at\s+most|up\s+to)\s*(?:чем\s+|than\s+)?\d+"),
    ("gte", r"(?<!\w)(?:больше|более|свыше|выше|от|не\s+меньше|>=|≥|>|more\s+than|over|above|at\s+least)"
            r"\s*(?:чем\s+|than\s+)?\d+"),
    ("hours", r"(?<![\w.,])\d+\s*(?:ч|час\w*|h|hrs?|hours?)\b"),
    ("order", r"(?:заказ\w*|order\w*|ордер\w*)\s*(?:#|no\.?|номер|n)?\s*\d+|#\s*\d+"),
    ("ids", r"(?<![\w.,#])\d+(?:(?:\s*[,;]\s*|\s*(?:-|\.\.)\s*|\s+(?:и|and)\s+|\s+)\d+)+(?![\w.])"),
    ("number", r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])"),
)  # fmt: skip
_SLOT_RULES = tuple((kind, re.compile(pattern)) for kind, pattern in _SLOT_SOURCES)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


def extract_slots(norm: str, cased: str | None = None) -> list[Slot]:
    """Slots of normalised text, most specific kind first; each character belongs to one slot.

    `cased` (the same text before lower-casing, same positions) supplies raw time zone names."""
    slots: list[Slot] = []
    taken: list[tuple[int, int]] = []

    def add(kind: SlotKind, raw: str, start: int, end: int, period: Period | None = None) -> None:
        slots.append(Slot(kind, raw, start, end, period))
        taken.append((start, end))

    for kind, pattern in _SLOT_RULES:
        if kind == "date":
            _add_period(norm, taken, add)
        for match in pattern.finditer(norm):
            if _overlaps(match.start(), match.end(), taken):
                continue
            raw = match.group(0).strip()
            if kind in ("percent", "lte", "gte", "hours", "order"):
                raw = DIGITS.findall(raw)[-1 if kind != "percent" else 0]
            elif kind == "phone" and not 10 <= sum(c.isdigit() for c in raw) <= 15:
                continue
            elif kind == "ids" and re.fullmatch(r"\d+,\d+", raw):
                continue  # «2,5» is a decimal; an ids input still parses the number slot as [2, 5]
            elif kind == "tz" and cased is not None:
                raw = cased[match.start() : match.end()]
            add(kind, raw, match.start(), match.end())
    return sorted(slots, key=lambda slot: slot.start)


def _add_period(norm: str, taken: list[tuple[int, int]], add: Callable[..., None]) -> None:
    """Period phrases («за неделю», "last 30 days") and bare date words, after explicit ranges."""
    masked = norm
    while (found := find_period(masked)) is not None:
        if not _overlaps(found.start, found.end, taken):
            add("period", norm[found.start : found.end].strip(), found.start, found.end, found.period)
        masked = masked[: found.start] + " " * (found.end - found.start) + masked[found.end :]
