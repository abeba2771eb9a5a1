"""The rule-based free-text router (`VOICE_LLM.md`, step 1): owner text → a template with raw inputs.

It runs before any LLM and reads only catalog data: each template's `intent_aliases` (plus its RU/EN
title and button), its regex `patterns` (named groups fill inputs of the same key) and its inputs'
parsers. The score is transparent and additive (`score_templates` shows every term):

- words: the best alias's share of words found in the text, times how much of the text it explains;
  a whole alias found as a phrase adds a bonus; a matching pattern adds more;
- slots: numbers, percents, id lists, order ids, phones, dates and periods found in the text, each
  used by an input of the template (by parser type and key) earns a bonus, each left over costs;
- period fit: a template with a fixed window (`range: yesterday`, `days: 30`, `preset: wow`) gains when
  the text names that window and loses when it names another.

The best template above a threshold wins; otherwise the 2–3 closest templates are offered.

Patterns are searched (case-insensitively) in the normalised text: lower case, «ё» → «е», digits of
any script and number words («семь») as ASCII digits, punctuation other than `% . , : ; + - = / # < >`
replaced by spaces. A named group must be an input key (`pattern_problems`); its text is taken with
the owner's original case and punctuation.
"""

from __future__ import annotations

import difflib
import re
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.parsers import (
    MONTH_NAME,
    InputParseError,
    Period,
    find_period,
    parse_input,
)
from ownerbot.templates.spec import InputSpec, ParserName, TemplateKind, TemplateSpec
from ownerbot.templates.text_norm import (
    collapse_spaces,
    normalize_digits,
    normalize_text,
    stem,
    words_to_digits,
)

MATCH_THRESHOLD = 0.55  # total score a template needs to be chosen
MIN_WORD_SCORE = 0.3  # ... of which this much must come from its words or patterns
SUGGEST_THRESHOLD = 0.25
MAX_SUGGESTIONS = 3
SUGGEST_CHARS = 40  # string similarity and typo matching look at the start of the text only
# Commands are short; a pasted essay is cut so the rules stay instant (the LLM has its own limit).
MAX_TEXT_CHARS = 500


def _split(text: str) -> list[str]:
    return text.split()


_STOPWORDS = frozenset(
    _split(
        """за на в во с со по про и а но мне нам мой мои моих мою покажи показать покажите дай дайте
    пожалуйста плиз какая какой какие каков что как у о об от из к ко это эти этот ли же бы для
    сколько там тут ну бот
    the a an of for to in on at me my show please what whats how is are get give and with by i us
    our can you"""
    )
)
_SYNONYMS = {"всех": "все", "всем": "все", "весь": "все", "вся": "все", "всю": "все", "всё": "все",
             "every": "all", "everything": "all"}  # fmt: skip
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
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Characters kept for slot extraction; everything else is punctuation.
_PUNCT = re.compile(r"[^\w\s%.,:;+\-=/#<>≤≥]")

SlotKind = Literal[
    "kv", "time", "tz", "phone", "percent", "range", "period", "date", "lte", "gte", "hours", "order", "ids",
    "number",
]  # fmt: skip


@dataclass(frozen=True)
class TextMatch:
    template_id: str
    raw_inputs: dict[str, str]  # input key → raw text, later fed to parse_input (runner re-asks on error)


@dataclass(frozen=True)
class TextSuggestions:
    template_ids: tuple[str, ...]  # the 2–3 closest templates, best first (may be empty)


@dataclass(frozen=True)
class Slot:
    kind: SlotKind
    raw: str
    start: int
    end: int
    period: Period | None = None


@dataclass
class Scored:
    """One template's score with its terms, as `score_templates` reports it."""

    template_id: str
    words: float = 0.0
    slots: float = 0.0
    period: float = 0.0
    raw_inputs: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.words + self.slots + self.period


# ---------------------------------------------------------------- text analysis


def _tokens(text: str) -> list[str]:
    words = (_SYNONYMS.get(w, w) for w in _WORD.findall(text))
    return [stem(w) for w in words if w not in _STOPWORDS]


_NAMED_DAY = rf"(?:\d{{1,2}}\s+{MONTH_NAME}(?:\s+\d{{4}})?|{MONTH_NAME}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)(?!\w)"
_DAY = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[./]\d{{1,2}}(?:[./]\d{{2,4}})?|{_NAMED_DAY}"
    r"|сегодня|вчера|today|yesterday)"
)
_RANGE_SEPARATOR = r"\s*(?:-|\.\.|\bпо\b|\bдо\b|\bto\b|\buntil\b)\s*"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
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
                raw = _DIGITS.findall(raw)[-1 if kind != "percent" else 0]
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


# ---------------------------------------------------------------- catalog index


@dataclass(frozen=True)
class _Alias:
    norm: str
    stems: frozenset[str]
    weight: float


@dataclass(frozen=True)
class _Entry:
    spec: TemplateSpec
    aliases: tuple[_Alias, ...]
    patterns: tuple[re.Pattern[str], ...]
    fixed_period: tuple[str, int] | None


_INDEX: weakref.WeakKeyDictionary[TemplateCatalog, tuple[_Entry, ...]] = weakref.WeakKeyDictionary()


def _clean(text: str) -> str:
    """Normalised text with number words as digits and punctuation dropped (aliases, suggestions)."""
    return re.sub(r"\s+", " ", _PUNCT.sub(" ", normalize_text(words_to_digits(text)))).strip()


def _alias(text: str, weight: float) -> _Alias | None:
    norm = _clean(text)
    stems = frozenset(_tokens(norm))
    return _Alias(norm, stems, weight) if stems else None


def _fixed_period(spec: TemplateSpec) -> tuple[str, int] | None:
    """The window a template's preset payload fixes: ("today"|"yesterday"|"days", n)."""
    payload = spec.payload
    rng, days, preset = payload.get("range"), payload.get("days"), payload.get("preset")
    if rng in ("today", "yesterday"):
        return str(rng), 1
    if isinstance(rng, str) and (m := re.fullmatch(r"(\d+)d", rng)):
        return "days", int(m.group(1))
    if isinstance(days, int):
        return "days", days
    if preset in ("wow", "mom"):
        return "days", 7 if preset == "wow" else 30
    return None


def pattern_problems(spec: TemplateSpec) -> list[str]:
    """A template's patterns that do not compile or name a group that is not one of its inputs."""
    keys = {item.key for item in spec.inputs}
    problems: list[str] = []
    for index, pattern in enumerate(spec.patterns):
        try:
            groups = set(re.compile(pattern).groupindex)
        except re.error as exc:
            problems.append(f"{spec.id}: patterns[{index}]: invalid regular expression ({exc})")
            continue
        for group in sorted(groups - keys):
            problems.append(f"{spec.id}: patterns[{index}]: group {group!r} is not an input key")
    return problems


def _index(catalog: TemplateCatalog) -> tuple[_Entry, ...]:
    cached = _INDEX.get(catalog)
    if cached is not None:
        return cached
    entries = []
    for spec in catalog.all():
        texts = [(a, 1.0) for a in spec.intent_aliases]
        texts += [(t, 0.85) for t in {spec.title, spec.button, catalog.title(spec, "en"),
                                       catalog.button(spec, "en")}]  # fmt: skip
        aliases = tuple(a for text, weight in texts if (a := _alias(text, weight)) is not None)
        problems = pattern_problems(spec)
        if problems:
            raise ValueError("; ".join(problems))
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in spec.patterns)
        entries.append(_Entry(spec, aliases, patterns, _fixed_period(spec)))
    result = tuple(entries)
    _INDEX[catalog] = result
    return result


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Text:
    """The owner's text analysed once: normalised (punctuation blanked, positions kept), the same text
    with its original case and punctuation (for free-text inputs), slots and word stems."""

    norm: str
    cased: str
    slots: list[Slot]
    stems: set[str]
    content: set[str]  # stems of words outside slots
    period_stems: set[str]  # stems of the words naming a period («за неделю»)

    @classmethod
    def of(cls, text: str) -> _Text:
        base = collapse_spaces(words_to_digits(normalize_digits(text)))
        lowered = base.casefold().replace("ё", "е")
        cased = base if len(base) == len(lowered) else lowered
        norm = _PUNCT.sub(" ", lowered)
        slots = extract_slots(norm, cased)
        blanked = "".join(" " if any(s.start <= i < s.end for s in slots) else c for i, c in enumerate(norm))
        period_words = " ".join(norm[s.start : s.end] for s in slots if s.kind == "period")
        return cls(norm, cased, slots, set(_tokens(norm)), set(_tokens(blanked)), set(_tokens(period_words)))


def _word_score(entry: _Entry, text: _Text) -> tuple[float, _Alias | None]:
    best, best_alias = 0.0, None
    for alias in entry.aliases:
        hits = alias.stems & text.stems
        if not hits:
            continue
        recall = len(hits) / len(alias.stems)
        precision = len(hits & text.content) / len(text.content) if text.content else 1.0
        score = recall * (0.6 + 0.4 * precision)
        phrase = r"\s+".join(map(re.escape, alias.norm.split()))
        if recall == 1.0 and re.search(rf"(?<!\w){phrase}(?!\w)", text.norm):
            score += 0.2
        if hits <= text.period_stems:
            score *= 0.5  # only period words matched: the period term already scores them
        if score * alias.weight > best:
            best, best_alias = score * alias.weight, alias
    return best, best_alias


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


def _preset_fill(item: InputSpec, text: _Text) -> str | None:
    """A preset or choice named in the text («оплаченные» → `paid`, «зависшие заказы» → its message)."""
    joined = " ".join(text.norm.split())
    for choice in item.options.choices:
        if re.search(rf"(?<!\w){re.escape(choice.casefold().replace('_', ' '))}(?!\w)", joined):
            return choice
        if any(stem(word) in text.stems for word in _CHOICE_WORDS.get(choice, ())):
            return choice
    for preset in item.presets:
        label = _alias(preset.label or "", 1.0)
        if label is not None and label.stems <= text.stems and not _DIGITS.search(label.norm):
            return preset.value
    return None


def _remainder(text: _Text, alias: _Alias, used: list[Slot]) -> str | None:
    """The owner's own words besides the alias and the used slots («завтра выходной»), if any."""
    kept = [
        m
        for m in _WORD.finditer(text.norm)
        if stem(_SYNONYMS.get(m.group(0), m.group(0))) not in alias.stems
        and not any(s.start <= m.start() < s.end for s in used)
    ]
    while kept and kept[0].group(0) in _LEADING_CONJUNCTIONS:
        kept.pop(0)  # «скажи команде, что склад закрыт» → «склад закрыт»
    periods = [s for s in text.slots if s.kind == "period"]
    meaningful = [
        m
        for m in kept
        if m.group(0) not in _STOPWORDS and not any(s.start <= m.start() < s.end for s in periods)
    ]
    if not meaningful:
        return None  # only stop words or a period («за вчера») are left: no message was given
    start, end = kept[0].start(), kept[-1].end()
    if not _WORD.search(text.norm[end:]):
        end = len(text.cased)  # keep the closing «!» or «?» of a message
    return text.cased[start:end].strip(" :,-")


def _fixed_numbers(spec: TemplateSpec) -> set[str]:
    """Integers of the preset payload (`threshold_hours: 6`, `hours: 12`): naming them fits."""
    return {str(v) for v in spec.payload.values() if isinstance(v, int) and not isinstance(v, bool)}


def _fill(entry: _Entry, text: _Text, alias: _Alias | None) -> tuple[dict[str, str], float, bool]:
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


def _period_score(entry: _Entry, slots: list[Slot], period_used: bool) -> float:
    periods = [s.period for s in slots if s.period is not None]
    if not periods or period_used:
        return 0.0  # no period named, or it went into an input and was scored there
    period = periods[0]
    if entry.fixed_period is None:
        return -0.1
    kind, days = entry.fixed_period
    if kind in ("today", "yesterday"):
        return 0.3 if period.kind == kind else -0.3
    if period.kind in ("today", "yesterday", "day_before"):
        return -0.3
    if period.kind in ("month", "prev_month", "prev_week"):
        return 0.0  # a calendar window no rolling template covers: neither a fit nor a contradiction
    return 0.3 if period.approx_days == days else -0.2


def score_templates(text: str, catalog: TemplateCatalog) -> list[Scored]:
    """Every template whose words or patterns match, best first, with the terms of its score.

    Ties go to reports before actions (a wrong report costs a glance, a wrong action a cancel), then
    to catalog order.
    """
    analysed = _Text.of(text)
    results: list[tuple[Scored, bool]] = []
    for entry in _index(catalog):
        words, alias = _word_score(entry, analysed)
        if any(p.search(analysed.norm) for p in entry.patterns):
            words = max(words, 0.9) + 0.3
        if words <= 0:
            continue
        raw_inputs, slot_fit, period_used = _fill(entry, analysed, alias)
        period = _period_score(entry, analysed.slots, period_used)
        scored = Scored(entry.spec.id, words, slot_fit, period, raw_inputs)
        results.append((scored, entry.spec.kind is TemplateKind.ACTION))
    results.sort(key=lambda item: (-round(item[0].total, 6), item[1]))
    return [scored for scored, _ in results]


def route_text(text: str, catalog: TemplateCatalog) -> TextMatch | TextSuggestions:
    """The template the owner's text asks for, with raw inputs; or the closest templates to offer."""
    text = text[:MAX_TEXT_CHARS]
    ranked = score_templates(text, catalog)
    if ranked and ranked[0].total >= MATCH_THRESHOLD and ranked[0].words >= MIN_WORD_SCORE:
        return TextMatch(ranked[0].template_id, dict(ranked[0].raw_inputs))
    return TextSuggestions(suggest(text, catalog, ranked))


def suggest(text: str, catalog: TemplateCatalog, ranked: Iterable[Scored] = ()) -> tuple[str, ...]:
    """The 2–3 templates closest to `text`: shared (or nearly shared, for typos) alias words first,
    then string similarity of the aliases to order close candidates."""
    norm = _clean(text)
    head = norm if len(norm) <= SUGGEST_CHARS else norm[: SUGGEST_CHARS + 1].rsplit(" ", 1)[0]
    # Typos are matched on words of 4+ letters; shorter ones («то», «за») match anything.
    pool = [w for w in dict.fromkeys(_tokens(head)) if len(w) >= 4]
    stems = set(_tokens(norm))
    entries = _index(catalog)
    universe = {stem for entry in entries for alias in entry.aliases for stem in alias.stems}
    close = {
        a
        for a in universe
        if a in stems or (len(a) >= 4 and difflib.get_close_matches(a, pool, n=1, cutoff=0.75))
    }
    by_words = {s.template_id: s.words for s in ranked}
    base: list[tuple[float, int, _Entry]] = []
    for position, entry in enumerate(entries):
        fuzzy = max((0.8 * len(a.stems & close) / len(a.stems) for a in entry.aliases), default=0.0)
        score = max(by_words.get(entry.spec.id, 0.0), fuzzy)
        if entry.spec.kind is TemplateKind.ACTION:
            score -= 0.05  # equally close: offer the report first
        if score > 0:
            base.append((score, position, entry))
    base.sort(key=lambda item: (-item[0], item[1]))
    # The matcher caches the text side; string similarity (quadratic) only orders the front runners.
    matcher = difflib.SequenceMatcher(None, b=head, autojunk=False)
    final: list[tuple[float, int, str]] = []
    for score, position, entry in base[: 3 * MAX_SUGGESTIONS]:
        similarity = max((_similarity(matcher, alias) for alias in entry.aliases), default=0.0)
        final.append((score + 0.5 * similarity, position, entry.spec.id))
    final.sort(key=lambda item: (-item[0], item[1]))
    return tuple(
        template_id for score, _, template_id in final[:MAX_SUGGESTIONS] if score >= SUGGEST_THRESHOLD
    )


def _similarity(matcher: difflib.SequenceMatcher[str], alias: _Alias) -> float:
    """Similarity above the ≈0.4 any two strings share; 0 when the cheap upper bounds rule it out."""
    matcher.set_seq1(alias.norm)
    if matcher.real_quick_ratio() <= 0.4 or matcher.quick_ratio() <= 0.4:
        return 0.0
    return max(0.0, matcher.ratio() - 0.4) * alias.weight
