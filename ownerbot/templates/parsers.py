"""Input parsers of the template runner (`TEMPLATES.md`): raw owner text → a JSON-friendly payload value.

Every parser either returns a value or raises `InputParseError`, whose `expected(locale)` names the
accepted form and range so the runner can re-ask. Text is normalised first (`text_norm`): digits of any
script, comma decimals, non-breaking/thin spaces and dash variants are all accepted. Number parsers
live in `numbers`, date and period parsers in `periods`; the rest and the dispatch are here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from ownerbot.templates.input_error import InputParseError, Problem
from ownerbot.templates.number_parsers import parse_decimal, parse_ids, parse_int, parse_percent
from ownerbot.templates.periods import find_period, parse_date, parse_date_range
from ownerbot.templates.spec import InputSpec, ParserName
from ownerbot.templates.text_norm import collapse_spaces, normalize_digits, normalize_text

# Callers import the error (and the period finder) from here, as before the split.
__all__ = ["InputParseError", "find_period", "parse_input"]

DEFAULT_TEXT_MAX_LEN = 1000


def parse_phone(spec: InputSpec, raw: str) -> str:
    text = collapse_spaces(normalize_digits(raw))
    if not re.fullmatch(r"\+?[\d\s().\-]+", text):
        raise InputParseError(spec.key, spec.parser, "format")
    digits = re.sub(r"\D", "", text)
    if not 10 <= len(digits) <= 15:
        raise InputParseError(spec.key, spec.parser, "format")
    if not text.startswith("+") and len(digits) == 11 and digits.startswith("8"):
        # Russian trunk prefix: 8 916 … is +7 916 … (most SIS shops are Russian-speaking).
        digits = "7" + digits[1:]
    return "+" + digits


def parse_text(spec: InputSpec, raw: str) -> str:
    limit = spec.options.max_len or DEFAULT_TEXT_MAX_LEN
    text = raw.strip()
    if not text:
        raise InputParseError(spec.key, spec.parser, "empty", max_len=str(limit))
    if len(text) > limit:
        raise InputParseError(spec.key, spec.parser, "too_long", max_len=str(limit))
    return text


def _choice_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", normalize_text(text).strip(" .!"))


def parse_choice(spec: InputSpec, raw: str) -> str:
    wanted = _choice_key(raw)
    for choice in spec.options.choices:
        if _choice_key(choice) == wanted:
            return choice
    raise InputParseError(spec.key, spec.parser, "format", choices=", ".join(spec.options.choices))


_TRUE = frozenset({"да", "д", "yes", "y", "вкл", "включить", "включи", "on", "1", "true", "+", "✅"})
_FALSE = frozenset({"нет", "н", "no", "n", "выкл", "выключить", "выключи", "off", "0", "false", "-", "❌"})


def parse_bool(spec: InputSpec, raw: str) -> bool:
    text = normalize_text(raw).strip(" .!")
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputParseError(spec.key, spec.parser, "format")


_TIME = re.compile(r"(\d{1,2})\s*[:.hч]\s*(\d{2})")


def parse_time_local(spec: InputSpec, raw: str) -> str:
    match = _TIME.fullmatch(normalize_text(raw))
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InputParseError(spec.key, spec.parser, "format")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


@cache
def _timezones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def parse_timezone(spec: InputSpec, raw: str) -> str:
    text = re.sub(r"\s*/\s*", "/", collapse_spaces(normalize_digits(raw))).replace(" ", "_").casefold()
    name = _timezones().get(text)
    if name is None:
        raise InputParseError(spec.key, spec.parser, "format")
    return name


def parse_kv(spec: InputSpec, raw: str) -> dict[str, str]:
    allowed = {key.casefold(): key for key in spec.options.keys}

    def fail(problem: Problem) -> InputParseError:
        return InputParseError(spec.key, spec.parser, problem, keys=", ".join(spec.options.keys))

    result: dict[str, str] = {}
    # A comma separates pairs only when a `key=` follows, so "0,5" stays a value.
    for part in re.split(r"[;\n]|,(?=\s*[A-Za-z_][\w.]*\s*=)", normalize_digits(raw)):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().casefold(), value.strip()
        if not sep or not value:
            raise fail("format")
        if key not in allowed:
            raise fail("unknown_key")
        result[allowed[key]] = value
    if not result:
        raise fail("empty")
    return result


_SIMPLE: dict[ParserName, Callable[[InputSpec, str], Any]] = {
    ParserName.INT: parse_int,
    ParserName.DECIMAL: parse_decimal,
    ParserName.PERCENT: parse_percent,
    ParserName.IDS: parse_ids,
    ParserName.PHONE: parse_phone,
    ParserName.TEXT: parse_text,
    ParserName.CHOICE: parse_choice,
    ParserName.BOOL: parse_bool,
    ParserName.TIME_LOCAL: parse_time_local,
    ParserName.TIMEZONE: parse_timezone,
    ParserName.KV: parse_kv,
}


def parse_input(spec: InputSpec, raw: str, *, today: date) -> Any:
    """Parse one raw answer for `spec`; `today` (shop-local) anchors relative dates and periods."""
    if spec.parser is ParserName.DATE:
        return parse_date(spec, raw, today)
    if spec.parser is ParserName.DATE_RANGE:
        return parse_date_range(spec, raw, today)
    return _SIMPLE[spec.parser](spec, raw)
