"""A local Telegram Bot API emulator that real aiogram talks to over HTTP, unchanged.

Point aiogram's default session at it with ``TelegramAPIServer.from_base(emulator.base_url)``.
Everything lives in memory: chats, pending updates, uploaded files. ``stop()`` only closes the HTTP
server, so a restart simulates Telegram being briefly unreachable without losing any state.

Tests (and the playground page) play the user's side with ``user_message``, ``press_button`` and
friends, and observe the bot through ``requests``, ``wait_for`` and ``chat_history``.

This module is the public entry. The parts live in ``ownerbot.playground.botapi``, one job per
module; ``BotApiEmulator`` combines the HTTP server (with its methods, call log and faults) and the
user's side, which share the state in ``botapi.state``.
"""

from __future__ import annotations

from ownerbot.playground.botapi.errors import ApiError
from ownerbot.playground.botapi.files import StoredFile
from ownerbot.playground.botapi.html_entities import parse_html, utf16_len
from ownerbot.playground.botapi.json_types import JsonDict as JsonDict
from ownerbot.playground.botapi.keyboards import iter_inline_buttons as iter_inline_buttons
from ownerbot.playground.botapi.observer import ApiCall
from ownerbot.playground.botapi.server import ApiServer
from ownerbot.playground.botapi.user_side import UserSide

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "StoredFile",
    "parse_html",
    "utf16_len",
]


class BotApiEmulator(ApiServer, UserSide):
    """An in-memory Telegram Bot API server (aiohttp) plus the user's side of every chat.

    Add extra routes to ``app`` (see ``ownerbot.playground.web``) before the first ``start()``.
    """
