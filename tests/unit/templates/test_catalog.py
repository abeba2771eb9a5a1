"""The shipped catalog: every id of TEMPLATES.md, valid against the real tool registry, with inputs,
presets and payloads that the parsers and the tools accept."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from ownerbot.templates.loader import TemplateCatalog, load_catalog
from ownerbot.templates.parsers import parse_input
from ownerbot.templates.payload import build_payload
from ownerbot.templates.spec import (
    Category,
    ConfirmPolicy,
    ParserName,
    RenderMode,
    ReportArtifactKind,
    TemplateKind,
    TemplateSpec,
)
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Risk
from ownerbot.tools.registry import ToolRegistry

# Every template id named in TEMPLATES.md («_UNSUBSCRIBE» and the like spelled out), by menu section.
TEMPLATE_IDS: tuple[str, ...] = (
    # reports
    "RPT_KPI_TODAY", "RPT_KPI_YESTERDAY", "RPT_KPI_7D", "RPT_KPI_30D", "RPT_COMPARE_WOW", "RPT_COMPARE_MOM",
    "RPT_COMPARE_CUSTOM", "RPT_REVENUE_TREND_30D", "RPT_REVENUE_TREND_30D_PNG", "RPT_REVENUE_TREND_90D_PNG",
    "RPT_TOP_PRODUCTS_7D", "RPT_TOP_PRODUCTS_QTY_7D", "RPT_BOTTOM_PRODUCTS_7D", "RPT_TOP_CATEGORIES_30D",
    "RPT_STUCK_ORDERS_SUMMARY", "RPT_UNANSWERED_CHATS_SUMMARY", "RPT_FUNNEL_7D", "RPT_ACCESS_7D",
    "RPT_RENEW_30D", "RPT_NUDGE_7D", "RPT_SALES_HEALTH", "RPT_WEEKLY_PDF", "BIZ_DASHBOARD_DAILY_TEXT",
    "BIZ_DASHBOARD_DAILY_PNG", "BIZ_DASHBOARD_WEEKLY_PDF", "BIZ_OPS_DASHBOARD_PDF",
    # orders
    "ORD_FIND_BY_ID", "ORD_FIND_BY_PHONE", "ORD_FIND_BY_STATUS", "ORD_FIND_RECENT", "ORD_STUCK_LIST",
    "ORD_LATE_SHIP", "ORD_PAYMENT_ISSUES", "ORD_FLAG", "ORD_BULK_FLAG", "ORD_NOTIFY_TEAM",
    # prices
    "PRC_BUMP", "PRC_FX_STATUS", "PRC_FX_PREVIEW", "PRC_FX_AUTO", "PRC_FX_FORCE", "PRC_FX_REPRICE",
    "PRC_FX_ROLLBACK", "PRC_FX_SETTINGS",
    # discounts
    "DSC_STATUS", "DSC_TOP_USED", "DSC_SET_IDS", "DSC_SET_STOCK", "DSC_CLEAR_IDS", "DSC_CLEAR_ALL",
    # products
    "PRD_INVENTORY_STATUS", "PRD_NO_PHOTO", "PRD_NO_VIDEO", "PRD_NO_PRICE", "PRD_LOW_STOCK",
    "PRD_SALES_RANK_30D", "PRD_PUBLISH_IDS", "PRD_HIDE_IDS", "PRD_ARCHIVE_IDS", "PRD_PUBLISH_ALL",
    "PRD_ARCHIVE_ALL", "PRD_HIDE_BY_STOCK",
    # looks
    "LOOK_PUBLISH_IDS", "LOOK_ARCHIVE_IDS", "LOOK_PUBLISH_ALL", "LOOK_ARCHIVE_ALL",
    # team
    "TEAM_UNANSWERED_2H", "TEAM_UNANSWERED_6H", "TEAM_QUEUE_SUMMARY", "TEAM_PING_MANAGER", "TEAM_BROADCAST",
    # forecast
    "FRC_7D_DEMAND", "FRC_REORDER_PLAN",
    # notifications
    "NTF_STATUS", "NTF_DAILY_DIGEST_SUBSCRIBE", "NTF_DAILY_DIGEST_UNSUBSCRIBE", "NTF_DIGEST_FORMAT_SET",
    "NTF_WEEKLY_SUBSCRIBE", "NTF_WEEKLY_UNSUBSCRIBE", "NTF_OPS_ALERTS_SUBSCRIBE",
    "NTF_OPS_ALERTS_UNSUBSCRIBE", "NTF_FX_DELTA_SUBSCRIBE", "NTF_FX_DELTA_UNSUBSCRIBE",
    "NTF_FX_APPLY_EVENTS_SUBSCRIBE", "NTF_FX_APPLY_EVENTS_UNSUBSCRIBE", "NTF_QUIET_DIGEST_ON",
    "NTF_QUIET_DIGEST_OFF", "NTF_QUIET_DIGEST_RULES_SET", "NTF_ESCALATION_ON", "NTF_ESCALATION_OFF",
    "NTF_ESCALATION_RULES_SET", "NTF_ESCALATION_ACK", "NTF_ESCALATION_SNOOZE_12H",
    "NTF_ESCALATION_SNOOZE_24H", "NTF_SEND_DIGEST_NOW", "NTF_SEND_WEEKLY_NOW",
    # systems
    "SYS_HEALTH", "SYS_UPSTREAM_MODE", "SYS_SIS_ACTIONS_CAPABILITIES", "SYS_SHADOW_CHECK",
    "SYS_AUDIT_RECENT", "SYS_LAST_ERRORS",
    # advanced
    "ADV_EXPORT_JSON", "ADV_EXPORT_CSV", "ADV_REPLAY_LAST", "ADV_RAW_TOOL_CALL",
)  # fmt: skip

# The SIS action family (capability) each SIS action tool needs.
SIS_FAMILY_OF_TOOL = {
    "sis_prices_bump": "prices_bump",
    "sis_fx_reprice": "fx",
    "sis_fx_reprice_auto": "fx",
    "sis_fx_settings_update": "fx",
    "sis_fx_rollback": "prices_rollback",
    "sis_discounts_set": "discounts",
    "sis_discounts_clear": "discounts",
    "sis_products_publish": "products_publish",
    "sis_looks_publish": "looks_publish",
}
ARTIFACTS = {
    "RPT_REVENUE_TREND_30D_PNG": (RenderMode.PNG, ReportArtifactKind.TREND),
    "RPT_REVENUE_TREND_90D_PNG": (RenderMode.PNG, ReportArtifactKind.TREND),
    "BIZ_DASHBOARD_DAILY_PNG": (RenderMode.PNG, ReportArtifactKind.DASHBOARD),
    "RPT_WEEKLY_PDF": (RenderMode.PDF, ReportArtifactKind.WEEKLY),
    "BIZ_DASHBOARD_WEEKLY_PDF": (RenderMode.PDF, ReportArtifactKind.WEEKLY),
    "BIZ_OPS_DASHBOARD_PDF": (RenderMode.PDF, ReportArtifactKind.OPS),
}
TODAY = date(2026, 3, 18)
# A raw answer per parser for inputs without a preset or default (fed to the real parsers).
SAMPLE_RAW = {
    ParserName.IDS: "3, 5-7",
    ParserName.TEXT: "1043",
    ParserName.PHONE: "+7 999 123-45-67",
    ParserName.INT: "5",
    ParserName.DECIMAL: "1.5",
    ParserName.PERCENT: "10",
    ParserName.DATE: "вчера",
    ParserName.DATE_RANGE: "за неделю",
    ParserName.TIME_LOCAL: "09:00",
    ParserName.TIMEZONE: "Europe/Berlin",
    ParserName.BOOL: "да",
}


@pytest.fixture(scope="module")
def registry() -> ToolRegistry:
    return default_registry()


@pytest.fixture(scope="module")
def catalog(registry: ToolRegistry) -> TemplateCatalog:
    # The real check: the packaged defs against every shipped tool, nothing faked.
    return load_catalog(registry)


def spec_of(catalog: TemplateCatalog, template_id: str) -> TemplateSpec:
    spec = catalog.get(template_id)
    assert spec is not None, template_id
    return spec


def test_every_template_of_the_spec_is_in_the_catalog(catalog: TemplateCatalog) -> None:
    assert len(set(TEMPLATE_IDS)) == len(TEMPLATE_IDS)
    ids = {spec.id for spec in catalog.all()}
    assert sorted(set(TEMPLATE_IDS) - ids) == []
    # Prefixes say the section, so menus and phrase tables stay readable.
    prefixes = {
        "RPT": Category.REPORTS, "BIZ": Category.REPORTS, "ORD": Category.ORDERS, "PRC": Category.PRICES,
        "DSC": Category.DISCOUNTS, "PRD": Category.PRODUCTS, "LOOK": Category.LOOKS, "TEAM": Category.TEAM,
        "FRC": Category.FORECAST, "NTF": Category.NOTIFICATIONS, "SYS": Category.SYSTEMS,
        "ADV": Category.ADVANCED,
    }  # fmt: skip
    for template_id in TEMPLATE_IDS:
        assert spec_of(catalog, template_id).category is prefixes[template_id.split("_")[0]], template_id


def test_every_category_has_templates_in_distinct_order(catalog: TemplateCatalog) -> None:
    for category in Category:
        specs = catalog.in_category(category)
        assert specs, category
        orders = [spec.order for spec in specs]
        assert len(orders) == len(set(orders)), category


def test_buttons_are_short_in_both_languages(catalog: TemplateCatalog) -> None:
    for spec in catalog.all():
        for locale in ("ru", "en"):
            assert len(catalog.button(spec, locale)) <= 40, (spec.id, locale)
        assert catalog.title(spec, "en") != spec.title or spec.title.isascii(), spec.id


def test_aliases_in_russian_and_english(catalog: TemplateCatalog) -> None:
    for spec in catalog.all():
        assert len(spec.intent_aliases) >= 2, spec.id
        assert any(re.search("[а-яё]", alias) for alias in spec.intent_aliases), spec.id
        assert any(alias.isascii() for alias in spec.intent_aliases), spec.id


def test_risky_actions_always_confirm(catalog: TemplateCatalog, registry: ToolRegistry) -> None:
    for spec in catalog.all():
        tool = registry.get(spec.tool)
        if spec.kind is TemplateKind.ACTION and tool is not None and tool.risk is Risk.HIGH:
            assert spec.confirm is ConfirmPolicy.ALWAYS, spec.id
    bulk = ("ORD_BULK_FLAG", "DSC_SET_STOCK", "DSC_CLEAR_ALL", "PRD_PUBLISH_ALL", "PRD_ARCHIVE_ALL",
            "PRD_HIDE_BY_STOCK", "LOOK_PUBLISH_ALL", "LOOK_ARCHIVE_ALL")  # fmt: skip
    for template_id in bulk:
        assert spec_of(catalog, template_id).confirm is ConfirmPolicy.ALWAYS, template_id


def test_requirements(catalog: TemplateCatalog) -> None:
    for spec in catalog.all():
        family = SIS_FAMILY_OF_TOOL.get(spec.tool)
        if family is not None and spec.kind is TemplateKind.ACTION:
            assert f"sis:{family}" in spec.requires, spec.id
        if spec.tool == "notify_team":
            assert "manager_chats" in spec.requires, spec.id


def test_artifact_templates_name_their_renderer(catalog: TemplateCatalog) -> None:
    for template_id, (render, report) in ARTIFACTS.items():
        spec = spec_of(catalog, template_id)
        assert (spec.render, spec.report) == (render, report), template_id
    assert spec_of(catalog, "RPT_REVENUE_TREND_90D_PNG").payload == {"days": 90}


def test_lists_are_paginated_tables(catalog: TemplateCatalog) -> None:
    for template_id in ("ORD_FIND_BY_STATUS", "ORD_STUCK_LIST", "ORD_LATE_SHIP", "ORD_PAYMENT_ISSUES"):
        spec = spec_of(catalog, template_id)
        assert spec.paginate and spec.render is RenderMode.TABLE, template_id


def test_specific_templates(catalog: TemplateCatalog, registry: ToolRegistry) -> None:
    bump = spec_of(catalog, "PRC_BUMP")
    assert [p.value for p in bump.inputs[0].presets] == ["5", "10", "15", "20"]
    by_status = spec_of(catalog, "ORD_FIND_BY_STATUS")
    search = registry.get("orders_search")
    assert search is not None
    statuses = search.payload_model.model_json_schema()["properties"]["status"]["anyOf"][0]["enum"]
    assert set(by_status.inputs[0].options.choices) == set(statuses)
    hide = spec_of(catalog, "PRD_HIDE_BY_STOCK")
    assert hide.tool == "sis_products_publish"
    assert hide.payload["target_status"] == "HIDDEN"
    assert [item.key for item in hide.inputs] == ["stock_lte"]
    preview = spec_of(catalog, "PRC_FX_PREVIEW")
    assert preview.preview_only and preview.tool == "sis_fx_reprice_auto"
    assert spec_of(catalog, "PRC_FX_FORCE").payload.get("force") is True
    assert "force" not in spec_of(catalog, "PRC_FX_AUTO").payload


def _bounds(schema: dict[str, Any]) -> tuple[float | None, float | None]:
    """The numeric bounds of a payload field's JSON schema (plain or inside `anyOf`)."""
    options = [schema, *schema.get("anyOf", [])]
    for option in options:
        if "minimum" in option or "maximum" in option:
            return option.get("minimum"), option.get("maximum")
    return None, None


def test_input_ranges_stay_within_the_tool_ranges(catalog: TemplateCatalog, registry: ToolRegistry) -> None:
    checked = 0
    for spec in catalog.all():
        tool = registry.get(spec.tool)
        if tool is None:
            continue
        properties = tool.payload_model.model_json_schema()["properties"]
        for item in spec.inputs:
            if item.parser not in (ParserName.INT, ParserName.DECIMAL, ParserName.PERCENT) or "." in item.key:
                continue
            low, high = _bounds(properties[item.key])
            assert item.options.min is not None and item.options.max is not None, (spec.id, item.key)
            if low is not None:
                assert item.options.min >= low, (spec.id, item.key)
            if high is not None:
                assert item.options.max <= high, (spec.id, item.key)
            checked += 1
    assert checked >= 15  # the loop really compared ranges


def test_presets_and_defaults_parse(catalog: TemplateCatalog) -> None:
    for spec in catalog.all():
        for item in spec.inputs:
            raws = [preset.value for preset in item.presets]
            if item.default is not None:
                raws.append(item.default)
            for raw in raws:
                parse_input(item, raw, today=TODAY)  # raises InputParseError on a bad preset


def test_sample_payloads_validate_against_the_tools(catalog: TemplateCatalog, registry: ToolRegistry) -> None:
    """Preset payload + one answer per input (preset, default or a sample) is a valid tool payload."""
    for spec in catalog.all():
        tool = registry.get(spec.tool)
        if tool is None:
            assert spec.is_builtin, spec.id
            continue
        parsed: dict[str, Any] = {}
        for item in spec.inputs:
            raw = item.default or (item.presets[0].value if item.presets else SAMPLE_RAW[item.parser])
            parsed[item.key] = parse_input(item, raw, today=TODAY)
        payload = build_payload(spec, parsed, today=TODAY)
        assert not any(isinstance(v, str) and v.startswith("@") for v in payload.values()), spec.id
        tool.payload_model.model_validate(payload)
