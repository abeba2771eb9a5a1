"""/trend [7|30|90], /dashboard, /funnel_png, /access_png (photos) and /weekly_pdf, /ops_pdf (documents).

Delivery (lock, cooldown, background render with a chat action) lives in `ownerbot/bot/report_delivery.py`,
shared with the template runner's png/pdf templates.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.report_delivery import ReportJobs, start_report
from ownerbot.i18n import t
from ownerbot.reports.inputs import TREND_DAYS, ReportKind, ReportRequest

DEFAULT_TREND_DAYS = 30
COMMANDS: dict[str, ReportKind] = {
    "trend": ReportKind.TREND,
    "dashboard": ReportKind.DASHBOARD,
    "funnel_png": ReportKind.FUNNEL,
    "access_png": ReportKind.ACCESS,
    "weekly_pdf": ReportKind.WEEKLY,
    "ops_pdf": ReportKind.OPS,
}


def build_router() -> Router:
    """Report commands; include before the catch-all fallback."""
    router = Router(name="reports")
    jobs = ReportJobs()

    async def start(
        message: Message, bot: Bot, services: BotServices, locale: str, request: ReportRequest
    ) -> None:
        owner_id = message.from_user.id if message.from_user else message.chat.id
        refusal = await start_report(
            jobs, bot, message.chat.id, services.reports, services.state, owner_id, request
        )
        if refusal is not None:
            await message.answer(t(refusal, locale))

    async def cmd_trend(
        message: Message, command: CommandObject, bot: Bot, services: BotServices, locale: str
    ) -> None:
        argument = (command.args or "").strip()
        days = int(argument) if argument.isdigit() else (DEFAULT_TREND_DAYS if not argument else 0)
        if days not in TREND_DAYS:
            await message.answer(t("reports.bot.trend_usage", locale))
            return
        request = ReportRequest(ReportKind.TREND, locale=locale, days=days, actor_id=_actor(message))
        await start(message, bot, services, locale, request)

    def simple(kind: ReportKind) -> Any:
        async def handler(message: Message, bot: Bot, services: BotServices, locale: str) -> None:
            await start(
                message, bot, services, locale, ReportRequest(kind, locale=locale, actor_id=_actor(message))
            )

        handler.__name__ = f"cmd_{kind.value}"
        return handler

    router.message.register(cmd_trend, Command("trend"))
    for name, kind in COMMANDS.items():
        if kind is not ReportKind.TREND:
            router.message.register(simple(kind), Command(name))

    async def on_shutdown() -> None:
        await jobs.drain()

    router.shutdown.register(on_shutdown)
    return router


def _actor(message: Message) -> int | None:
    return message.from_user.id if message.from_user else None
