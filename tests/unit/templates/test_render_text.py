"""Any ToolResponse as a phone message: locale figures, a table that fits 34 columns, pages of 10,
warnings and provenance, error texts by code, and never more than Telegram's 4096 characters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape
from typing import Any

from ownerbot.reports.style import Formats
from ownerbot.templates.render_text import (
    MAX_MESSAGE_UNITS,
    TABLE_WIDTH,
    format_value,
    render_response,
    render_table,
    utf16_units,
)
from ownerbot.tools.contract import (
    ErrorCode,
    Provenance,
    ToolResponse,
    ToolWarning,
    Window,
)

AS_OF = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
RU = Formats(locale="ru", currency="EUR", tz="Europe/Berlin")
EN = Formats(locale="en", currency="EUR", tz="Europe/Berlin")


def _ok(data: dict[str, Any], **extra: Any) -> ToolResponse:
    return ToolResponse(
        status="ok",
        tool="t",
        correlation_id="cid-1",
        as_of=AS_OF,
        data=data,
        provenance=Provenance(
            sources=["demo:orders"],
            window=Window(**{"from": "2026-03-24", "to": "2026-03-30", "tz": "Europe/Berlin"}),
        ),
        **extra,
    )


def _rows(n: int, name: str = "Платье-комбинация «Корица» очень длинное") -> list[dict[str, Any]]:
    return [
        {"rank": i + 1, "id": 1000 + i, "name": f"{name} {i}", "qty": i * 3, "revenue": f"{i * 1234.5:.2f}"}
        for i in range(n)
    ]


def _pre(text: str) -> list[str]:
    body = re.search(r"<pre>(.*?)</pre>", text, re.S)
    assert body is not None, text
    return unescape(body.group(1)).split("\n")


def test_figures_in_the_owners_locale() -> None:
    assert format_value("revenue_gross", "12345.50", RU) == "12\u00a0345,50\u00a0€"
    assert format_value("revenue_gross", "12345.50", EN) == "€12,345.50"
    assert format_value("paid_rate_pct", "96.6", RU) == "96,6\u00a0%"
    assert format_value("orders_paid", 1234, RU) == "1\u00a0234"
    assert format_value("order_id", "12345", RU) == "12345"  # ids get no separators
    assert format_value("day", "2026-03-30", EN) == "30 March 2026"
    assert format_value("flagged", True, RU) == "да"
    assert format_value("aov", None, RU) == "—"
    assert format_value("revenue", Decimal("5"), EN, compact=True) == "€5"


def test_answer_has_title_figures_warnings_and_provenance() -> None:
    response = _ok(
        {"revenue_gross": "100.00", "orders_paid": 3, "totals": {"qty": 5}, "paid_rate_definition": "x"},
        warnings=[ToolWarning(code="partial_day", message="today <still> running")],
    )
    text = render_response(response, title="KPI <сегодня>", formats=RU).text
    assert text.startswith("<b>KPI &lt;сегодня&gt;</b>")
    assert "Выручка: <b>100,00\u00a0€</b>" in text and "Заказов оплачено: <b>3</b>" in text
    assert "<i>Итого</i>" in text and "Шт.: <b>5</b>" in text
    assert "definition" not in text  # explanations of definitions are not figures
    assert "⚠️ today &lt;still&gt; running" in text
    assert "Источник: demo:orders" in text and "Период: 24–30 марта 2026" in text and "Данные на" in text


def test_table_fits_the_width_and_pages_by_ten() -> None:
    response = _ok({"rows": _rows(25), "ranked": 25})
    first = render_response(response, title="Топ", formats=RU)
    assert (first.page, first.pages) == (0, 3)
    lines = _pre(first.text)
    assert len(lines) == 11  # header + 10 rows
    assert all(len(line) <= TABLE_WIDTH for line in lines)
    assert lines[1].startswith("1.") and lines[10].startswith("10.")
    last = render_response(response, title="Топ", formats=RU, page=2)
    assert "стр. 3/3" in last.text
    assert [line.split(".")[0] for line in _pre(last.text)[1:]] == [str(n) for n in range(21, 26)]
    clamped = render_response(response, title="Топ", formats=RU, page=99)
    assert clamped.page == 2


def test_numbers_are_right_aligned_and_names_cut_with_an_ellipsis() -> None:
    lines = render_table(_rows(3), RU)
    assert all(len(line) <= TABLE_WIDTH for line in lines)
    assert any("…" in line for line in lines[1:])
    widths = {len(line) for line in lines[1:]}
    assert len(widths) == 1  # columns line up


def test_never_longer_than_telegram_allows() -> None:
    huge: dict[str, Any] = {f"field_{i}": "я" * 100 for i in range(200)}
    huge["rows"] = _rows(10, name="🙂" * 40)
    text = render_response(_ok(huge), title="Много", formats=RU).text
    assert utf16_units(text) <= MAX_MESSAGE_UNITS
    assert text.count("<pre>") == text.count("</pre>") and text.count("<b>") == text.count("</b>")


def test_error_answer_names_the_problem_in_owner_words() -> None:
    response = ToolResponse.fail("kpi_snapshot", "cid-9", ErrorCode.UPSTREAM_UNAVAILABLE, "boom <tech>")
    text = render_response(response, title="KPI", formats=RU).text
    assert "⛔" in text and "источник данных недоступен" in text
    assert "UPSTREAM_UNAVAILABLE" in text and "cid-9" in text and "boom" not in text
    english = render_response(response, title="KPI", formats=EN).text
    assert "the data source is unavailable" in english


def test_empty_answer_says_so() -> None:
    text = render_response(_ok({"window": {"from": "a"}}), title="Пусто", formats=RU).text
    assert "Данных нет." in text
