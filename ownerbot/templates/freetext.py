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
from collections.abc import Iterable
from dataclasses import dataclass, field

from ownerbot.templates.input_fill import fill_inputs
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.patterns import pattern_problems
from ownerbot.templates.slots import Slot, extract_slots
from ownerbot.templates.spec import TemplateKind, TemplateSpec
from ownerbot.templates.text_analysis import Alias, AnalysedText, Entry, clean, make_alias, tokens

# Callers and tests import these from here, as before the split.
__all__ = [
    "Scored",
    "TextMatch",
    "TextSuggestions",
    "extract_slots",
    "pattern_problems",
    "route_text",
    "score_templates",
    "suggest",
]

MATCH_THRESHOLD = 0.55  # total score a template needs to be chosen
MIN_WORD_SCORE = 0.3  # ... of which this much must come from its words or patterns
SUGGEST_THRESHOLD = 0.25
MAX_SUGGESTIONS = 3
SUGGEST_CHARS = 40  # string similarity and typo matching look at the start of the text only
# Commands are short; a pasted essay is cut so the rules stay instant (the LLM has its own limit).
MAX_TEXT_CHARS = 500


@dataclass(frozen=True)
class TextMatch:
    template_id: str
    raw_inputs: dict[str, str]  # input key → raw text, later fed to parse_input (runner re-asks on error)


@dataclass(frozen=True)
class TextSuggestions:
    template_ids: tuple[str, ...]  # the 2–3 closest templates, best first (may be empty)


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


# ---------------------------------------------------------------- catalog index

_INDEX: weakref.WeakKeyDictionary[TemplateCatalog, tuple[Entry, ...]] = weakref.WeakKeyDictionary()


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


def _index(catalog: TemplateCatalog) -> tuple[Entry, ...]:
    cached = _INDEX.get(catalog)
    if cached is not None:
        return cached
    entries = []
    for spec in catalog.all():
        texts = [(a, 1.0) for a in spec.intent_aliases]
        texts += [(t, 0.85) for t in {spec.title, spec.button, catalog.title(spec, "en"),
                                       catalog.button(spec, "en")}]  # fmt: skip
        aliases = tuple(a for text, weight in texts if (a := make_alias(text, weight)) is not None)
        problems = pattern_problems(spec)
        if problems:
            raise ValueError("; ".join(problems))
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in spec.patterns)
        entries.append(Entry(spec, aliases, patterns, _fixed_period(spec)))
    result = tuple(entries)
    _INDEX[catalog] = result
    return result


# ---------------------------------------------------------------- scoring


def _word_score(entry: Entry, text: AnalysedText) -> tuple[float, Alias | None]:
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


def _period_score(entry: Entry, slots: list[Slot], period_used: bool) -> float:
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
    analysed = AnalysedText.of(text)
    results: list[tuple[Scored, bool]] = []
    for entry in _index(catalog):
        words, alias = _word_score(entry, analysed)
        if any(p.search(analysed.norm) for p in entry.patterns):
            words = max(words, 0.9) + 0.3
        if words <= 0:
            continue
        raw_inputs, slot_fit, period_used = fill_inputs(entry, analysed, alias)
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
    norm = clean(text)
    head = norm if len(norm) <= SUGGEST_CHARS else norm[: SUGGEST_CHARS + 1].rsplit(" ", 1)[0]
    # Typos are matched on words of 4+ letters; shorter ones («то», «за») match anything.
    pool = [w for w in dict.fromkeys(tokens(head)) if len(w) >= 4]
    stems = set(tokens(norm))
    entries = _index(catalog)
    universe = {stem for entry in entries for alias in entry.aliases for stem in alias.stems}
    close = {
        a
        for a in universe
        if a in stems or (len(a) >= 4 and difflib.get_close_matches(a, pool, n=1, cutoff=0.75))
    }
    by_words = {s.template_id: s.words for s in ranked}
    base: list[tuple[float, int, Entry]] = []
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


def _similarity(matcher: difflib.SequenceMatcher[str], alias: Alias) -> float:
    """Similarity above the ≈0.4 any two strings share; 0 when the cheap upper bounds rule it out."""
    matcher.set_seq1(alias.norm)
    if matcher.real_quick_ratio() <= 0.4 or matcher.quick_ratio() <= 0.4:
        return 0.0
    return max(0.0, matcher.ratio() - 0.4) * alias.weight
