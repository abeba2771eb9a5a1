"""Texts of the template menus and input dialogues (HTML, every value escaped)."""

from __future__ import annotations

from html import escape

from ownerbot.i18n import t
from ownerbot.reports.style import Formats
from ownerbot.services.template_runner import MANAGER_CHATS, SIS_PREFIX, StoredAnswer
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.render_text import RenderedAnswer, render_response
from ownerbot.templates.spec import Category, InputSpec, TemplateSpec

_LIST_LINE_CHARS = 60
MAX_TEXT_CHARS = 4000


def category_title(category: Category, locale: str) -> str:
    return t(f"menu.{category.value}", locale)


def category_text(catalog: TemplateCatalog, category: Category, page: int, pages: int, locale: str) -> str:
    specs = catalog.in_category(category)
    head = f"<b>{escape(category_title(category, locale))}</b>"
    if not specs:
        return head + "\n" + t("tpl.menu.empty", locale)
    lines = [head, t("tpl.menu.pick", locale)]
    if pages > 1:
        lines.append(t("tpl.render.page", locale, page=page + 1, pages=pages))
    return "\n".join(lines)


def requirement_text(requirement: str, locale: str) -> str:
    """Why a disabled entry cannot run (shown when it is pressed)."""
    if requirement == MANAGER_CHATS:
        return t("tpl.disabled.manager_chats", locale)
    family = requirement.removeprefix(SIS_PREFIX)
    return t("tpl.disabled.capability", locale, family=family)


def prompt_text(
    catalog: TemplateCatalog,
    spec: TemplateSpec,
    item: InputSpec,
    step: int,
    locale: str,
    error: str | None = None,
) -> str:
    lines: list[str] = []
    if error:
        lines.append(t("tpl.input.error", locale, expected=escape(error)))
    lines.append(f"<b>{escape(catalog.title(spec, locale))}</b>")
    if len(spec.inputs) > 1:
        lines.append(t("tpl.input.step", locale, step=step + 1, steps=len(spec.inputs)))
    lines.append(escape(catalog.prompt(spec, item.key, locale)))
    if item.default is not None:
        lines.append(t("tpl.input.default_hint", locale, value=escape(item.default)))
    lines.append(t("tpl.input.cancel_hint", locale))
    return "\n".join(lines)


def answer_title(catalog: TemplateCatalog | None, answer: StoredAnswer, locale: str) -> str:
    spec = catalog.get(answer.template_id) if catalog and answer.template_id else None
    return catalog.title(spec, locale) if catalog and spec else answer.tool


def answer_text(
    catalog: TemplateCatalog | None, answer: StoredAnswer, formats: Formats, page: int = 0
) -> RenderedAnswer:
    return render_response(
        answer.response, title=answer_title(catalog, answer, formats.locale), formats=formats, page=page
    )


def templates_list_text(catalog: TemplateCatalog, locale: str) -> list[str]:
    """The whole catalog by section, split into messages under Telegram's limit."""
    messages: list[str] = []
    lines = [t("tpl.list.title", locale, count=len(catalog.all()))]
    for category in Category:
        specs = catalog.in_category(category)
        if not specs:
            continue
        block = [f"\n<b>{escape(category_title(category, locale))}</b>"]
        for spec in specs:
            title = catalog.title(spec, locale)
            if len(title) > _LIST_LINE_CHARS:
                title = title[: _LIST_LINE_CHARS - 1] + "…"
            block.append(f"• <code>{spec.id}</code> — {escape(title)}")
        if sum(len(line) + 1 for line in lines + block) > MAX_TEXT_CHARS:
            messages.append("\n".join(lines))
            lines = []
        lines.extend(block)
    messages.append("\n".join(lines))
    return messages
