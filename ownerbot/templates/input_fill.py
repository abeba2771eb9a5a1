"""Filling a template's inputs from the owner's text: a matching pattern's named groups, slots
by parser and key, choices and presets named in words, and the rest of the sentence as a message."""

from __future__ import annotations

import re
from datetime import date

from ownerbot.templates.parsers import InputParseError, parse_input
from ownerbot.templates.slots import DIGITS, Slot, SlotKind
from ownerbot.templates.spec import InputSpec, ParserName, TemplateSpec
from ownerbot.templates.text_analysis import STOPWORDS, SYNONYMS, WORD, Alias, AnalysedText, Entry, make_alias
from ownerbot.templates.text_norm import stem

_LEADING_CONJUNCTIONS = frozenset({"что", "чтобы", "that"})
# Words for choice ids that preset labels abbreviate (weekdays are labelled «Пн», "Mon").
_CHOICE_WORDS: dict[str, tuple[str, ...]] = {
    "mon": ("понедельник", "monday"),
    "tue": ("вторник", "tuesday"),
    "wed": ("среда", "wednesday"),
    "thu": ("четверг", "thursday"),
    "fri": ("пятница", "friday"),
    "sat": ("суббота", "saturday"),
    "sun": ("воскресенье", "sunday"),
}

# Slot kinds each parser accepts, in order of preference; key hints refine ints and texts.
_PARSER_SLOTS: dict[ParserName, tuple[SlotKind, ...]] = {
    ParserName.PERCENT: ("percent", "number"),
    ParserName.DECIMAL: ("number", "percent"),
    ParserName.IDS: ("ids", "order", "number"),
    ParserName.INT: ("number",),
    ParserName.DATE: ("date", "period"),
    ParserName.DATE_RANGE: ("range", "period", "date"),
    ParserName.PHONE: ("phone",),
    ParserName.TIME_LOCAL: ("time",),
    ParserName.TIMEZONE: ("tz",),
    ParserName.KV: ("kv",),
}


def _wanted(item: InputSpec) -> tuple[SlotKind, ...]:
    key = item.key.rsplit(".", 1)[-1]
    if item.parser is ParserName.INT:
        if "lte" in key or "stock" in key or key.startswith("max"):
            return ("lte", "number")
        if "hours" in key:
            return ("hours", "gte", "number")
        if "days" in key:
            return ("period", "number")
        if "gte" in key or key.startswith("min") or "count" in key:
            return ("gte", "number")
        return ("number", "gte", "lte")
    if item.parser is ParserName.TEXT:
        if "order" in key or key.endswith("_id"):
            return ("order", "number")
        if key == "q":
            return ("order", "phone", "number")
        return ()
    return _PARSER_SLOTS.get(item.parser, ())


def _is_free_text(item: InputSpec) -> bool:
    """A text input that takes the rest of the sentence (a message, a reason), not an identifier."""
    return item.parser is ParserName.TEXT and not _wanted(item)


def _slot_raw(slot: Slot, item: InputSpec) -> str | None:
    if slot.kind == "period" and slot.period is not None and item.parser is ParserName.INT:
        return str(slot.period.n) if slot.period.kind == "days" else None
    return slot.raw


def _parses(item: InputSpec, raw: str) -> bool:
    try:
        parse_input(item, raw, today=date.today())
    except InputParseError:
        return False
    return True


def _preset_fill(item: InputSpec, text: AnalysedText) -> str | None:
    """A preset or choice named in the text («оплаченные» → `paid`, «зависшие заказы» → its message)."""
    joined = " ".join(text.norm.split())
    for choice in item.options.choices:
        if re.search(rf"(?<!\w){re.escape(choice.casefold().replace('_', ' '))}(?!\w)", joined):
            return choice
        if any(stem(word) in text.stems for word in _CHOICE_WORDS.get(choice, ())):
            return choice
    for preset in item.presets:
        label = make_alias(preset.label or "", 1.0)
        if label is not None and label.stems <= text.stems and not DIGITS.search(label.norm):
            return preset.value
    return None


def _remainder(text: AnalysedText, alias: Alias, used: list[Slot]) -> str | None:
    """The owner's own words besides the alias and the used slots («завтра выходной»), if any."""
    kept = [
        m
        for m in WORD.finditer(text.norm)
        if stem(SYNONYMS.get(m.group(0), m.group(0))) not in alias.stems
        and not any(s.start <= m.start() < s.end for s in used)
    ]
    while kept and kept[0].group(0) in _LEADING_CONJUNCTIONS:
        kept.pop(0)  # «скажи команде, что склад закрыт» → «склад закрыт»
    periods = [s for s in text.slots if s.kind == "period"]
    meaningful = [
        m
        for m in kept
        if m.group(0) not in STOPWORDS and not any(s.start <= m.start() < s.end for s in periods)
    ]
    if not meaningful:
        return None  # only stop words or a period («за вчера») are left: no message was given
    start, end = kept[0].start(), kept[-1].end()
    if not WORD.search(text.norm[end:]):
        end = len(text.cased)  # keep the closing «!» or «?» of a message
    return text.cased[start:end].strip(" :,-")


def _fixed_numbers(spec: TemplateSpec) -> set[str]:
    """Integers of the preset payload (`threshold_hours: 6`, `hours: 12`): naming them fits."""
    return {str(v) for v in spec.payload.values() if isinstance(v, int) and not isinstance(v, bool)}


def fill_inputs(entry: Entry, text: AnalysedText, alias: Alias | None) -> tuple[dict[str, str], float, bool]:
    """Raw inputs for the template, the slot-fit score, and whether a period slot went into an input."""
    slots = text.slots
    raw_inputs: dict[str, str] = {}
    used: set[int] = set()
    score = 0.0
    matched = False  # a matching pattern alone decides the free-text inputs
    for pattern in entry.patterns:
        match = pattern.search(text.norm)
        if match is None:
            continue
        matched = True
        for key, value in match.groupdict().items():
            if value and any(item.key == key for item in entry.spec.inputs):
                start, end = match.span(key)
                raw_inputs[key] = text.cased[start:end].strip()
                used.update(i for i, s in enumerate(slots) if s.start < end and start < s.end)
        break
    for item in entry.spec.inputs:
        if item.key in raw_inputs:
            score += 0.3
            continue
        filled = False
        for kind in _wanted(item):
            for index in (i for i, s in enumerate(slots) if i not in used and s.kind == kind):
                raw = _slot_raw(slots[index], item)
                if raw is not None and _parses(item, raw):
                    raw_inputs[item.key], filled = raw, True
                    used.add(index)
                    break
            if filled:
                break
        if not filled and (item.parser in (ParserName.CHOICE, ParserName.BOOL) or _is_free_text(item)):
            preset = _preset_fill(item, text)
            if preset is not None:
                raw_inputs[item.key], filled = preset, True
        if filled:
            score += 0.3 if not item.optional else 0.15
        elif not item.optional:
            score -= 0.05  # a question still to ask: a template that needs none is a closer fit
    fixed = _fixed_numbers(entry.spec)
    for index, slot in enumerate(slots):
        if index not in used and slot.kind in ("number", "hours", "gte", "lte") and slot.raw in fixed:
            used.add(index)
            score += 0.3
    leftovers = [s for i, s in enumerate(slots) if i not in used and s.kind != "period"]
    score -= 0.25 * len(leftovers)
    # The rest of the sentence becomes the message or reason only when the whole alias was said
    # («напиши команде: …»). It earns nothing: any text fits a free-text input, so it proves nothing.
    free = next((i for i in entry.spec.inputs if _is_free_text(i) and i.key not in raw_inputs), None)
    if free is not None and not matched and alias is not None and alias.stems <= text.stems:
        rest = _remainder(text, alias, [slots[i] for i in used])
        if rest is not None and _parses(free, rest):
            raw_inputs[free.key] = rest
    return raw_inputs, score, any(slots[i].kind == "period" for i in used)
