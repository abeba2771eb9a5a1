"""One look for every artifact: palette, the Cyrillic font, sizes, and locale formats for numbers and dates.

The font is DejaVu Sans from matplotlib's own package data (a project dependency), so charts and PDFs
render Cyrillic the same on every machine without system fonts. Numbers, money and dates go through
Babel with the owner's locale: thousands separators, decimal comma in Russian, currency placement.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_currency, format_currency, format_decimal

from ownerbot.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, t

# -- palette ---------------------------------------------------------------------------------------
INK = "#1F2933"
MUTED = "#6B7280"
FAINT = "#C4CAD3"
GRID = "#E6E9EE"
PANEL = "#F4F6F9"
WHITE = "#FFFFFF"
ACCENT = "#2563EB"
ACCENT_SOFT = "#C9DAFB"
PREVIOUS = "#A3AAB5"
GOOD = "#15803D"
BAD = "#B91C1C"
WARN = "#B45309"
OK_SOFT = "#E7F4EC"
BAD_SOFT = "#FBEAEA"
WARN_SOFT = "#FDF1E3"
# Payment stages from "nothing paid" to "fully paid", and the due-now ages from fresh to old.
STAGE_COLORS = ("#93A3B8", "#F2B35B", "#E98B3A", "#7C9FE8", "#2E9E5B")
AGE_COLORS = ("#9DC3F0", "#F2C078", "#E98B3A", "#C2413A")

# -- sizes -----------------------------------------------------------------------------------------
PNG_WIDTH_PX = 1080  # phone width: sharp on a 3x screen, small enough to send as a photo
PNG_DPI = 144
FIG_WIDTH_IN = PNG_WIDTH_PX / PNG_DPI
TITLE_PT = 20
SUBTITLE_PT = 13
LABEL_PT = 12
TICK_PT = 11
FOOTER_PT = 8.5
BIG_PT = 28
FOOTER_WRAP_CHARS = 98

# -- fonts -----------------------------------------------------------------------------------------
FONT_FAMILY = "DejaVu Sans"
PDF_FONT = "DejaVuSans"
PDF_FONT_BOLD = "DejaVuSans-Bold"


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans as shipped inside matplotlib (Latin, Cyrillic, Greek, the € sign)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def configure_matplotlib() -> None:
    """Defaults every chart shares; set once per process (rcParams are global).

    Charts render into memory only: the Agg backend needs no display (pyplot is never imported).
    """
    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_FAMILY],
            "font.size": LABEL_PT,
            "axes.edgecolor": FAINT,
            "axes.labelcolor": INK,
            "axes.titlecolor": INK,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "xtick.labelsize": TICK_PT,
            "ytick.labelsize": TICK_PT,
            "text.color": INK,
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            # At 144 dpi unhinted glyphs look as crisp and render about twice as fast as autohinted ones.
            "text.hinting": "no_hinting",
        }
    )


configure_matplotlib()


@functools.cache
def register_pdf_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) with reportlab once; returns their names."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(PDF_FONT, str(font_path())))
    pdfmetrics.registerFont(TTFont(PDF_FONT_BOLD, str(font_path(bold=True))))
    # <b> inside a Paragraph picks the bold face through this mapping.
    addMapping(PDF_FONT, 0, 0, PDF_FONT)
    addMapping(PDF_FONT, 1, 0, PDF_FONT_BOLD)
    addMapping(PDF_FONT, 0, 1, PDF_FONT)
    addMapping(PDF_FONT, 1, 1, PDF_FONT_BOLD)
    return PDF_FONT, PDF_FONT_BOLD


# -- values ----------------------------------------------------------------------------------------


def dec(value: Any) -> Decimal | None:
    """A tool figure as Decimal: answers hold Decimal in memory and strings after a JSON round trip."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


# -- locale formats --------------------------------------------------------------------------------

_BABEL_LOCALES = {"ru": "ru_RU", "en": "en_GB"}
# (with cents, whole units) per locale: Russian puts the sign after the amount, English before it.
_MONEY_PATTERNS = {"ru": ("#,##0.00\u00a0¤", "#,##0\u00a0¤"), "en": ("¤#,##0.00", "¤#,##0")}
_PCT_PATTERNS = {"ru": "{}\u00a0%", "en": "{}%"}


@dataclass(frozen=True)
class Formats:
    """How one owner reads numbers and dates: locale (ru | en), the shop's currency and timezone."""

    locale: str = DEFAULT_LOCALE
    currency: str = "EUR"
    tz: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if self.locale not in SUPPORTED_LOCALES:
            object.__setattr__(self, "locale", DEFAULT_LOCALE)

    @property
    def babel_locale(self) -> str:
        return _BABEL_LOCALES[self.locale]

    def text(self, key: str, **params: Any) -> str:
        """A report text from the locale files (`reports.<key>`)."""
        return t(f"reports.{key}", self.locale, **params)

    def dash(self) -> str:
        return "—"

    def money(self, value: Any, *, cents: bool = True) -> str:
        amount = dec(value)
        if amount is None:
            return self.dash()
        pattern = _MONEY_PATTERNS[self.locale][0 if cents else 1]
        if not cents:
            amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return format_currency(
            amount, self.currency, format=pattern, locale=self.babel_locale, currency_digits=False
        )

    def money_compact(self, value: Any) -> str:
        """Axis labels: 12 тыс. € / €12K; below a thousand the whole amount."""
        amount = dec(value)
        if amount is None:
            return self.dash()
        if abs(amount) < 1000:
            return self.money(amount, cents=False)
        digits = 1 if abs(amount) < 10_000 or 1_000_000 <= abs(amount) < 10_000_000 else 0
        return format_compact_currency(
            amount, self.currency, locale=self.babel_locale, fraction_digits=digits
        )

    def signed_money(self, value: Any) -> str:
        amount = dec(value)
        if amount is None:
            return self.dash()
        return ("+" if amount > 0 else "") + self.money(amount)

    def integer(self, value: Any) -> str:
        number = dec(value)
        if number is None:
            return self.dash()
        return format_decimal(number.quantize(Decimal(1), rounding=ROUND_HALF_UP), locale=self.babel_locale)

    def signed_integer(self, value: Any) -> str:
        number = dec(value)
        if number is None:
            return self.dash()
        return ("+" if number > 0 else "") + self.integer(number)

    def number(self, value: Any, digits: int = 1) -> str:
        number = dec(value)
        if number is None:
            return self.dash()
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(number, format=pattern, locale=self.babel_locale)

    def pct(self, value: Any, *, signed: bool = False, digits: int = 1) -> str:
        """A figure already in percent (tools answer `pct` fields as 12.34 for 12.34 %)."""
        number = dec(value)
        if number is None:
            return self.dash()
        body = self.number(abs(number), digits)
        sign = "+" if number > 0 and signed else ("-" if number < 0 else "")
        return sign + _PCT_PATTERNS[self.locale].format(body)

    def factor(self, value: Any) -> str:
        number = dec(value)
        return self.dash() if number is None else "×" + self.number(number, 1)

    def date_short(self, value: Any) -> str:
        day = as_date(value)
        return self.dash() if day is None else format_date(day, "d MMM", locale=self.babel_locale)

    def date_long(self, value: Any) -> str:
        day = as_date(value)
        return self.dash() if day is None else format_date(day, "d MMMM y", locale=self.babel_locale)

    def weekday_date(self, value: Any) -> str:
        day = as_date(value)
        return self.dash() if day is None else format_date(day, "EEE, d MMMM", locale=self.babel_locale)

    def weekday(self, value: Any) -> str:
        day = as_date(value)
        return self.dash() if day is None else format_date(day, "EEE", locale=self.babel_locale)

    def date_numeric(self, value: Any) -> str:
        day = as_date(value)
        return self.dash() if day is None else format_date(day, "dd.MM.y", locale=self.babel_locale)

    def datetime(self, value: Any) -> str:
        """An instant in the shop's timezone: 30 мар. 2026, 12:00."""
        instant = as_datetime(value)
        if instant is None:
            return self.dash()
        return format_datetime(instant, "d MMM y, HH:mm", tzinfo=ZoneInfo(self.tz), locale=self.babel_locale)

    def datetime_short(self, value: Any) -> str:
        instant = as_datetime(value)
        if instant is None:
            return self.dash()
        return format_datetime(instant, "dd.MM HH:mm", tzinfo=ZoneInfo(self.tz), locale=self.babel_locale)

    def window(self, start: Any, end: Any) -> str:
        """`24–30 марта 2026`, or one day; the same month and year are not repeated."""
        first, last = as_date(start), as_date(end)
        if first is None or last is None:
            return self.dash()
        if first == last:
            return self.date_long(first)
        if (first.year, first.month) == (last.year, last.month):
            head = format_date(first, "d", locale=self.babel_locale)
        elif first.year == last.year:
            head = format_date(first, "d MMMM" if self.locale == "ru" else "d MMM", locale=self.babel_locale)
        else:
            head = self.date_long(first)
        return f"{head}–{self.date_long(last)}"

    def duration(self, minutes: Any) -> str:
        """Waiting times: 45 мин · 5 ч 10 мин · 3 д 4 ч."""
        total = dec(minutes)
        if total is None:
            return self.dash()
        value = max(int(total), 0)
        days, rest = divmod(value, 1440)
        hours, mins = divmod(rest, 60)
        if days:
            return self.text("units.days_hours", d=days, h=hours)
        if hours:
            return self.text("units.hours_minutes", h=hours, m=mins)
        return self.text("units.minutes", m=mins)


def delta_color(value: Any, *, higher_is_better: bool = True) -> str:
    """Green when the change is good for the owner, red when bad, grey when flat or unknown."""
    number = dec(value)
    if number is None or number == 0:
        return MUTED
    return GOOD if (number > 0) == higher_is_better else BAD


def arrow(value: Any) -> str:
    number = dec(value)
    if number is None or number == 0:
        return "•"
    return "▲" if number > 0 else "▼"
