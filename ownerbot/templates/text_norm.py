"""Text normalisation shared by the input parsers and the free-text router.

Owners type on phones in two languages: digits may come from any script (Arabic-Indic, fullwidth),
spaces may be non-breaking or thin, dashes may be en/em dashes or a minus sign, and «ё» is written as
«е» half of the time. Everything below reduces those variants to one form before any matching.
"""

from __future__ import annotations

import re
import unicodedata

# Dash-like characters (hyphen, non-breaking hyphen, figure dash, en/em dash, minus sign) → "-".
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
# Zero-width characters people paste along with numbers.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


def _words(text: str) -> list[str]:
    return text.split()


# Russian suffixes stripped before comparing words; longest first so «ами» wins over «и».
_RU_ENDINGS = tuple(
    sorted(
        _words(
            "иями ями ами ией ого его ому ему ыми ими ых их ые ие ой ей ая яя ую юю ом ем ам ям ах ях "
            "ов ев ью ть ся сь ы и а я о е у ю ь й"
        ),
        key=len,
        reverse=True,
    )
)
_EN_ENDINGS = ("ies", "es", "ing", "ed", "ly", "s")
_CYRILLIC = re.compile(r"[а-я]")


def normalize_digits(text: str) -> str:
    """NFKC, then every decimal digit of any script → ASCII; dashes → "-", odd spaces → " "."""
    # «№» would become "No" under NFKC; "#" keeps it a number sign.
    text = unicodedata.normalize("NFKC", text.replace("№", "#")).translate(_DASHES).translate(_INVISIBLE)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def collapse_spaces(text: str) -> str:
    """Any run of whitespace (nbsp and thin spaces included after NFKC) → one space; stripped."""
    return _SPACES.sub(" ", text).strip()


def normalize_text(text: str) -> str:
    """Lower case, «ё» → «е», ASCII digits and dashes, single spaces: the form all matching uses."""
    text = collapse_spaces(normalize_digits(text)).casefold()
    return text.replace("ё", "е")


def stem(word: str) -> str:
    """A crude stem good enough to match word forms («заказы»/«заказ», «цены»/«цен», orders/order)."""
    if _CYRILLIC.search(word):
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
        return word[:5]
    for ending in _EN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return word[:6]


# Number words as voice recognition writes them («скидка двадцать процентов», "five percent").
_UNITS: dict[int, str] = {
    0: "ноль нуля zero",
    1: "один одна одно одного одной одну one",
    2: "два две двух двум two",
    3: "три трех трем three",
    4: "четыре четырех четырем four",
    5: "пять пяти five",
    6: "шесть шести six",
    7: "семь семи seven",
    8: "восемь восьми eight",
    9: "девять девяти nine",
    10: "десять десяти ten",
    11: "одиннадцать одиннадцати eleven",
    12: "двенадцать двенадцати twelve",
    13: "тринадцать тринадцати thirteen",
    14: "четырнадцать четырнадцати fourteen",
    15: "пятнадцать пятнадцати fifteen",
    16: "шестнадцать шестнадцати sixteen",
    17: "семнадцать семнадцати seventeen",
    18: "восемнадцать восемнадцати eighteen",
    19: "девятнадцать девятнадцати nineteen",
}
_TENS: dict[int, str] = {
    20: "двадцать двадцати twenty",
    30: "тридцать тридцати thirty",
    40: "сорок сорока forty",
    50: "пятьдесят пятидесяти fifty",
    60: "шестьдесят шестидесяти sixty",
    70: "семьдесят семидесяти seventy",
    80: "восемьдесят восьмидесяти eighty",
    90: "девяносто девяноста ninety",
    100: "сто ста hundred",
}
_UNIT_WORDS = {word: value for value, words in _UNITS.items() for word in _words(words)}
_TEN_WORDS = {word: value for value, words in _TENS.items() for word in _words(words)}


def _alternation(words: list[str]) -> str:
    """Longest first, with «е» also matching «ё» (трёх/трех)."""
    return "|".join(w.replace("е", "[её]") for w in sorted(words, key=len, reverse=True))


_NUMBER_WORDS = re.compile(
    rf"(?<!\w)(?:(?P<tens>{_alternation(list(_TEN_WORDS))})"
    rf"(?:[\s\-]+(?P<unit1>{_alternation([w for w, v in _UNIT_WORDS.items() if 1 <= v <= 9])}))?"
    rf"|(?P<unit>{_alternation(list(_UNIT_WORDS))}))(?!\w)",
    re.IGNORECASE,
)


def _word_value(table: dict[str, int], word: str) -> int:
    return table[word.casefold().replace("ё", "е")]


def words_to_digits(text: str) -> str:
    """«двадцать пять» → "25", "seven" → "7" (0–109); other words stay as they are."""

    def number(match: re.Match[str]) -> str:
        if match.group("tens"):
            unit = match.group("unit1")
            value = _word_value(_TEN_WORDS, match.group("tens"))
            return str(value + (_word_value(_UNIT_WORDS, unit) if unit else 0))
        return str(_word_value(_UNIT_WORDS, match.group("unit")))

    return _NUMBER_WORDS.sub(number, text)
