"""/systems: full diagnostics with the preflight summary; secrets only as present/absent."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.presenters.status import systems_text
from ownerbot.i18n import t
from ownerbot.services.diagnostics import collect_diagnostics


async def cmd_systems(message: Message, services: BotServices, locale: str) -> None:
    if not services.settings.diagnostics_enabled:
        await message.answer(t("systems.disabled", locale))
        return
    diagnostics = await collect_diagnostics(
        services.settings, services.engine, services.state, services.upstream
    )
    await message.answer(systems_text(diagnostics, locale))


def build_router() -> Router:
    router = Router(name="systems")
    router.message.register(cmd_systems, Command("systems"))
    return router
