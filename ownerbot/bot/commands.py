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
# The DEMO/SIS shadow check (ownerbot/bot/routers/shadow.py); texts under `system.commands`.
SYSTEM_COMMANDS = ("shadow_check",)
# Templates (ownerbot/bot/routers/templates.py); texts under `tpl.commands`.
TEMPLATE_COMMANDS = ("kpi", "orders", "templates", "lang", "cancel")
# What the owner sees first in Telegram's command menu; the rest follow in their groups' order.
FIRST = ("kpi", "trend", "orders", "weekly_pdf", "systems", "shadow_check", "templates")


async def register_commands(bot: Bot) -> None:
    for locale, language_code in (("ru", None), ("en", "en")):
        groups = (*COMMANDS, *REPORT_COMMANDS, *UPSTREAM_COMMANDS, *SYSTEM_COMMANDS, *TEMPLATE_COMMANDS)
        names = (*FIRST, *(name for name in groups if name not in FIRST))
        commands = [BotCommand(command=name, description=t(_text_key(name), locale)) for name in names]
        await bot.set_my_commands(commands, language_code=language_code)


def _text_key(name: str) -> str:
    if name in TEMPLATE_COMMANDS:
        return f"tpl.commands.{name}"
    return f"system.commands.{name}" if name in SYSTEM_COMMANDS else f"commands.{name}"
