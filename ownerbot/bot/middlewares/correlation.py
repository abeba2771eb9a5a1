"""Gives every update a correlation id that every log line and audit row of that update carries."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from ownerbot.bot.update_kind import update_kind
from ownerbot.observability.correlation import correlation_scope

log = logging.getLogger("ownerbot.updates")


class CorrelationMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        with correlation_scope() as cid:
            data["correlation_id"] = cid
            kind = update_kind(event) if isinstance(event, Update) else type(event).__name__
            log.info("update_received", extra={"update_kind": kind})
            return await handler(event, data)
