"""Only owners get any answer or side effect; everyone else gets silence and a (throttled) audit row."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User

from ownerbot.bot.context import BotServices
from ownerbot.bot.update_kind import update_kind
from ownerbot.i18n import SUPPORTED_LOCALES, pick_locale, t
from ownerbot.state.base import StateStoreUnavailable

log = logging.getLogger(__name__)


def locale_key(user_id: int) -> str:
    """Where `/lang` keeps an owner's language (it overrides Telegram's `language_code`)."""
    return f"owner:lang:{user_id}"


async def _owner_locale(services: BotServices, user: User | None) -> str:
    stored = None
    if user is not None:
        try:
            stored = await services.state.get(locale_key(user.id))
        except StateStoreUnavailable:
            stored = None
    if stored in SUPPORTED_LOCALES:
        return str(stored)
    return pick_locale(user.language_code if user else None)


class OwnerGateMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        services: BotServices = data["services"]
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        user_id = user.id if user else None
        if services.access.is_owner(user_id):
            data["locale"] = await _owner_locale(services, user)
            return await handler(event, data)

        kind = update_kind(event) if isinstance(event, Update) else "unknown"
        decision = await services.access.decide(
            user_id=user_id,
            update_kind=kind,
            chat_id=chat.id if chat else None,
            chat_type=chat.type if chat else None,
        )
        log.info(
            "access_denied", extra={"user_id": user_id, "update_kind": kind, "audited": decision.audited}
        )
        if decision.notify and chat is not None:
            bot: Bot = data["bot"]
            try:
                await bot.send_message(
                    chat.id, t("access.denied", pick_locale(user.language_code if user else None))
                )
            except TelegramAPIError as exc:
                log.warning("access_denied_notice_failed", extra={"error": type(exc).__name__})
        return None
