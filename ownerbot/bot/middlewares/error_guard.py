"""Turns any handler exception into a short apology with the correlation id; polling goes on."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, TelegramObject, Update

from ownerbot.bot.context import BotServices
from ownerbot.bot.update_kind import update_kind
from ownerbot.i18n import t

log = logging.getLogger(__name__)


class ErrorGuardMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except Exception as exc:
            cid = data.get("correlation_id", "-")
            kind = update_kind(event) if isinstance(event, Update) else "unknown"
            log.exception("handler_failed", extra={"update_kind": kind, "error": type(exc).__name__})
            services: BotServices | None = data.get("services")
            if services is not None:
                await services.audit.record(
                    "handler_error",
                    actor_tg_id=getattr(data.get("event_from_user"), "id", None),
                    target_system="OwnerBot",
                    status="error",
                    summary=f"{type(exc).__name__} in {kind}",
                )
            await self._apologise(event, data, str(cid))
            return None

    @staticmethod
    async def _apologise(event: TelegramObject, data: dict[str, Any], cid: str) -> None:
        bot: Bot | None = data.get("bot")
        chat: Chat | None = data.get("event_chat")
        if bot is None or chat is None:
            return
        text = t("errors.internal", data.get("locale", "ru"), cid=cid)
        try:
            if isinstance(event, Update) and isinstance(event.callback_query, CallbackQuery):
                await bot.answer_callback_query(event.callback_query.id)
            await bot.send_message(chat.id, text)
        except TelegramAPIError as exc:
            log.warning("apology_failed", extra={"error": type(exc).__name__})
