"""Number parsers (`int`, `decimal`, `percent`, `ids`): digits of any script and number words,
comma decimals, thousands groups, percent words and id lists with ranges, each within its bounds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ownerbot.templates.input_error import InputParseError, Problem
from ownerbot.templates.spec import InputSpec, ParserOptions
from ownerbot.templates.text_norm import normalize_text, words_to_digits

# Bounds used when a template gives none: owner inputs are counts, hours, ids and money, never negative.
DEFAULT_INT_RANGE = (0, 1_000_000_000)
DEFAULT_DECIMAL_RANGE = (0, 1_000_000_000)
DEFAULT_PERCENT_RANGE = (0, 100)
DEFAULT_MAX_IDS = 1000
MAX_ID = 10**15
# Longer digit strings are refused before any conversion (huge numbers never reach int()).
_MAX_DIGITS = 24


# ---------------------------------------------------------------- integers, decimals and percents

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_PERCENT_WORDS = re.compile(r"\s*(?:%|процент\w*|проц\.?|percent|pct)$")


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?")


def _number_text(raw: str) -> str:
    """Normalised number text: number words as digits («семь» → 7), thousands groups joined
    (`1 000` → `1000`; nbsp and thin spaces are spaces by then)."""
    text = normalize_text(words_to_digits(raw))
    return text.replace(" ", "") if _THOUSANDS.fullmatch(text) else text


def _fmt_bound(value: Decimal | float) -> str:
    dec = Decimal(str(value))
    return format(dec.normalize(), "f") if dec != dec.to_integral_value() else str(int(dec))


def _bounds(options: ParserOptions, default: tuple[int, int]) -> tuple[Decimal, Decimal]:
    low = Decimal(str(options.min)) if options.min is not None else Decimal(default[0])
    high = Decimal(str(options.max)) if options.max is not None else Decimal(default[1])
    return low, high


def _decimal_in_range(text: str, spec: InputSpec, default: tuple[int, int], *, integral: bool) -> Decimal:
    low, high = _bounds(spec.options, default)

    def fail(problem: Problem) -> InputParseError:
        return InputParseError(spec.key, spec.parser, problem, min=_fmt_bound(low), max=_fmt_bound(high))

    compact = text
    if not _NUMBER.fullmatch(compact) or sum(c.isdigit() for c in compact) > _MAX_DIGITS:
        raise fail("format" if _NUMBER.fullmatch(compact) is None else "range")
    if integral and re.search(r"[.,]", compact):
        raise fail("format")
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid literals
        raise fail("format") from exc
    if not low <= value <= high:
        raise fail("range")
    return value


def _plain(value: Decimal) -> str:
    """`7.50` → "7.5", `1E+1` → "10": a plain decimal string without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_int(spec: InputSpec, raw: str) -> int:
    return int(_decimal_in_range(_number_text(raw), spec, DEFAULT_INT_RANGE, integral=True))


def parse_decimal(spec: InputSpec, raw: str) -> str:
    return _plain(_decimal_in_range(_number_text(raw), spec, DEFAULT_DECIMAL_RANGE, integral=False))


def parse_percent(spec: InputSpec, raw: str) -> str:
    text = _PERCENT_WORDS.sub("", normalize_text(raw))
    return _plain(_decimal_in_range(_number_text(text), spec, DEFAULT_PERCENT_RANGE, integral=False))


# ---------------------------------------------------------------- ids

_ID_TOKEN = re.compile(r"[#№]?(\d+)(?:-[#№]?(\d+))?")
_ID_SEPARATORS = re.compile(r"\s*(?:[,;]|\bи\b|\band\b)\s*|\s+")


def parse_ids(spec: InputSpec, raw: str) -> list[int]:
    cap = spec.options.max_items or DEFAULT_MAX_IDS

    def fail(problem: Problem) -> InputParseError:
        return InputParseError(spec.key, spec.parser, problem, max_items=str(cap))

    text = normalize_text(words_to_digits(raw))
    text = re.sub(r"\s*(?:-|\.\.|\bдо\b|\bto\b)\s*", "-", text)
    tokens = [tok for tok in _ID_SEPARATORS.split(text) if tok]
    if not tokens:
        raise fail("empty")
    result: dict[int, None] = {}
    for token in tokens:
        match = _ID_TOKEN.fullmatch(token)
        if match is None or any(len(g) > _MAX_DIGITS for g in match.groups() if g):
            raise fail("format")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first < 1 or last > MAX_ID:
            raise fail("range")
        if last < first:
            raise fail("order")
        if last - first + 1 > cap:
            raise fail("too_many")
        for value in range(first, last + 1):
            result[value] = None
            if len(result) > cap:
                raise fail("too_many")
    return list(result)
