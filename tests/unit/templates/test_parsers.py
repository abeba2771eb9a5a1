"""Input parsers: every parser's accepted forms, its refusals, and the re-ask message it gives."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownerbot.i18n import t
from ownerbot.templates.parsers import InputParseError, find_period, parse_input
from ownerbot.templates.spec import InputSpec, ParserName, ParserOptions

TODAY = date(2026, 3, 18)  # a Wednesday


def spec(parser: str, **options: Any) -> InputSpec:
    extra: dict[str, Any] = {"into": ("from", "to")} if parser == "date_range" else {}
    return InputSpec(
        key="value", prompt="?", parser=ParserName(parser), options=ParserOptions(**options), **extra
    )


def ok(item: InputSpec, raw: str) -> Any:
    return parse_input(item, raw, today=TODAY)


def refused(item: InputSpec, raw: str) -> InputParseError:
    with pytest.raises(InputParseError) as info:
        parse_input(item, raw, today=TODAY)
    assert info.value.key == "value"
    return info.value


# ---------------------------------------------------------------- int


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("5", 5),
        (" 42 ", 42),
        ("+7", 7),
        ("1 000", 1000),
        ("1\u00a0000", 1000),  # non-breaking space as a thousands separator
        ("1\u2009000", 1000),  # thin space
        ("٤٢", 42),  # Arabic-Indic digits
        ("４２", 42),  # fullwidth digits
        ("४२", 42),  # Devanagari digits
        ("сорок два", 42),
        ("Три", 3),
    ],
)
def test_int_accepts(raw: str, value: int) -> None:
    assert ok(spec("int", min=0, max=5000), raw) == value


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("-5", "range"),
        ("−5", "range"),  # U+2212 minus sign
        ("5001", "range"),
        ("9" * 30, "range"),
        ("9" * 5000, "range"),  # huge: refused before any int() conversion
        ("2.5", "format"),
        ("10,0", "format"),
        ("abc", "format"),
        ("", "format"),
        ("5 штук", "format"),
        ("1 2", "format"),  # a space joins only thousands groups
        ("12 00", "format"),
    ],
)
def test_int_refuses(raw: str, problem: str) -> None:
    error = refused(spec("int", min=0, max=5000), raw)
    assert error.problem == problem


def test_int_message_names_the_range() -> None:
    error = refused(spec("int", min=1, max=168), "500")
    assert error.expected("ru") == "целое число от 1 до 168"
    assert error.expected("en") == "a whole number from 1 to 168"
    assert "1 to 168" in str(error)


def test_int_without_range_refuses_negative_and_huge() -> None:
    assert ok(spec("int"), "12") == 12
    assert refused(spec("int"), "-1").problem == "range"
    assert refused(spec("int"), "10000000000").problem == "range"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_int_property_in_range_iff_accepted(number: int) -> None:
    item = spec("int", min=1, max=1000)
    if 1 <= number <= 1000:
        assert ok(item, str(number)) == number
    else:
        with pytest.raises(InputParseError):
            ok(item, str(number))


@given(
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"]),
)
def test_int_property_any_script(number: int, digits: str) -> None:
    raw = "".join(digits[int(ch)] for ch in str(number))
    assert ok(spec("int", min=0, max=10**6), raw) == number


# ---------------------------------------------------------------- decimal and percent


@pytest.mark.parametrize(
    ("raw", "value"),
    [("2.5", "2.5"), ("2,5", "2.5"), ("2,50", "2.5"), ("10", "10"), (",5", "0.5"), ("1 000,25", "1000.25")],
)
def test_decimal_accepts(raw: str, value: str) -> None:
    assert ok(spec("decimal", min=0, max=5000), raw) == value


@pytest.mark.parametrize("raw", ["-0.1", "5000.01", "1e3", "nan", "inf", "2..5", "2,5,5", "1" * 40])
def test_decimal_refuses(raw: str) -> None:
    error = refused(spec("decimal", min=0, max=5000), raw)
    assert "5000" in error.expected("en")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("7", "7"),
        ("7%", "7"),
        ("7 %", "7"),
        ("+10%", "10"),
        ("7,5%", "7.5"),
        ("7.5", "7.5"),
        ("20 процентов", "20"),
        ("15 percent", "15"),
        ("٧%", "7"),
        ("95", "95"),
        ("семь", "7"),  # voice recognition writes small numbers as words
        ("двадцать пять процентов", "25"),
        ("five percent", "5"),
    ],
)
def test_percent_accepts(raw: str, value: str) -> None:
    assert ok(spec("percent", min=1, max=95), raw) == value


@pytest.mark.parametrize("raw", ["0", "0.5", "96", "-5%", "150%", "%", "девяносто девять", "7%%", "сто"])
def test_percent_refuses_with_the_range(raw: str) -> None:
    error = refused(spec("percent", min=1, max=95), raw)
    assert error.expected("ru") == "процент от 1 до 95, например 7 или 7,5%"
    assert "from 1 to 95" in error.expected("en")


def test_percent_decimal_bounds_use_locale_separator() -> None:
    error = refused(spec("percent", min=0.1, max=50), "60")
    assert "от 0,1 до 50" in error.expected("ru")
    assert "from 0.1 to 50" in error.expected("en")


@given(st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False))
def test_percent_property_comma_and_dot_agree(value: Any) -> None:
    item = spec("percent", min=1, max=95)
    text = format(value, "f")
    try:
        dotted = ok(item, text)
    except InputParseError:
        assert not 1 <= value <= 95
        with pytest.raises(InputParseError):
            ok(item, text.replace(".", ",") + "%")
        return
    assert Decimal(dotted) == value  # the parsed text is the same number, within the range
    assert value >= 1 and value <= 95
    assert ok(item, text.replace(".", ",") + "%") == dotted


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", [12]),
        ("12, 15, 19", [12, 15, 19]),
        ("12 15 19", [12, 15, 19]),
        ("12;15", [12, 15]),
        ("10-15", [10, 11, 12, 13, 14, 15]),
        ("10 – 12, 3", [10, 11, 12, 3]),  # en dash, spaces around it
        ("10..12", [10, 11, 12]),
        ("5, 5, 6, 5", [5, 6]),  # order kept, duplicates dropped
        ("#5 и 6", [5, 6]),
        ("№7, №8", [7, 8]),
        ("١٢, ١٣", [12, 13]),
        ("три, четыре", [3, 4]),
    ],
)
def test_ids_accepts(raw: str, value: list[int]) -> None:
    assert ok(spec("ids", max_items=50), raw) == value


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("12, abc", "format"),
        ("0", "range"),
        ("-3", "format"),
        ("15-10", "order"),
        ("1-51", "too_many"),
        ("1-1000000000000", "too_many"),  # a huge range is refused before it is expanded
        ("1-40, 41-60", "too_many"),
        ("1" * 30, "format"),
        ("2.5", "format"),
    ],
)
def test_ids_refuses(raw: str, problem: str) -> None:
    error = refused(spec("ids", max_items=50), raw)
    assert error.problem == problem
    assert "50" in error.expected("ru")


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=30))
def test_ids_property_round_trip(values: list[int]) -> None:
    parsed = ok(spec("ids", max_items=100), ", ".join(map(str, values)))
    assert parsed == list(dict.fromkeys(values))


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2026-03-01", "2026-03-01"),
        ("01.03.2026", "2026-03-01"),
        ("1.3.26", "2026-03-01"),
        ("01/03/2026", "2026-03-01"),
        ("15.03", "2026-03-15"),
        ("25.12", "2025-12-25"),  # no year: the latest such day not after today
        ("сегодня", "2026-03-18"),
        ("Вчера", "2026-03-17"),
        ("позавчера", "2026-03-16"),
        ("today", "2026-03-18"),
        ("yesterday", "2026-03-17"),
        ("２０２６-０３-０１", "2026-03-01"),
        ("15 марта", "2026-03-15"),
        ("1 марта 2025", "2025-03-01"),
        ("3 мая", "2025-05-03"),  # no year: not in the future
        ("March 15", "2026-03-15"),
        ("15 mar 2026", "2026-03-15"),
    ],
)
def test_date_accepts(raw: str, value: str) -> None:
    assert ok(spec("date"), raw) == value


@pytest.mark.parametrize(
    "raw", ["31.02.2026", "2026-13-01", "32.01", "завтра", "15 мартобря", "31 февраля", "", "2026-03"]
)
def test_date_refuses(raw: str) -> None:
    error = refused(spec("date"), raw)
    assert "2026-03-15" in error.expected("ru")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("сегодня", ("2026-03-18", "2026-03-18")),
        ("вчера", ("2026-03-17", "2026-03-17")),
        ("за вчера", ("2026-03-17", "2026-03-17")),
        ("за неделю", ("2026-03-12", "2026-03-18")),
        ("за последнюю неделю", ("2026-03-12", "2026-03-18")),
        ("за 7 дней", ("2026-03-12", "2026-03-18")),
        ("за 30 дней", ("2026-02-17", "2026-03-18")),
        ("последние 14 дней", ("2026-03-05", "2026-03-18")),
        ("за 2 недели", ("2026-03-05", "2026-03-18")),
        ("за месяц", ("2026-02-17", "2026-03-18")),
        ("в прошлом месяце", ("2026-02-01", "2026-02-28")),
        ("прошлый месяц", ("2026-02-01", "2026-02-28")),
        ("этот месяц", ("2026-03-01", "2026-03-18")),
        ("в этом месяце", ("2026-03-01", "2026-03-18")),
        ("эта неделя", ("2026-03-16", "2026-03-18")),
        ("прошлая неделя", ("2026-03-09", "2026-03-15")),
        ("today", ("2026-03-18", "2026-03-18")),
        ("yesterday", ("2026-03-17", "2026-03-17")),
        ("last 7 days", ("2026-03-12", "2026-03-18")),
        ("Last 30 days", ("2026-02-17", "2026-03-18")),
        ("last week", ("2026-03-12", "2026-03-18")),
        ("this month", ("2026-03-01", "2026-03-18")),
        ("last month", ("2026-02-01", "2026-02-28")),
        ("01.03..15.03", ("2026-03-01", "2026-03-15")),
        ("01.03 - 15.03", ("2026-03-01", "2026-03-15")),
        ("с 01.03 по 15.03", ("2026-03-01", "2026-03-15")),
        ("с 1.3.2026 до 15.3.2026", ("2026-03-01", "2026-03-15")),
        ("2026-03-01 - 2026-03-15", ("2026-03-01", "2026-03-15")),
        ("2026-03-01..2026-03-15", ("2026-03-01", "2026-03-15")),
        ("from 2026-03-01 to 2026-03-15", ("2026-03-01", "2026-03-15")),
        ("20.12..10.01", ("2025-12-20", "2026-01-10")),  # across the new year without years
        ("15.03", ("2026-03-15", "2026-03-15")),  # one day is a range of one day
        ("с 1 по 15 марта", ("2026-03-01", "2026-03-15")),  # the month named once serves both days
        ("1-15 марта", ("2026-03-01", "2026-03-15")),
        ("с 1 марта по 15 марта", ("2026-03-01", "2026-03-15")),
        ("from march 1 to march 15", ("2026-03-01", "2026-03-15")),
        ("20 декабря - 10 января", ("2025-12-20", "2026-01-10")),
        ("март", ("2026-03-01", "2026-03-18")),  # the current month: up to today
        ("за февраль", ("2026-02-01", "2026-02-28")),
        ("в декабре", ("2025-12-01", "2025-12-31")),  # no year: the latest December
        ("february 2025", ("2025-02-01", "2025-02-28")),
        ("in may", ("2025-05-01", "2025-05-31")),
    ],
)
def test_date_range_accepts(raw: str, value: tuple[str, str]) -> None:
    assert ok(spec("date_range"), raw) == value


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("когда-нибудь", "format"),
        ("15.03.2026..01.03.2026", "order"),
        ("2026-03-15 - 2026-03-01", "order"),
        ("31.02..05.03", "format"),
        ("01.03 15.03 20.03", "format"),
        ("выручка за неделю", "format"),  # a period inside a sentence is the router's job
        ("may", "format"),  # a bare "may" is a verb, not the month
    ],
)
def test_date_range_refuses(raw: str, problem: str) -> None:
    assert refused(spec("date_range"), raw).problem == problem


@pytest.mark.parametrize("raw", ["01.03" + "." * 40 + "x", "с " * 200 + "x", "1 " * 300 + "x", "за " * 300])
def test_date_range_adversarial_input_is_refused_quickly(raw: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputParseError):
        ok(spec("date_range"), raw)
    assert time.perf_counter() - started < 0.5


def test_date_range_max_days() -> None:
    item = spec("date_range", max_days=31)
    assert ok(item, "за 30 дней") == ("2026-02-17", "2026-03-18")
    error = refused(item, "за 90 дней")
    assert error.problem == "too_long"
    assert "31" in error.expected("ru") and "31" in error.expected("en")


@given(st.integers(min_value=1, max_value=365))
def test_date_range_property_last_n_days(n: int) -> None:
    first, last = (date.fromisoformat(d) for d in ok(spec("date_range"), f"last {n} days"))
    assert last == TODAY
    assert (last - first).days + 1 == n
    assert ok(spec("date_range"), f"за {n} дней") == (first.isoformat(), last.isoformat())


def test_find_period_spans() -> None:
    text = "выручка за 30 дней графиком"
    found = find_period(text)
    assert found is not None
    assert found.period.approx_days == 30
    assert text[found.start : found.end] == "за 30 дней"
    assert find_period("заказ 1043") is None


# ---------------------------------------------------------------- phone, text, choice, bool


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("+7 916 123-45-67", "+79161234567"),
        ("8 (916) 123-45-67", "+79161234567"),
        ("79161234567", "+79161234567"),
        ("+49 151 2345 6789", "+4915123456789"),
        ("+375 29 123 45 67", "+375291234567"),
        ("\u00a0+7\u2009916\u2009123\u20094567 ", "+79161234567"),
        ("+٧٩١٦١٢٣٤٥٦٧", "+79161234567"),
    ],
)
def test_phone_accepts(raw: str, value: str) -> None:
    assert ok(spec("phone"), raw) == value


@pytest.mark.parametrize("raw", ["12345", "+1234567890123456", "call me", "+7 916 abc", "", "7916-12"])
def test_phone_refuses(raw: str) -> None:
    assert "10" in refused(spec("phone"), raw).expected("ru")


def test_text() -> None:
    item = spec("text", max_len=10)
    assert ok(item, "  проверь адрес  ".replace("проверь адрес", "адрес")) == "адрес"
    assert ok(item, "x" * 10) == "x" * 10
    assert refused(item, "x" * 11).problem == "too_long"
    assert refused(item, "   ").problem == "empty"
    assert "10" in refused(item, "x" * 11).expected("ru")


def test_choice() -> None:
    item = spec("choice", choices=("paid", "late_ship", "pending"))
    assert ok(item, "PAID") == "paid"
    assert ok(item, " late ship ") == "late_ship"
    assert ok(item, "late-ship") == "late_ship"
    error = refused(item, "shipped")
    assert error.expected("en") == "one of: paid, late_ship, pending"


@pytest.mark.parametrize(
    ("raw", "value"),
    [("да", True), ("Да", True), ("yes", True), ("вкл", True), ("ON", True), ("1", True), ("нет", False),
     ("no", False), ("выкл", False), ("off", False), ("0", False)],
)  # fmt: skip
def test_bool_accepts(raw: str, value: bool) -> None:
    assert ok(spec("bool"), raw) is value


@pytest.mark.parametrize("raw", ["может быть", "2", "", "yesno"])
def test_bool_refuses(raw: str) -> None:
    assert refused(spec("bool"), raw).expected("ru") == "да или нет (вкл/выкл)"


# ---------------------------------------------------------------- time, timezone, kv


@pytest.mark.parametrize(
    ("raw", "value"),
    [("09:30", "09:30"), ("9:30", "09:30"), ("21.05", "21:05"), ("0:00", "00:00"), ("٠٩:٣٠", "09:30")],
)
def test_time_local_accepts(raw: str, value: str) -> None:
    assert ok(spec("time_local"), raw) == value


@pytest.mark.parametrize("raw", ["24:00", "12:60", "9", "9:5", "-1:30", "noon", "123:00"])
def test_time_local_refuses(raw: str) -> None:
    assert "09:30" in refused(spec("time_local"), raw).expected("en")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("europe/moscow", "Europe/Moscow"),
        (" EUROPE/BERLIN ", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_timezone_accepts(raw: str, value: str) -> None:
    assert ok(spec("timezone"), raw) == value


@pytest.mark.parametrize("raw", ["Moscow", "Mars/Olympus", "+03:00", ""])
def test_timezone_refuses(raw: str) -> None:
    assert "Europe/" in refused(spec("timezone"), raw).expected("en")


def test_kv() -> None:
    item = spec("kv", keys=("min_rate_delta_percent", "schedule"))
    assert ok(item, "min_rate_delta_percent=0,5, schedule = daily") == {
        "min_rate_delta_percent": "0,5",
        "schedule": "daily",
    }
    assert ok(item, "SCHEDULE=weekly; min_rate_delta_percent=1") == {
        "schedule": "weekly",
        "min_rate_delta_percent": "1",
    }
    unknown = refused(item, "schedule=daily, api_key=x")
    assert unknown.problem == "unknown_key"
    assert "min_rate_delta_percent, schedule" in unknown.expected("ru")
    assert refused(item, "schedule").problem == "format"
    assert refused(item, "schedule=").problem == "format"
    assert refused(item, " ").problem == "empty"


# ---------------------------------------------------------------- messages


def test_every_parser_has_a_message_in_both_locales() -> None:
    for parser in ParserName:
        for locale in ("ru", "en"):
            assert t(f"parsers.expected.{parser.value}", locale)


@pytest.mark.parametrize("parser", list(ParserName))
def test_garbage_is_refused_by_every_parser_except_text(parser: ParserName) -> None:
    options: dict[str, Any] = {"choices": ("a",)} if parser is ParserName.CHOICE else {}
    if parser is ParserName.KV:
        options = {"keys": ("a",)}
    item = spec(parser.value, **options)
    if parser is ParserName.TEXT:
        assert ok(item, "@@@ ###") == "@@@ ###"
        return
    error = refused(item, "@@@ ###")
    assert error.expected("ru") and error.expected("en")


@given(st.text(max_size=40))
def test_property_parsers_either_return_or_raise(raw: str) -> None:
    for item in (
        spec("int", min=1, max=100),
        spec("percent", min=1, max=95),
        spec("ids", max_items=20),
        spec("date"),
        spec("date_range", max_days=400),
        spec("phone"),
        spec("time_local"),
    ):
        try:
            value = ok(item, raw)
        except InputParseError as error:
            assert error.expected("ru")
            continue
        assert value is not None
        if item.parser is ParserName.INT:
            assert isinstance(value, int) and value in range(1, 101)
        if item.parser is ParserName.IDS:
            assert value and len(value) <= 20 and len(set(value)) == len(value)
            assert all(isinstance(i, int) and i > 0 for i in value)
        if item.parser is ParserName.DATE_RANGE:
            first, last = (date.fromisoformat(d) for d in value)
            assert first <= last and last - first < timedelta(days=400)
