"""/trend [7|30|90], /dashboard, /funnel_png, /access_png (photos) and /weekly_pdf, /ops_pdf (documents).

A tap takes a per-owner lock and a short per-report cooldown in the state store, so a double tap renders
once (the second tap hears "already preparing"). The handler then returns at once and a background task
does the work: the read tools run, the render happens in a worker thread (`ReportService`), and the chat
shows "sending photo…/document…" (`ChatActionSender`) until the artifact arrives. The dispatcher is never
held up, so other updates are answered while a PDF renders, even when updates are handled one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.chat_action import ChatActionSender

from ownerbot.bot.context import BotServices
from ownerbot.i18n import t
from ownerbot.observability.correlation import current_correlation_id
from ownerbot.reports.inputs import TREND_DAYS, ReportArtifact, ReportKind, ReportRequest
from ownerbot.reports.service import ReportService
from ownerbot.state.base import StateStore

log = logging.getLogger(__name__)

# Longer than any report takes (tools have a 10 s deadline each); released as soon as it is delivered.
LOCK_TTL_SEC = 180.0
# A second tap of the same report within this time after the first gets "just sent" instead of a copy.
COOLDOWN_SEC = 10.0
SHUTDOWN_GRACE_SEC = 30.0
DEFAULT_TREND_DAYS = 30
COMMANDS: dict[str, ReportKind] = {
    "trend": ReportKind.TREND,
    "dashboard": ReportKind.DASHBOARD,
    "funnel_png": ReportKind.FUNNEL,
    "access_png": ReportKind.ACCESS,
    "weekly_pdf": ReportKind.WEEKLY,
    "ops_pdf": ReportKind.OPS,
}


def lock_name(owner_id: int) -> str:
    return f"reports:{owner_id}"


def cooldown_key(owner_id: int, request: ReportRequest) -> str:
    return f"reports:cooldown:{owner_id}:{request.kind.value}:{request.days}"


class ReportJobs:
    """The background deliveries of one router: kept referenced while they run, awaited at shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Coroutine[Any, Any, None]) -> None:
        # create_task copies the context: the update's correlation id stays with the job.
        task = asyncio.create_task(job, name="report-delivery")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = SHUTDOWN_GRACE_SEC) -> None:  # noqa: ASYNC109
        """Let running deliveries finish (up to `timeout`), then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _deliver(
    bot: Bot,
    chat_id: int,
    reports: ReportService,
    state: StateStore,
    owner_id: int,
    token: str,
    request: ReportRequest,
) -> None:
    """Build the report and send it; the lock is released whatever happens."""
    action = ChatAction.UPLOAD_PHOTO if request.kind.native_type == "png" else ChatAction.UPLOAD_DOCUMENT
    try:
        async with ChatActionSender(bot=bot, chat_id=chat_id, action=action):
            outcome = await reports.build(request)
            await _send(bot, chat_id, outcome.artifact)
    except Exception as exc:
        # No middleware sees a background task: log and apologise here, with the update's id.
        log.exception(
            "report_delivery_failed", extra={"report": request.kind.value, "error": type(exc).__name__}
        )
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(
                chat_id, t("errors.internal", request.locale, cid=current_correlation_id() or "-")
            )
    finally:
        await state.release_lock(lock_name(owner_id), token)


async def _send(bot: Bot, chat_id: int, artifact: ReportArtifact) -> None:
    """A chart goes as a photo with a short caption plus the text summary; a PDF as a document."""
    upload = BufferedInputFile(artifact.data, filename=artifact.filename)
    # Plain text: product and customer names must never be read as markup.
    if artifact.type == "png":
        await bot.send_photo(chat_id, upload, caption=artifact.caption, parse_mode=None)
        if artifact.summary:
            await bot.send_message(chat_id, artifact.summary, parse_mode=None)
        return
    await bot.send_document(chat_id, upload, caption=artifact.caption, parse_mode=None)


def build_router() -> Router:
    """Report commands; include before the catch-all fallback."""
    router = Router(name="reports")
    jobs = ReportJobs()

    async def start(
        message: Message, bot: Bot, services: BotServices, locale: str, request: ReportRequest
    ) -> None:
        reports = services.reports
        if reports is None:
            await message.answer(t("reports.bot.not_configured", locale))
            return
        owner_id = message.from_user.id if message.from_user else message.chat.id
        token = await services.state.acquire_lock(lock_name(owner_id), LOCK_TTL_SEC)
        if token is None:
            await message.answer(t("reports.bot.busy", locale))
            return
        if not await services.state.set_if_absent(cooldown_key(owner_id, request), "1", COOLDOWN_SEC):
            await services.state.release_lock(lock_name(owner_id), token)
            await message.answer(t("reports.bot.cooldown", locale))
            return
        jobs.start(_deliver(bot, message.chat.id, reports, services.state, owner_id, token, request))

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
