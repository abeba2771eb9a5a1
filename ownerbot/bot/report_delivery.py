"""Delivering PNG/PDF reports to a chat, shared by the report commands and the template runner.

A request takes a per-owner lock and a short per-report cooldown in the state store, so a double tap
renders once (the second tap hears "already preparing"). The caller then returns at once and a
background task does the work: the read tools run, the render happens in a worker thread
(`ReportService`), and the chat shows "sending photo…/document…" (`ChatActionSender`) until the
artifact arrives. The dispatcher is never held up, so other updates are answered while a PDF renders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile
from aiogram.utils.chat_action import ChatActionSender

from ownerbot.i18n import t
from ownerbot.observability.correlation import current_correlation_id
from ownerbot.reports.inputs import ReportArtifact, ReportRequest
from ownerbot.reports.service import ReportService
from ownerbot.state.base import StateStore

log = logging.getLogger(__name__)

# Longer than any report takes (tools have a 10 s deadline each); released as soon as it is delivered.
LOCK_TTL_SEC = 180.0
# A second tap of the same report within this time after the first gets "just sent" instead of a copy.
COOLDOWN_SEC = 10.0
SHUTDOWN_GRACE_SEC = 30.0


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


async def start_report(
    jobs: ReportJobs,
    bot: Bot,
    chat_id: int,
    reports: ReportService | None,
    state: StateStore,
    owner_id: int,
    request: ReportRequest,
) -> str | None:
    """Start delivering `request` in the background; returns the locale key of a refusal, else None."""
    if reports is None:
        return "reports.bot.not_configured"
    token = await state.acquire_lock(lock_name(owner_id), LOCK_TTL_SEC)
    if token is None:
        return "reports.bot.busy"
    if not await state.set_if_absent(cooldown_key(owner_id, request), "1", COOLDOWN_SEC):
        await state.release_lock(lock_name(owner_id), token)
        return "reports.bot.cooldown"
    jobs.start(deliver_report(bot, chat_id, reports, state, owner_id, token, request))
    return None


async def deliver_report(
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
            await send_artifact(bot, chat_id, outcome.artifact)
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


async def send_artifact(bot: Bot, chat_id: int, artifact: ReportArtifact) -> None:
    """A chart goes as a photo with a short caption plus the text summary; a PDF as a document."""
    upload = BufferedInputFile(artifact.data, filename=artifact.filename)
    # Plain text: product and customer names must never be read as markup.
    if artifact.type == "png":
        await bot.send_photo(chat_id, upload, caption=artifact.caption, parse_mode=None)
        if artifact.summary:
            await bot.send_message(chat_id, artifact.summary, parse_mode=None)
        return
    await bot.send_document(chat_id, upload, caption=artifact.caption, parse_mode=None)
