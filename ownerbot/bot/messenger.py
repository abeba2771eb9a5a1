"""`ChatMessenger` over aiogram: how application code (actions, recovery) sends Telegram messages."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile

from ownerbot.actions.ports import DeliveryError

_ERROR_TEXT_CHARS = 200


class AiogramMessenger:
    """Sends through the bot's session (so flood control and retries apply); API errors → DeliveryError."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, *, silent: bool = False, html: bool = False) -> None:
        try:
            await self._bot.send_message(
                chat_id,
                text,
                # Texts typed by people go out verbatim: no markup, so nothing in them can break a send.
                parse_mode=ParseMode.HTML if html else None,
                disable_notification=silent,
            )
        except TelegramAPIError as exc:
            raise DeliveryError(type(exc).__name__, str(exc)[:_ERROR_TEXT_CHARS]) from exc

    async def send_photo(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None:
        try:
            upload = BufferedInputFile(data, filename=filename)
            await self._bot.send_photo(chat_id, upload, caption=caption or None, parse_mode=None)
        except TelegramAPIError as exc:
            raise DeliveryError(type(exc).__name__, str(exc)[:_ERROR_TEXT_CHARS]) from exc

    async def send_document(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None:
        try:
            upload = BufferedInputFile(data, filename=filename)
            await self._bot.send_document(chat_id, upload, caption=caption or None, parse_mode=None)
        except TelegramAPIError as exc:
            raise DeliveryError(type(exc).__name__, str(exc)[:_ERROR_TEXT_CHARS]) from exc
