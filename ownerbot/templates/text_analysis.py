"""What the free-text router compares: word stems (stop words dropped, synonyms folded) of the
owner's text, analysed once with its slots, and of each template's aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ownerbot.templates.slots import Slot, extract_slots
from ownerbot.templates.spec import TemplateSpec
from ownerbot.templates.text_norm import (
    collapse_spaces,
    normalize_digits,
    normalize_text,
    stem,
    words_to_digits,
)


def _split(text: str) -> list[str]:
    return text.split()


STOPWORDS = frozenset(
    _split(
        """за на в во с со по про и а но мне нам мой мои моих мою покажи показать покажите дай дайте
    пожалуйста плиз какая какой какие каков что как у о об от из к ко это эти этот ли же бы для
    сколько там тут ну бот
    the a an of for to in on at me my show please what whats how is are get give and with by i us
    our can you"""
    )
)
SYNONYMS = {"всех": "все", "всем": "все", "весь": "все", "вся": "все", "всю": "все", "всё": "все",
             "every": "all", "everything": "all"}  # fmt: skip
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Characters kept for slot extraction; everything else is punctuation.
PUNCT = re.compile(r"[^\w\s%.,:;+\-=/#<>≤≥]")


def tokens(text: str) -> list[str]:
    """Word stems of `text`, stop words dropped and synonyms folded («всех» counts as «все»)."""
    words = (SYNONYMS.get(w, w) for w in WORD.findall(text))
    return [stem(w) for w in words if w not in STOPWORDS]


def clean(text: str) -> str:
    """Normalised text with number words as digits and punctuation dropped (aliases, suggestions)."""
    return re.sub(r"\s+", " ", PUNCT.sub(" ", normalize_text(words_to_digits(text)))).strip()


@dataclass(frozen=True)
class Alias:
    """One way to name a template (an intent alias, or its title or button): cleaned text and stems;
    titles and buttons weigh less than aliases written for the router."""

    norm: str
    stems: frozenset[str]
    weight: float


@dataclass(frozen=True)
class Entry:
    """A catalog template as the router sees it: its aliases, compiled patterns and fixed window."""

    spec: TemplateSpec
    aliases: tuple[Alias, ...]
    patterns: tuple[re.Pattern[str], ...]
    fixed_period: tuple[str, int] | None


def make_alias(text: str, weight: float) -> Alias | None:
    """The alias for `text`, or None when it has no words besides stop words."""
    norm = clean(text)
    stems = frozenset(tokens(norm))
    return Alias(norm, stems, weight) if stems else None


@dataclass(frozen=True)
class AnalysedText:
    """The owner's text analysed once: normalised (punctuation blanked, positions kept), the same text
    with its original case and punctuation (for free-text inputs), slots and word stems."""

    norm: str
    cased: str
    slots: list[Slot]
    stems: set[str]
    content: set[str]  # stems of words outside slots
    period_stems: set[str]  # stems of the words naming a period («за неделю»)

    @classmethod
    def of(cls, text: str) -> AnalysedText:
        base = collapse_spaces(words_to_digits(normalize_digits(text)))
        lowered = base.casefold().replace("ё", "е")
        cased = base if len(base) == len(lowered) else lowered
        norm = PUNCT.sub(" ", lowered)
        slots = extract_slots(norm, cased)
        blanked = "".join(" " if any(s.start <= i < s.end for s in slots) else c for i, c in enumerate(norm))
        period_words = " ".join(norm[s.start : s.end] for s in slots if s.kind == "period")
        return cls(norm, cased, slots, set(tokens(norm)), set(tokens(blanked)), set(tokens(period_words)))
