"""/start, /menu, /help and the top-level menu panel."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.callbacks import MenuCallback
from ownerbot.bot.keyboards.main_menu import SECTIONS, home_only, main_menu
from ownerbot.bot.presenters.status import start_text
from ownerbot.i18n import t
from ownerbot.services.diagnostics import runtime_status


async def cmd_start(message: Message, services: BotServices, locale: str) -> None:
    status = runtime_status(services.settings, services.state, services.upstream)
    await message.answer(start_text(status, locale), reply_markup=main_menu(locale))


async def cmd_menu(message: Message, locale: str) -> None:
    await message.answer(t("start.pick", locale), reply_markup=main_menu(locale))


async def cmd_help(message: Message, locale: str) -> None:
    await message.answer(t("help.text", locale))


async def on_home(query: CallbackQuery, locale: str) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("start.pick", locale), reply_markup=main_menu(locale))


async def on_section(query: CallbackQuery, callback_data: MenuCallback, locale: str) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        section = t(f"menu.{callback_data.section}", locale)
        await query.message.edit_text(
            t("menu.section_empty", locale, section=section), reply_markup=home_only(locale)
        )


def build_router() -> Router:
    """A fresh router (routers attach to one dispatcher only; tests and replicas build several)."""
    router = Router(name="home")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_menu, Command("menu"))
    router.message.register(cmd_help, Command("help"))
    router.callback_query.register(on_home, MenuCallback.filter(F.section == "home"))
    router.callback_query.register(on_section, MenuCallback.filter(F.section.in_(SECTIONS)))
    return router
