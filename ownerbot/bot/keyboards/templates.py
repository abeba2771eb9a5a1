"""Buttons of the template menus, input dialogues, answer pages and suggestions.

Callback data carries only short ids: a verb, a category or template id, a page or step number, and
the panel version (so a press on an old panel is recognised). Everything else is server-side. Each
factory validates its fields on unpack; data that does not validate matches no handler and ends in the
fallback's «меню обновлено».
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from ownerbot.i18n import t
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.spec import ID_PATTERN, Category, InputSpec, TemplateSpec

PAGE_BUTTONS = 8
COLUMNS = 2
_KEY_PATTERN = r"^([a-z]{2,16}|[A-Z][A-Z0-9_]{2,39})?$"
DISABLED_MARK = "🔒 "


class TplNav(CallbackData, prefix="tn"):
    """A press on the menu panel: `a` h(ome) / c(ategory page) / r(un template); `v` the panel version."""

    a: Literal["h", "c", "r"]
    k: str = Field(default="", pattern=_KEY_PATTERN)
    p: int = Field(default=0, ge=0, le=99)
    v: int = Field(ge=0)


class TplInput(CallbackData, prefix="ti"):
    """A press under an input prompt: p(reset `i`) / d(efault) / s(kip) / x (cancel) at step `s`."""

    a: Literal["p", "d", "s", "x"]
    t: str = Field(pattern=ID_PATTERN)
    s: int = Field(ge=0, le=31)
    i: int = Field(default=0, ge=0, le=7)


class TplPage(CallbackData, prefix="tg"):
    """◀️ ▶️ under a paged answer: `a` is the stored answer's id, `p` the page to show."""

    a: str = Field(pattern=r"^[0-9a-f]{8}$")
    p: int = Field(ge=0, le=999)


class TplSuggest(CallbackData, prefix="ts"):
    """A suggested template under a free-text reply that matched nothing exactly."""

    t: str = Field(pattern=ID_PATTERN)


class TplLang(CallbackData, prefix="tl"):
    lang: Literal["ru", "en"]


def home_keyboard(locale: str, version: int) -> InlineKeyboardMarkup:
    """The top level: every section, two per row."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for category in Category:
        row.append(
            InlineKeyboardButton(
                text=t(f"menu.{category.value}", locale),
                callback_data=TplNav(a="c", k=category.value, p=0, v=version).pack(),
            )
        )
        if len(row) == COLUMNS:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def category_pages(count: int) -> int:
    return max(1, -(-count // PAGE_BUTTONS))


def category_keyboard(
    catalog: TemplateCatalog,
    category: Category,
    page: int,
    locale: str,
    version: int,
    disabled: Sequence[str] = (),
) -> InlineKeyboardMarkup:
    """Up to eight templates in two columns, «Ещё…» to the next page, ⬅️ back and 🏠 home."""
    specs = catalog.in_category(category)
    pages = category_pages(len(specs))
    page = min(page, pages - 1)
    chunk = specs[page * PAGE_BUTTONS : (page + 1) * PAGE_BUTTONS]
    rows: list[list[InlineKeyboardButton]] = []
    for start in range(0, len(chunk), COLUMNS):
        rows.append(
            [
                InlineKeyboardButton(
                    text=(DISABLED_MARK if spec.id in disabled else "") + catalog.button(spec, locale),
                    callback_data=TplNav(a="r", k=spec.id, p=page, v=version).pack(),
                )
                for spec in chunk[start : start + COLUMNS]
            ]
        )
    if page + 1 < pages:
        rows.append(
            [
                InlineKeyboardButton(
                    text=t("tpl.menu.more", locale),
                    callback_data=TplNav(a="c", k=category.value, p=page + 1, v=version).pack(),
                )
            ]
        )
    back = TplNav(a="c", k=category.value, p=page - 1, v=version) if page > 0 else TplNav(a="h", v=version)
    rows.append(
        [
            InlineKeyboardButton(text=t("tpl.menu.back", locale), callback_data=back.pack()),
            InlineKeyboardButton(text=t("menu.home", locale), callback_data=TplNav(a="h", v=version).pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def input_keyboard(
    catalog: TemplateCatalog, spec: TemplateSpec, item: InputSpec, step: int, locale: str
) -> InlineKeyboardMarkup:
    """Preset answers (two per row), «по умолчанию» when there is a default, «пропустить», ❌."""
    rows: list[list[InlineKeyboardButton]] = []
    presets = [
        InlineKeyboardButton(
            text=catalog.preset_label(spec, item.key, index, locale),
            callback_data=TplInput(a="p", t=spec.id, s=step, i=index).pack(),
        )
        for index in range(len(item.presets))
    ]
    for start in range(0, len(presets), COLUMNS):
        rows.append(presets[start : start + COLUMNS])
    extra: list[InlineKeyboardButton] = []
    if item.default is not None:
        extra.append(
            InlineKeyboardButton(
                text=t("tpl.input.default", locale, value=item.default),
                callback_data=TplInput(a="d", t=spec.id, s=step).pack(),
            )
        )
    if item.optional:
        extra.append(
            InlineKeyboardButton(
                text=t("tpl.input.skip", locale), callback_data=TplInput(a="s", t=spec.id, s=step).pack()
            )
        )
    if extra:
        rows.append(extra)
    rows.append(
        [
            InlineKeyboardButton(
                text=t("tpl.input.cancel", locale), callback_data=TplInput(a="x", t=spec.id, s=step).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def pages_keyboard(answer_id: str, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """◀️ n/m ▶️ under a paged answer (None when everything fits one page)."""
    if pages <= 1:
        return None
    row: list[InlineKeyboardButton] = []
    if page > 0:
        row.append(InlineKeyboardButton(text="◀️", callback_data=TplPage(a=answer_id, p=page - 1).pack()))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(text="▶️", callback_data=TplPage(a=answer_id, p=page + 1).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def suggestions_keyboard(
    catalog: TemplateCatalog, template_ids: Sequence[str], locale: str
) -> InlineKeyboardMarkup:
    rows = []
    for template_id in template_ids:
        spec = catalog.get(template_id)
        if spec is None:
            continue
        rows.append(
            [
                InlineKeyboardButton(
                    text=catalog.button(spec, locale), callback_data=TplSuggest(t=spec.id).pack()
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def lang_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="🇷🇺 Русский", callback_data=TplLang(lang="ru").pack()),
                InlineKeyboardButton(text="🇬🇧 English", callback_data=TplLang(lang="en").pack()),
            ]
        ]
    )
