"""The bot's HTTP session: any Bot API-compatible server, retrying flood control and transient errors."""

from __future__ import annotations

import asyncio
import logging
import random
import time

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

# Telegram may ask to wait many minutes; beyond this cap we give up on the one request instead of
# holding a handler (and the owner) hostage.
MAX_RETRY_AFTER_SEC = 60.0


class RetryRequestMiddleware(BaseRequestMiddleware):
    """Retries a request on 429 (honouring `retry_after` for every request of this bot) and on 5xx/network.

    getUpdates is left to aiogram's polling loop, which has its own backoff.
    """

    def __init__(self, attempts: int = 4, backoff_base: float = 0.5, backoff_max: float = 8.0) -> None:
        self.attempts = attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._blocked_until = 0.0  # flood control is per bot: one 429 pauses all outgoing requests

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        attempt = 0
        while True:
            wait = self._blocked_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt >= self.attempts or exc.retry_after > MAX_RETRY_AFTER_SEC:
                    raise
                self._blocked_until = max(self._blocked_until, time.monotonic() + exc.retry_after)
                log.warning(
                    "telegram_flood_control",
                    extra={
                        "method": method.__api_method__,
                        "retry_after": exc.retry_after,
                        "attempt": attempt,
                    },
                )
            except (TelegramServerError, TelegramNetworkError) as exc:
                attempt += 1
                if attempt >= self.attempts:
                    raise
                delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * (
                    0.5 + random.random() / 2
                )
                log.warning(
                    "telegram_transient_error",
                    extra={"method": method.__api_method__, "error": type(exc).__name__, "attempt": attempt},
                )
                await asyncio.sleep(delay)


def create_bot(token: str, api_url: str) -> Bot:
    """A Bot talking to `api_url` (`{base}/bot{token}/{method}`, files at `{base}/file/bot{token}/{path}`)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    session.middleware(RetryRequestMiddleware())
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
