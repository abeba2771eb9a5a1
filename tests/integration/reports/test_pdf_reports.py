"""The PDFs on the seeded demo shop (both backends): every number printed is the tools' number, every
section is there, Cyrillic comes out of the file as Cyrillic, and an empty shop still gets a report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ownerbot.config.settings import Settings
from ownerbot.reports.inputs import ReportInputs, ReportKind, ReportRequest
from ownerbot.reports.service import ReportOutcome, ReportService, build_report_service
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.upstream.factory import build_provider
from tests.conftest import SeededDemo

pytestmark = pytest.mark.integration

WEEKLY_SECTIONS_RU = (
    "Еженедельный отчёт · 2026-W13",
    "Ключевые показатели: неделя к неделе",
    "Выручка за 7 дн.",
    "Лучшие товары",
    "Слабые товары",
    "Лучшие категории",
    "Слабые категории",
    "Воронка по этапам оплаты",
    "Доступ к контенту",
    "Продления",
    "Зависшие заказы",
    "Чаты без ответа дольше 2 ч",
    "Прогноз спроса на 7 дней",
    "Что дозаказать",
    "Курсы валют (FX)",
)


def service_for(settings: Settings, engine: Any, now: datetime) -> ReportService:
    provider = build_provider(settings, create_session_factory(engine))
    return build_report_service(settings, lambda: provider, None, clock=lambda: now)


def pdf_text(data: bytes) -> tuple[str, int]:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def squash(text: str) -> str:
    """Without any whitespace: table cells and wrapped lines come out of a PDF split anywhere."""
    return re.sub(r"\s+", "", text)


def assert_printed(text: str, *values: str) -> None:
    flat = squash(text)
    missing = [value for value in values if squash(value) not in flat]
    assert not missing, missing


def decimal_comma(value: Any) -> str:
    """A tool amount as digits with a decimal comma and no grouping, independent of the formatter."""
    return f"{value:.2f}".replace(".", ",")


async def build(demo: SeededDemo, kind: ReportKind, locale: str = "ru") -> ReportOutcome:
    service = service_for(demo.settings, demo.engine, demo.now)
    return await service.build(ReportRequest(kind, locale=locale, role="system"))


async def test_weekly_pdf_prints_the_tools_numbers(seeded_demo: SeededDemo) -> None:
    outcome = await build(seeded_demo, ReportKind.WEEKLY)
    artifact, inputs = outcome.artifact, outcome.inputs
    assert artifact.type == "pdf" and artifact.filename == "ownerbot-weekly-2026-W13.pdf"
    text, pages = pdf_text(artifact.data)
    assert pages >= 2
    assert_printed(text, *WEEKLY_SECTIONS_RU)
    fmt = inputs.formats

    compare = inputs.data("compare")
    for side in ("a", "b"):
        block = compare[side]
        assert_printed(
            text,
            fmt.money(block["revenue_gross"]),
            fmt.money(block["refunds"]),
            fmt.money(block["revenue_net"]),
            fmt.money(block["aov"]),
        )
        # The same figures as plain digits: the formatter cannot hide a wrong number.
        assert decimal_comma(block["revenue_gross"]) in squash(text).replace("€", "")
    assert_printed(text, fmt.signed_money(compare["delta"]["revenue_gross"]["abs"]))
    assert_printed(text, fmt.pct(compare["delta"]["revenue_gross"]["pct"], signed=True))

    for key in ("top_products", "bottom_products", "top_categories", "bottom_categories"):
        rows = inputs.data(key)["rows"]
        assert rows
        for row in rows:
            assert_printed(text, str(row["name"]), fmt.money(row["revenue"]))

    funnel = inputs.data("funnel")
    for stage in funnel["stages"]:
        assert_printed(text, fmt.money(stage["total"]), fmt.money(stage["paid"]), fmt.money(stage["due_now"]))

    access, renew = inputs.data("access"), inputs.data("renew")
    assert_printed(text, f"Отказов: {access['denials_total']}", f"продлили: {renew['completions']}")
    assert_printed(text, fmt.money(renew["revenue"]))

    stuck = inputs.data("stuck")
    for item in stuck["items"]:
        assert_printed(text, f"#{item['order_id']}", fmt.money(item["total"]))
    assert_printed(text, f"Показано {len(stuck['items'])} из {stuck['count']}")
    for thread in inputs.data("chats")["threads"]:
        assert_printed(text, str(thread["customer_name"]), fmt.duration(thread["waiting_minutes"]))

    for row in inputs.data("forecast")["rows"]:
        assert_printed(text, str(row["name"]), fmt.number(row["expected_units"], 1))
    for row in inputs.data("reorder")["rows"]:
        assert_printed(text, str(row["name"]))

    assert_printed(text, "Статус курсов пока недоступен")
    # Provenance footer on every page: sources, as of, the one correlation id of all the calls.
    assert text.count(inputs.correlation_id) == pages
    assert {r.correlation_id for r in inputs.responses.values()} == {inputs.correlation_id}
    assert_printed(text, "Источники: demo:demo_daily_sales", "Данные на 30 мар. 2026, 12:00")


async def test_weekly_pdf_cyrillic_and_english(seeded_demo: SeededDemo) -> None:
    ru, _ = pdf_text((await build(seeded_demo, ReportKind.WEEKLY)).artifact.data)
    # Extracted as real Cyrillic letters (a font without a unicode map would give garbage or boxes).
    assert "Еженедельный отчёт" in ru and "Выручка за вычетом возвратов" in ru
    assert re.search(r"[А-Яа-яЁё]{5,}", ru)
    en, _ = pdf_text((await build(seeded_demo, ReportKind.WEEKLY, "en")).artifact.data)
    assert "Weekly report · 2026-W13" in en and "Key figures: week over week" in en
    assert "FX status is not available yet" in squash(en) or "FXstatusisnotavailableyet" in squash(en)


async def test_ops_pdf_lists_every_problem_order(seeded_demo: SeededDemo) -> None:
    outcome = await build(seeded_demo, ReportKind.OPS)
    text, _ = pdf_text(outcome.artifact.data)
    inputs: ReportInputs = outcome.inputs
    assert outcome.artifact.filename == "ownerbot-ops-2026-03-30.pdf"
    for preset, title in (
        ("stuck", "Зависшие заказы"),
        ("late_ship", "Просрочена отгрузка"),
        ("payment_issues", "Проблемы с оплатой"),
    ):
        items = [item for page in inputs.all_pages(preset) for item in page.data["items"]]
        assert len(items) == inputs.data(preset)["count"]  # in full, not a first page
        assert_printed(text, f"{title}: {len(items)}")
        for item in items:
            assert_printed(text, f"#{item['order_id']}")
    chats = inputs.data("chats")
    assert_printed(text, f"Чаты без ответа: {chats['count']}")


async def test_empty_shop_gets_meaningful_reports(
    make_settings: Callable[..., Settings], sqlite_url: str, tmp_path: Path
) -> None:
    from tests.conftest import SEEDED_DEMO_NOW

    settings = make_settings(database_url=sqlite_url)
    await upgrade(sqlite_url)
    engine = create_engine(settings)
    try:
        service = service_for(settings, engine, SEEDED_DEMO_NOW)
        weekly = await service.build(ReportRequest(ReportKind.WEEKLY))
        text, _ = pdf_text(weekly.artifact.data)
        assert_printed(
            text, "Еженедельный отчёт", "Нет оплаченных заказов за этот период.", "Зависших заказов нет."
        )
        assert_printed(text, "Все чаты отвечены.", "0,00 €")
        ops = await service.build(ReportRequest(ReportKind.OPS))
        ops_text, _ = pdf_text(ops.artifact.data)
        assert_printed(ops_text, "Зависшие заказы: 0", "Нет — всё в порядке.")
        for kind in (ReportKind.TREND, ReportKind.DASHBOARD, ReportKind.FUNNEL, ReportKind.ACCESS):
            outcome = await service.build(ReportRequest(kind))
            assert outcome.artifact.data.startswith(b"\x89PNG") and outcome.artifact.summary
            assert not outcome.failed_sections
    finally:
        await engine.dispose()
