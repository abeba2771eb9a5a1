"""/help names every command the bot offers, in both locales: the Telegram command menu and every
`Command` filter of the routers, so a new command cannot ship without its help line."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.filters import Command
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand

from ownerbot.bot.commands import register_commands
from ownerbot.bot.context import BotServices
from ownerbot.bot.dispatcher import build_dispatcher
from ownerbot.i18n import SUPPORTED_LOCALES, t

# The commands the brief of this release promises in /help (the menu and the routers must agree).
PROMISED = {
    "start", "menu", "templates", "kpi", "orders", "trend", "dashboard", "weekly_pdf", "ops_pdf",
    "funnel_png", "access_png", "systems", "shadow_check", "upstream", "audit", "lang", "cancel", "help",
}  # fmt: skip


class RecordingBot:
    def __init__(self) -> None:
        self.menus: dict[str | None, list[BotCommand]] = {}

    async def set_my_commands(self, commands: list[BotCommand], language_code: str | None = None) -> bool:
        self.menus[language_code] = commands
        return True


def _help_commands(locale: str) -> set[str]:
    return set(re.findall(r"(?<![<\w])/([a-z_]+)", t("help.text", locale)))


async def _menu_commands() -> dict[str | None, set[str]]:
    bot = RecordingBot()
    await register_commands(cast(Bot, bot))
    return {lang: {c.command for c in commands} for lang, commands in bot.menus.items()}


def _router_commands() -> set[str]:
    """Every command a `Command` filter of the dispatcher's routers answers."""
    dp = build_dispatcher(cast(BotServices, object()), MemoryStorage())
    found: set[str] = set()
    routers: list[Any] = [dp]
    while routers:
        router = routers.pop()
        routers.extend(router.sub_routers)
        for handler in router.message.handlers:
            for item in handler.filters or []:
                if isinstance(item.callback, Command):
                    found.update(c for c in item.callback.commands if isinstance(c, str))
    return found


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_help_lists_every_menu_command(locale: str) -> None:
    menus = await _menu_commands()
    assert set(menus) == {None, "en"}
    listed = _help_commands(locale)
    for language, commands in menus.items():
        assert commands - listed == set(), (locale, language)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_help_lists_every_router_command(locale: str) -> None:
    commands = _router_commands()
    assert commands >= PROMISED, PROMISED - commands
    assert commands - _help_commands(locale) == set()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_help_names_no_command_that_does_not_exist(locale: str) -> None:
    assert _help_commands(locale) - _router_commands() == set()


def test_help_mentions_free_text() -> None:
    assert "«KPI за вчера»" in t("help.text", "ru")
    assert '"KPI for yesterday"' in t("help.text", "en")
