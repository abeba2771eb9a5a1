"""Callback data of the template menus: ≤ 64 bytes for every shipped template, validated on unpack."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from ownerbot.bot.keyboards.templates import (
    PAGE_BUTTONS,
    TplInput,
    TplNav,
    TplPage,
    TplSuggest,
    category_keyboard,
    home_keyboard,
    input_keyboard,
)
from ownerbot.templates.loader import load_catalog
from ownerbot.templates.spec import Category, TemplateSpec

CATALOG = load_catalog()
BIG_VERSION = 10**12  # a panel opened and navigated a trillion times still fits


def _datas(markup: InlineKeyboardMarkup) -> list[str]:
    return [button.callback_data or "" for row in markup.inline_keyboard for button in row]


@pytest.mark.parametrize("spec", CATALOG.all(), ids=lambda spec: spec.id)
def test_every_template_fits_callback_data(spec: TemplateSpec) -> None:
    template_id = spec.id
    packed = [
        TplNav(a="r", k=template_id, p=99, v=BIG_VERSION).pack(),
        TplInput(a="p", t=template_id, s=31, i=7).pack(),
        TplSuggest(t=template_id).pack(),
    ]
    assert all(len(data.encode()) <= 64 for data in packed)
    for item_index, item in enumerate(spec.inputs):
        markup = input_keyboard(CATALOG, spec, item, item_index, "ru")
        assert all(len(d.encode()) <= 64 for d in _datas(markup))


def test_category_pages_hold_eight_in_two_columns_with_more_back_home() -> None:
    for category in Category:
        specs = CATALOG.in_category(category)
        markup = category_keyboard(CATALOG, category, 0, "ru", BIG_VERSION)
        rows = markup.inline_keyboard
        runs = [b for row in rows for b in row if (b.callback_data or "").startswith("tn:r:")]
        assert len(runs) == min(len(specs), PAGE_BUTTONS)
        assert all(len(row) <= 2 for row in rows)
        texts = [b.text for row in rows for b in row]
        assert ("Ещё…" in texts) == (len(specs) > PAGE_BUTTONS)
        assert texts[-2:] == ["⬅️ Назад", "🏠 Домой"]
    assert len(_datas(home_keyboard("en", 1))) == len(Category)


@pytest.mark.parametrize(
    "data",
    [
        "tn:z:RPT_KPI_TODAY:0:1",  # unknown verb
        "tn:r:rpt_kpi_today:0:1",  # not an id
        "tn:r:RPT_KPI_TODAY:0:-1",  # negative version
        "ti:p:RPT_KPI_TODAY:0:9",  # preset index past the eight allowed
        "tg:XYZ:1",  # not an answer id
        "ts:<script>",
    ],
)
def test_forged_data_does_not_unpack(data: str) -> None:
    factories: dict[str, type[CallbackData]] = {"tn": TplNav, "ti": TplInput, "tg": TplPage, "ts": TplSuggest}
    factory = factories[data.split(":")[0]]
    with pytest.raises((ValueError, TypeError)):
        factory.unpack(data)
