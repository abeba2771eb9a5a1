"""Locale formats and the bundled font: what the owner reads on every artifact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from matplotlib.ft2font import FT2Font

from ownerbot.reports.style import Formats, delta_color, font_path, register_pdf_fonts

RU = Formats("ru", "EUR", "Europe/Berlin")
EN = Formats("en", "EUR", "Europe/Berlin")
NBSP = "\u00a0"


def test_money_has_thousands_separators_and_currency() -> None:
    assert RU.money(Decimal("38711.35")) == f"38{NBSP}711,35{NBSP}€"
    assert EN.money("38711.35") == "€38,711.35"
    assert RU.money(Decimal("38711.5"), cents=False) == f"38{NBSP}712{NBSP}€"
    assert EN.money(None) == "—"
    assert EN.signed_money("12.5") == "+€12.50"
    assert EN.money_compact(Decimal("12500")) == "€12K"


def test_numbers_percent_and_factor() -> None:
    assert RU.integer(1234567) == f"1{NBSP}234{NBSP}567"
    assert EN.integer(1234567) == "1,234,567"
    assert RU.pct("3.63", signed=True) == f"+3,6{NBSP}%"
    assert EN.pct(Decimal("-2.2")) == "-2.2%"
    assert RU.factor("2.11") == "×2,1"
    assert RU.pct(None) == "—"


def test_dates_windows_and_durations() -> None:
    assert RU.window("2026-03-24", "2026-03-30") == "24–30 марта 2026"
    assert EN.window(date(2026, 2, 28), date(2026, 3, 6)) == "28 Feb–6 March 2026"
    assert RU.window("2026-03-30", "2026-03-30") == "30 марта 2026"
    assert RU.datetime(datetime(2026, 3, 30, 10, 0, tzinfo=UTC)) == "30 мар. 2026, 12:00"  # shop time
    assert RU.duration(45) == "45 мин"
    assert RU.duration(310) == "5 ч 10 мин"
    assert EN.duration(3 * 1440 + 4 * 60) == "3d 4h"


def test_unknown_locale_falls_back_to_russian() -> None:
    assert Formats("de").locale == "ru"


def test_delta_colour_follows_what_is_good_for_the_owner() -> None:
    assert delta_color("5") != delta_color("-5")
    assert delta_color("5", higher_is_better=False) == delta_color("-5")
    assert delta_color(None) == delta_color(0)


def test_font_ships_with_the_project_and_has_cyrillic() -> None:
    for bold in (False, True):
        path = font_path(bold=bold)
        assert path.is_file() and "matplotlib" in str(path)
        font = FT2Font(str(path))
        charmap = font.get_charmap()
        assert all(ord(ch) in charmap for ch in "Ёжикщъ€₽№")
    assert register_pdf_fonts() == ("DejaVuSans", "DejaVuSans-Bold")
