"""Anything no other router took: a short hint, never an error. Included last."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.template_panel import open_panel
from ownerbot.i18n import t


async def unknown_text(message: Message, locale: str) -> None:
    await message.answer(t("fallback.unknown_text", locale))


async def unsupported_message(message: Message, locale: str) -> None:
    await message.answer(t("fallback.unsupported", locale))


async def edited_message(message: Message) -> None:
    """Edits of earlier messages are ignored on purpose: re-running a request on edit would surprise."""


async def stale_button(query: CallbackQuery, bot: Bot, services: BotServices, locale: str) -> None:
    """A button from an old panel (or forged data): say the menu was refreshed and redraw it."""
    await query.answer(t("menu.stale", locale))
    if isinstance(query.message, Message):
        await open_panel(bot, query.message.chat.id, services, locale)


def build_router() -> Router:
    """Catch-all handlers; include this router last."""
    router = Router(name="fallback")
    router.message.register(unknown_text, F.text)
    router.message.register(unsupported_message)
    router.edited_message.register(edited_message)
    router.callback_query.register(stale_button)
    return router
