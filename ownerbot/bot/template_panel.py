"""The one menu panel per chat, edited in place while the owner navigates (used by /start, /menu and the
template router), and the template runner built from the bot's services.

The panel's message id, its view (home, or a section page) and a version live in the state store. Every
keyboard carries the version it was drawn with; a press is accepted once per version (an atomic
`set_if_absent` claim), so a press on an old panel or a second tap of the same button is recognised as
stale instead of running twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.templates import (
    PAGE_BUTTONS,
    category_keyboard,
    category_pages,
    home_keyboard,
)
from ownerbot.bot.presenters.templates import category_text
from ownerbot.i18n import t
from ownerbot.reports.style import Formats
from ownerbot.services.template_runner import TemplateRunner
from ownerbot.storage.engine import create_session_factory
from ownerbot.templates.spec import Category
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.runner import ToolRunner
from ownerbot.tools.services import build_tool_services

log = logging.getLogger(__name__)

PANEL_TTL_SEC = 30 * 24 * 3600
CLAIM_TTL_SEC = 24 * 3600


@dataclass(frozen=True)
class Panel:
    message_id: int
    version: int
    view: Literal["h", "c"] = "h"
    key: str = ""
    page: int = 0


def panel_key(chat_id: int) -> str:
    return f"tpl:panel:{chat_id}"


def _claim_key(chat_id: int, version: int) -> str:
    return f"tpl:panel:claim:{chat_id}:{version}"


async def load_panel(services: BotServices, chat_id: int) -> Panel | None:
    raw = await services.state.get(panel_key(chat_id))
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Panel(
            message_id=int(data["m"]),
            version=int(data["v"]),
            view="c" if data.get("a") == "c" else "h",
            key=str(data.get("k", "")),
            page=int(data.get("p", 0)),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def save_panel(services: BotServices, chat_id: int, panel: Panel) -> None:
    value = {"m": panel.message_id, "v": panel.version, "a": panel.view, "k": panel.key, "p": panel.page}
    await services.state.set(panel_key(chat_id), json.dumps(value), PANEL_TTL_SEC)


async def claim_press(services: BotServices, chat_id: int, message_id: int, version: int) -> Panel | None:
    """The panel when this press is the first on the current panel at its version, else None (stale)."""
    panel = await load_panel(services, chat_id)
    if panel is None or panel.message_id != message_id or panel.version != version:
        return None
    if not await services.state.set_if_absent(_claim_key(chat_id, version), "1", CLAIM_TTL_SEC):
        return None
    return panel


def template_runner(services: BotServices) -> TemplateRunner | None:
    """The runner over the bot's services (None when no catalog is loaded)."""
    catalog = services.templates
    if catalog is None:
        return None
    pipeline = services.actions.pipeline if services.actions else None
    registry = pipeline.registry if pipeline is not None else default_registry()
    if services.upstream is not None:
        provider_for = services.upstream.provider
    elif services.actions is not None:
        provider_for = services.actions.provider_for
    else:  # pragma: no cover - the runtime always wires one of them
        raise RuntimeError("no data source wired")
    capabilities = services.capabilities
    tool_services: dict[str, Any] = build_tool_services(
        services.settings,
        create_session_factory(services.engine),
        services.audit.repository,
        state=services.state,
        modes=services.upstream,
        capabilities=capabilities,
    )
    runner = ToolRunner(registry, provider_for=provider_for, audit=services.audit, services=tool_services)
    return TemplateRunner(
        settings=services.settings,
        state=services.state,
        catalog=catalog,
        tool_runner=runner,
        pipeline=pipeline,
        capabilities=capabilities,
    )


def formats_for(services: BotServices, locale: str) -> Formats:
    return Formats(
        locale=locale, currency=services.settings.shop_currency, tz=services.settings.shop_timezone
    )


async def render_view(
    services: BotServices, panel: Panel, locale: str, header: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The panel's text and keyboard for its view, drawn with its version."""
    catalog = services.templates
    if panel.view == "c" and catalog is not None:
        category = Category(panel.key)
        specs = catalog.in_category(category)
        pages = category_pages(len(specs))
        page = min(panel.page, pages - 1)
        runner = template_runner(services)
        disabled = []
        if runner is not None:
            for spec in specs[page * PAGE_BUTTONS : (page + 1) * PAGE_BUTTONS]:
                if spec.requires and await runner.unmet(spec) is not None:
                    disabled.append(spec.id)
        text = category_text(catalog, category, page, pages, locale)
        markup = category_keyboard(catalog, category, page, locale, panel.version, disabled)
        return text, markup
    text = header if header is not None else t("start.pick", locale)
    return text, home_keyboard(locale, panel.version)


async def open_panel(
    bot: Bot, chat_id: int, services: BotServices, locale: str, header: str | None = None
) -> Panel:
    """A fresh panel at the home view as a new message below everything (it becomes the anchor)."""
    previous = await load_panel(services, chat_id)
    version = (previous.version + 1) if previous else 1
    panel = Panel(message_id=0, version=version)
    text, markup = await render_view(services, panel, locale, header)
    sent = await bot.send_message(chat_id, text, reply_markup=markup)
    panel = Panel(message_id=sent.message_id, version=version)
    await save_panel(services, chat_id, panel)
    return panel


async def draw(
    bot: Bot, chat_id: int, services: BotServices, locale: str, panel: Panel, header: str | None = None
) -> Panel:
    """Edit the anchor panel into `panel`'s view; when the edit fails, send it anew and re-anchor."""
    text, markup = await render_view(services, panel, locale, header)
    edited = False
    if panel.message_id:
        try:
            await bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=panel.message_id, reply_markup=markup
            )
            edited = True
        except TelegramAPIError as exc:
            log.info("panel_edit_failed", extra={"error": type(exc).__name__})
    if not edited:
        sent = await bot.send_message(chat_id, text, reply_markup=markup)
        panel = Panel(sent.message_id, panel.version, panel.view, panel.key, panel.page)
    await save_panel(services, chat_id, panel)
    return panel


async def bump(bot: Bot, chat_id: int, services: BotServices, locale: str, panel: Panel) -> Panel:
    """Redraw the same view with the next version (earlier keyboards of it become stale)."""
    nxt = Panel(panel.message_id, panel.version + 1, panel.view, panel.key, panel.page)
    return await draw(bot, chat_id, services, locale, nxt)
