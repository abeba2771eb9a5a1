"""With the SIS simulator as SIS (UPSTREAM_MODE=SIS_HTTP), every read the gateway covers and every SIS
action works end to end from Telegram buttons: /start → section → template → inputs → answer.

One simulator and one bot (polling the Bot API emulator) serve the whole module; the tests run in file
order: reads first (the simulator's data untouched), then the actions (each family confirmed once and
checked in the simulator's own database and `/_sim/stats`), then capabilities (a family answering 404).

Which report templates must answer from SIS is derived, not listed: every text report template whose tool
answers from SIS through the bot's own tool runner (sources `sis:`), checked against a floor of the tools
the read gateway is known to cover so that a coverage regression fails instead of shrinking the list.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from pypdf import PdfReader
from sqlalchemy import select

from ownerbot.bot.report_delivery import cooldown_key
from ownerbot.bot.template_panel import template_runner
from ownerbot.playground.emulator import ApiCall
from ownerbot.reports.inputs import TREND_DAYS, ReportKind, ReportRequest
from ownerbot.storage.demo_models import DemoFxSnapshot, DemoLook, DemoOrder, DemoPayment, DemoProduct
from ownerbot.templates.loader import load_catalog
from ownerbot.templates.spec import Category, RenderMode, TemplateKind, TemplateSpec
from ownerbot.tools.contract import ErrorCode, ToolKind
from ownerbot.tools.runner import make_request
from tests.e2e.conftest import OWNER_ID
from tests.e2e.sis_templates_support import (
    TZ,
    Stack,
    find_button,
    open_section,
    run_template,
    sis_stack,
    text_of,
)
from tests.e2e.templates_support import barrier, button_data, call_buttons, message_id_of, panel_edit, press

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

CATALOG = load_catalog()
SIS_SOURCE = "Источник: sis:"
ERROR_MARKS = ("⛔", "Что-то пошло не так", "Недоступно")
# The read tools the gateway covers (SisProvider, plus the FX status and capability probes over SIS):
# the derived list must include at least these.
GATEWAY_FLOOR = frozenset(
    {
        "kpi_snapshot",
        "kpi_compare",
        "revenue_trend",
        "orders_search",
        "order_detail",
        "top_products",
        "inventory_status",
        "chats_unanswered",
        "funnel_snapshot",
        "access_summary",
        "sis_fx_status",
        "sis_actions_capabilities",
    }
)
# Inputs a parser sample cannot guess: a real order of the simulator's shop.
ANSWERS = {"order_id": "5"}
SIS_ACTION_PREFIX = "sis_"


def _report_specs() -> list[TemplateSpec]:
    """Text report templates of the catalog (charts and documents carry no provenance footer)."""
    return [
        spec
        for spec in CATALOG.all()
        if spec.kind is TemplateKind.REPORT
        and not spec.is_builtin
        and spec.render in (RenderMode.TEXT, RenderMode.TABLE)
    ]


def _from_sis(sources: list[str]) -> bool:
    """Answered from SIS: the first source is SIS and none is DEMO (OwnerBot's own state may follow)."""
    return bool(sources) and sources[0].startswith("sis:") and not any(s.startswith("demo:") for s in sources)


def _footer_sources(text: str) -> list[str]:
    """The sources the footer names («Источник: a, b +2»)."""
    found = re.search(r"Источник: ([^<]+)</i>", text)
    assert found, text[-600:]
    return [part.strip() for part in re.sub(r"\s\+\d+$", "", found.group(1)).split(",")]


def _sis_action_specs() -> list[TemplateSpec]:
    return [
        spec
        for spec in CATALOG.all()
        if spec.kind is TemplateKind.ACTION and spec.tool.startswith(SIS_ACTION_PREFIX)
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with sis_stack(tmp_path_factory.mktemp("sis_templates")) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway_tools(stack: Stack) -> frozenset[str]:
    """Report tools that answer from SIS: each run once (its first example) by the bot's tool runner."""
    runner = template_runner(stack.bot.runtime.dispatcher["services"])
    assert runner is not None
    registry = runner.tool_runner.registry
    covered: set[str] = set()
    for tool in sorted({spec.tool for spec in _report_specs()}):
        spec = registry.get(tool)
        assert spec is not None and spec.kind is ToolKind.READ, tool
        payload = dict(spec.examples[0]) if spec.examples else {}
        # The example's own ids need not exist in the simulator's shop: use one that does.
        payload.update({k: type(payload[k])(v) for k, v in ANSWERS.items() if k in payload})
        response = await runner.tool_runner.run(
            make_request(tool, payload, settings=stack.bot.runtime.settings, actor_id=OWNER_ID)
        )
        sources = response.provenance.sources
        if response.status == "ok" and _from_sis(sources):
            covered.add(tool)
        elif response.error is not None:
            # Not covered by the gateway is the only acceptable refusal here.
            assert response.error.code is ErrorCode.NOT_SUPPORTED, (tool, response.error)
    assert covered >= GATEWAY_FLOOR, sorted(GATEWAY_FLOOR - covered)
    return frozenset(covered)


# -- figures, independently from the simulator's database ----------------------------------------------


def _money(text: str, label: str) -> Decimal:
    """The amount printed after `label` ("Выручка: <b>1 234,56 €</b>") as a Decimal."""
    found = re.search(re.escape(label) + r": <b>([^<]+)</b>", text)
    assert found, f"{label!r} not in {text[:500]}"
    digits = re.sub(r"[^\d,\-]", "", found.group(1)).replace(",", ".")
    return Decimal(digits)


def _count(text: str, label: str) -> int:
    return int(_money(text, label))


async def _sim_rows(stack: Stack, model: Any) -> list[Any]:
    async with stack.sim.state.session_factory() as session:
        rows = list((await session.scalars(select(model).order_by(model.id))).all())
        for row in rows:
            session.expunge(row)
    return rows


def _local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(TZ)).date()


def _today() -> date:
    return _local_day(datetime.now(UTC))


# -- 1. reads ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id) for s in _report_specs()])
async def test_report_template_answers_from_sis(
    stack: Stack, gateway_tools: frozenset[str], spec: TemplateSpec
) -> None:
    outcome = await run_template(stack.emulator, spec, ANSWERS)
    text = text_of(outcome)
    if spec.tool in gateway_tools:
        assert not any(mark in text for mark in ERROR_MARKS), f"{spec.id}: {text[:600]}"
        assert _from_sis(_footer_sources(text)), f"{spec.id}: {text[-600:]}"
    elif "NOT_SUPPORTED" in text:  # a read the gateway does not cover: said so, no figures
        assert "источник данных этого не умеет" in text and "Источник:" not in text, text
    else:  # OwnerBot's own data, or the DEMO/SIS comparison: never labelled as SIS alone
        assert not _from_sis(_footer_sources(text)), f"{spec.id}: {text[-600:]}"


async def test_kpi_figures_match_the_simulators_database(stack: Stack) -> None:
    """Revenue and order counts of «KPI сегодня» and «KPI за 30 дней» against the base tables."""
    payments = await _sim_rows(stack, DemoPayment)
    orders = await _sim_rows(stack, DemoOrder)
    today = _today()
    for template_id, first in (("RPT_KPI_TODAY", today), ("RPT_KPI_30D", today - timedelta(days=29))):
        spec = CATALOG.get(template_id)
        assert spec is not None
        text = text_of(await run_template(stack.emulator, spec, {}))
        assert SIS_SOURCE in text, text
        revenue = sum(
            (
                p.amount
                for p in payments
                if p.confirmed_at is not None
                and p.status in ("confirmed", "refunded")
                and first <= _local_day(p.confirmed_at) <= today
            ),
            Decimal("0"),
        )
        created = sum(1 for o in orders if first <= _local_day(o.created_at) <= today)
        paid = sum(1 for o in orders if o.paid_at is not None and first <= _local_day(o.paid_at) <= today)
        assert _money(text, "Выручка") == revenue, template_id
        assert _count(text, "Заказов создано") == created, template_id
        assert _count(text, "Заказов оплачено") == paid, template_id


async def test_order_and_inventory_figures_match_the_simulators_database(stack: Stack) -> None:
    order = next(o for o in await _sim_rows(stack, DemoOrder) if o.id == int(ANSWERS["order_id"]))
    spec = CATALOG.get("ORD_FIND_BY_ID")
    assert spec is not None
    text = text_of(await run_template(stack.emulator, spec, ANSWERS))
    assert _money(text, "Сумма") == order.total
    assert _money(text, "Amount paid") == order.amount_paid

    products = await _sim_rows(stack, DemoProduct)
    spec = CATALOG.get("PRD_INVENTORY_STATUS")
    assert spec is not None
    text = text_of(await run_template(stack.emulator, spec, {}))
    active = [p for p in products if p.status == "ACTIVE"]
    assert _count(text, "Out of stock") == sum(1 for p in active if p.stock <= 0)
    assert _count(text, "Unpublished") == sum(1 for p in products if p.status == "HIDDEN")


def _artifact_specs() -> list[TemplateSpec]:
    return [s for s in CATALOG.all() if s.render in (RenderMode.PNG, RenderMode.PDF) and s.report is not None]


async def _sim_requests(stack: Stack) -> int:
    return sum((await stack.admin.stats())["requests"].values())


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.id) for s in _artifact_specs()])
async def test_chart_and_document_templates_are_drawn_from_sis(stack: Stack, spec: TemplateSpec) -> None:
    """Charts and PDFs: SIS is asked, no DEMO label; a PDF's provenance footer names only SIS sources."""
    assert spec.report is not None
    days = int(spec.payload.get("days", 30))
    request = ReportRequest(ReportKind(spec.report.value), days=days if days in TREND_DAYS else 30)
    # The double-tap cooldown of an earlier template of the same report is not under test here.
    await stack.bot.runtime.state.delete(cooldown_key(OWNER_ID, request))
    asked = await _sim_requests(stack)
    outcome = await run_template(stack.emulator, spec, {})
    expected = "sendPhoto" if spec.render is RenderMode.PNG else "sendDocument"
    assert outcome.method == expected, text_of(outcome)
    assert "DEMO" not in text_of(outcome), text_of(outcome)
    assert await _sim_requests(stack) > asked
    if spec.render is RenderMode.PDF:
        assert isinstance(outcome.result, dict)
        data = stack.emulator.files[outcome.result["document"]["file_id"]].data
        printed = " ".join(
            "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
        )
        assert "Источники: sis:" in printed, printed[-800:]
        assert "demo:" not in printed, printed[-800:]


# -- 2. SIS actions ------------------------------------------------------------------------------------

EXERCISED: set[str] = set()  # SIS action templates previewed from buttons in this module
CONFIRM = "Подтвердить"
FORCE_STEP = "Нужно ещё одно подтверждение."
PREVIEWED = ("Затронуто", "Менять нечего")
ITEM_PRICE = re.compile(r"#(\d+) [^:\n]+: ([\d.]+) EUR → ([\d.]+) EUR")


async def _applies(stack: Stack) -> dict[str, int]:
    return dict((await stack.admin.stats())["applies"])


async def _preview(stack: Stack, template_id: str, answers: dict[str, str] | None = None) -> ApiCall:
    """Buttons to the action's preview; a preview applies nothing in SIS."""
    spec = CATALOG.get(template_id)
    assert spec is not None and spec.tool.startswith(SIS_ACTION_PREFIX), template_id
    before = await _applies(stack)
    call = await run_template(stack.emulator, spec, answers or {})
    text = text_of(call)
    assert not any(mark in text for mark in ERROR_MARKS), f"{template_id}: {text}"
    assert any(mark in text for mark in PREVIEWED), f"{template_id}: {text}"
    if spec.preview_only:
        assert not any(CONFIRM in b["text"] for b in call_buttons(call)), f"{template_id}: a question only"
    assert await _applies(stack) == before, template_id
    EXERCISED.add(template_id)
    return call


async def _confirm(stack: Stack, preview: ApiCall, endpoint: str) -> str:
    """✅ under the preview: the result edited in place, and exactly one apply counted by SIS."""
    before = await _applies(stack)
    message_id = message_id_of(preview)
    answer, mark = await press(stack.emulator, message_id, button_data(call_buttons(preview), CONFIRM))
    if answer["text"] == FORCE_STEP:  # an anomaly (e.g. a large price move): the explicit second step
        step = await panel_edit(stack.emulator, message_id, mark)
        assert await _applies(stack) == before
        forced = [b["callback_data"] for b in call_buttons(step) if b["callback_data"].startswith("fz:")]
        assert forced, text_of(step)
        _, mark = await press(stack.emulator, message_id, forced[0])
    done = await stack.emulator.wait_for(
        lambda c: (
            c.method == "editMessageText"
            and c.ok
            and c.params.get("message_id") == message_id
            and "выполнено" in str(c.params.get("text"))
        ),
        start=mark,
        timeout=15,
    )
    after = await _applies(stack)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
    assert delta == {endpoint: 1}, delta
    return str(done.params["text"])


async def _products(stack: Stack) -> dict[int, DemoProduct]:
    return {p.id: p for p in await _sim_rows(stack, DemoProduct)}


async def test_prices_bump_confirmed_changes_sis_prices(stack: Stack) -> None:
    before = await _products(stack)
    preview = await _preview(stack, "PRC_BUMP")  # first preset: +5%
    shown = {int(i): (Decimal(old), Decimal(new)) for i, old, new in ITEM_PRICE.findall(text_of(preview))}
    assert shown, text_of(preview)
    await _confirm(stack, preview, "prices_bump_apply")
    after = await _products(stack)
    for product_id, (old, new) in shown.items():
        assert before[product_id].price == old and after[product_id].price == new, product_id
    priced = [i for i, p in before.items() if p.price is not None]
    assert all(after[i].price >= before[i].price * Decimal("1.05") for i in priced)  # type: ignore[operator]


async def _new_rate_set(stack: Stack, currency: str, factor: Decimal) -> None:
    """SIS fetched a new rate set: the latest one with `currency`'s rate times `factor`."""
    async with stack.sim.state.session_factory() as session, session.begin():
        latest = (
            await session.scalars(select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at.desc()))
        ).first()
        assert latest is not None
        rates = dict(latest.rates)
        key = next(k for k in rates if k.upper() == currency)
        rates[key] = str((Decimal(rates[key]) * factor).quantize(Decimal("0.0001")))
        session.add(
            DemoFxSnapshot(
                rate_set_id=f"{latest.rate_set_id}-e2e",
                base_currency=latest.base_currency,
                rates=rates,
                fetched_at=datetime.now(UTC),
            )
        )


async def test_fx_reprice_auto_rollback_and_settings(stack: Stack) -> None:
    assert stack.sim.state.catalog is not None
    status = CATALOG.get("PRC_FX_STATUS")
    assert status is not None
    text = text_of(await run_template(stack.emulator, status, {}))
    found = re.search(r"Rate set id: <b>([^<]+)</b>", text)
    assert found, text
    rate_set = found.group(1)
    assert rate_set == (await stack.sim.state.catalog.fx_status()).last_snapshot.rate_set_id  # type: ignore[union-attr]

    # The first manual reprice from the owner's rate set: USD base prices into the shop's EUR.
    before = await _products(stack)
    preview = await _preview(stack, "PRC_FX_REPRICE", {"rate_set_id": rate_set})
    await _confirm(stack, preview, "reprice_apply")
    repriced = await _products(stack)
    assert any(repriced[i].price != before[i].price for i in before)

    # New rates arrive in SIS (USD 5 % dearer): the automatic reprice previews, and forced applies.
    await _new_rate_set(stack, "USD", Decimal("0.95"))
    await _preview(stack, "PRC_FX_PREVIEW")
    await _preview(stack, "PRC_FX_AUTO")
    forced = await _preview(stack, "PRC_FX_FORCE")
    before = await _products(stack)
    await _confirm(stack, forced, "fx_apply")
    after = await _products(stack)
    assert all(after[i].price >= before[i].price for i in before if before[i].price is not None)  # type: ignore[operator]
    assert any(after[i].price != before[i].price for i in before)

    # Rollback restores the prices from before the last reprice job (the forced one).
    preview = await _preview(stack, "PRC_FX_ROLLBACK")
    assert "Затронуто" in text_of(preview), text_of(preview)
    await _confirm(stack, preview, "rollback_apply")
    rolled = await _products(stack)
    assert {i: p.price for i, p in rolled.items()} == {i: p.price for i, p in before.items()}

    # Settings: the first preset of each input (schedule off, every 6 h, ...).
    preview = await _preview(stack, "PRC_FX_SETTINGS")
    await _confirm(stack, preview, "fx_settings")
    settings = (await stack.sim.state.catalog.fx_status()).settings
    assert settings["reprice_schedule_interval_hours"] == 6, settings


async def test_discounts_set_and_clear_by_ids(stack: Stack) -> None:
    ids = {"product_ids": "1, 2, 3"}
    await _preview(stack, "DSC_SET_STOCK")
    preview = await _preview(stack, "DSC_SET_IDS", ids)  # first preset: −10%
    await _confirm(stack, preview, "discounts_set_apply")
    products = await _products(stack)
    assert [products[i].discount_percent for i in (1, 2, 3)] == [10, 10, 10]
    await _preview(stack, "DSC_CLEAR_ALL")
    preview = await _preview(stack, "DSC_CLEAR_IDS", ids)
    await _confirm(stack, preview, "discounts_clear_apply")
    products = await _products(stack)
    assert [products[i].discount_percent for i in (1, 2, 3)] == [None, None, None]


async def test_products_hide_and_publish_by_ids(stack: Stack) -> None:
    before = await _products(stack)
    active = [i for i, p in before.items() if p.status == "ACTIVE"][:2]
    ids = {"product_ids": ", ".join(map(str, active))}
    for template_id in ("PRD_ARCHIVE_IDS", "PRD_PUBLISH_ALL", "PRD_ARCHIVE_ALL", "PRD_HIDE_BY_STOCK"):
        await _preview(stack, template_id, ids)
    await _confirm(stack, await _preview(stack, "PRD_HIDE_IDS", ids), "products_publish_apply")
    assert [(await _products(stack))[i].status for i in active] == ["HIDDEN", "HIDDEN"]
    await _confirm(stack, await _preview(stack, "PRD_PUBLISH_IDS", ids), "products_publish_apply")
    assert [(await _products(stack))[i].status for i in active] == ["ACTIVE", "ACTIVE"]


async def test_looks_archive_and_publish_by_ids(stack: Stack) -> None:
    looks = await _sim_rows(stack, DemoLook)
    look = next(row for row in looks if row.is_active)
    ids = {"look_ids": str(look.id)}
    await _preview(stack, "LOOK_PUBLISH_ALL")
    await _preview(stack, "LOOK_ARCHIVE_ALL")
    await _confirm(stack, await _preview(stack, "LOOK_ARCHIVE_IDS", ids), "looks_publish_apply")
    assert {row.id: row.is_active for row in await _sim_rows(stack, DemoLook)}[look.id] is False
    await _confirm(stack, await _preview(stack, "LOOK_PUBLISH_IDS", ids), "looks_publish_apply")
    assert {row.id: row.is_active for row in await _sim_rows(stack, DemoLook)}[look.id] is True


async def test_every_sis_action_template_was_previewed() -> None:
    assert {spec.id for spec in _sis_action_specs()} == EXERCISED


# -- 3. capabilities in the menus ----------------------------------------------------------------------

LOCK = "🔒 "


async def _refresh_capabilities(stack: Stack) -> None:
    """The owner's capability refresh from the menus: «Вызов tool» with `force_refresh`."""
    spec = CATALOG.get("ADV_RAW_TOOL_CALL")
    assert spec is not None
    answers = {"tool": "sis_actions_capabilities", "payload": '{"force_refresh": true}'}
    outcome = await run_template(stack.emulator, spec, answers)
    assert outcome.method == "sendDocument", text_of(outcome)  # the raw answer as JSON


async def _section_buttons(stack: Stack, category: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """A section's buttons by template id, every page of it («Ещё…» pressed through)."""
    panel = await open_section(stack.emulator, category)
    found: dict[str, dict[str, Any]] = {}
    specs = CATALOG.in_category(Category(category))
    for spec in specs:
        found[spec.id] = await find_button(stack.emulator, panel, spec)
    return panel, found


async def test_absent_family_is_disabled_in_menus_and_explained(stack: Stack) -> None:
    await stack.admin.faults(not_found_families=["discounts"])
    try:
        # Until the capabilities are refreshed the menus show the cached answer (all supported).
        _, found = await _section_buttons(stack, "discounts")
        assert not any(b["text"].startswith(LOCK) for b in found.values()), found
        await _refresh_capabilities(stack)
        status = CATALOG.get("SYS_SIS_ACTIONS_CAPABILITIES")
        assert status is not None
        shown = text_of(await run_template(stack.emulator, status, {}))
        assert "Absent: <b>1</b>" in shown and "Supported: <b>5</b>" in shown, shown
        caps = await stack.bot.runtime.services.capabilities.cached()  # type: ignore[union-attr]
        assert caps is not None and caps.families["discounts"].status == "absent"
        assert all(caps.supports(f) for f in caps.families if f != "discounts"), caps

        panel, found = await _section_buttons(stack, "discounts")
        for spec in CATALOG.in_category(Category.DISCOUNTS):
            locked = found[spec.id]["text"].startswith(LOCK)
            assert locked == ("sis:discounts" in spec.requires), (spec.id, found[spec.id]["text"])
        asked = await stack.admin.requests("discounts_set_preview")
        mark = stack.emulator.mark()
        answer, _ = await press(stack.emulator, panel, found["DSC_SET_IDS"]["callback_data"])
        assert answer.get("show_alert") and "discounts" in answer["text"] and "🔒" in answer["text"], answer
        # The press only explained: no prompt, no preview asked of SIS.
        await barrier(stack.emulator)
        assert not any(
            c.method == "sendMessage" and "Id товаров" in text_of(c) for c in stack.emulator.requests[mark:]
        )
        assert await stack.admin.requests("discounts_set_preview") == asked

        # Every other family still works from the same menus.
        _, products = await _section_buttons(stack, "products")
        assert not any(b["text"].startswith(LOCK) for b in products.values()), products
        active = [i for i, p in (await _products(stack)).items() if p.status == "ACTIVE"][:1]
        await _preview(stack, "PRD_HIDE_IDS", {"product_ids": str(active[0])})
        await _preview(stack, "PRC_BUMP")
    finally:
        await stack.admin.faults()
