"""/start, /menu, /help and the top-level menu panel (one panel per chat, see bot/template_panel.py)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.callbacks import MenuCallback
from ownerbot.bot.presenters.status import start_text
from ownerbot.bot.template_panel import open_panel
from ownerbot.i18n import t
from ownerbot.services.diagnostics import runtime_status


async def cmd_start(
    message: Message, bot: Bot, services: BotServices, locale: str, state: FSMContext
) -> None:
    """The status line and a fresh menu panel; an unfinished input dialogue ends here."""
    await state.clear()
    status = runtime_status(services.settings, services.state, services.upstream)
    await open_panel(bot, message.chat.id, services, locale, header=start_text(status, locale))


async def cmd_menu(message: Message, bot: Bot, services: BotServices, locale: str, state: FSMContext) -> None:
    await state.clear()
    await open_panel(bot, message.chat.id, services, locale)


async def cmd_help(message: Message, locale: str) -> None:
    await message.answer(t("help.text", locale))


async def on_legacy_menu(query: CallbackQuery, bot: Bot, services: BotServices, locale: str) -> None:
    """A button of the menu drawn before the template panel existed: redraw the current panel."""
    await query.answer(t("menu.stale", locale))
    if query.message is not None:
        await open_panel(bot, query.message.chat.id, services, locale)


def build_router() -> Router:
    """A fresh router (routers attach to one dispatcher only; tests and replicas build several)."""
    router = Router(name="home")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_menu, Command("menu"))
    router.message.register(cmd_help, Command("help"))
    router.callback_query.register(on_legacy_menu, MenuCallback.filter())
    return router
