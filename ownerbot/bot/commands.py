"""Bot commands shown in Telegram's menu, in Russian (default) and English."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from ownerbot.i18n import t

COMMANDS = ("start", "menu", "systems", "help", "flag", "unflag", "bulkflag", "note", "notify", "audit")
# Reports (ownerbot/bot/routers/reports.py).
REPORT_COMMANDS = ("trend", "dashboard", "weekly_pdf", "ops_pdf", "funnel_png", "access_png")
# The upstream mode (ownerbot/bot/routers/upstream.py).
UPSTREAM_COMMANDS = ("upstream",)


async def register_commands(bot: Bot) -> None:
    for locale, language_code in (("ru", None), ("en", "en")):
        names = (*COMMANDS, *REPORT_COMMANDS, *UPSTREAM_COMMANDS)
        commands = [BotCommand(command=name, description=t(f"commands.{name}", locale)) for name in names]
        await bot.set_my_commands(commands, language_code=language_code)
