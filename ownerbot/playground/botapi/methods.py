"""The Bot API method table, and the methods about the bot itself: getMe, commands, callbacks, files."""

from __future__ import annotations

import copy
import functools
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ownerbot.playground.botapi.errors import QUERY_INVALID, bad
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.messages import MessageMethods
from ownerbot.playground.botapi.params import Upload
from ownerbot.playground.botapi.updates import UpdateQueue

MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

Handler = Callable[[JsonDict, dict[str, Upload]], Awaitable[Any]]


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


class BotApiMethods(MessageMethods, UpdateQueue):
    """Every Bot API method the emulator answers, looked up case-insensitively in ``_methods``."""

    def __init__(self) -> None:
        super().__init__()
        self.bot_settings: dict[str, JsonDict] = {}
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._just_true,
            "close": self._just_true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._store_setting("setMyDescription"),
            "setMyShortDescription": self._store_setting("setMyShortDescription"),
            "setChatMenuButton": self._store_setting("setChatMenuButton"),
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendPhoto": functools.partial(self._send_media, "photo"),
            "sendDocument": functools.partial(self._send_media, "document"),
            "sendVoice": functools.partial(self._send_media, "voice"),
            "getFile": self._get_file,
        }
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }

    async def _just_true(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        return True

    async def _get_me(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        return copy.deepcopy(self._bot_user)

    def _store_setting(self, method: str) -> Handler:
        async def handler(params: JsonDict, uploads: dict[str, Upload]) -> bool:
            self.bot_settings[method] = copy.deepcopy(params)
            return True

        return handler

    def _commands_key(self, params: JsonDict) -> tuple[str, str]:
        return _scope_key(params.get("scope")), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad('parameter "commands" is required')
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad("BOT_COMMAND_INVALID")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not _COMMAND_RE.match(command):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._commands_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> list[JsonDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _answer_callback_query(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise bad(QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
        answer: JsonDict = {"show_alert": bool(params.get("show_alert", False))}
        for key in ("text", "url", "cache_time"):
            if params.get(key) is not None:
                answer[key] = params[key]
        self.callback_answers[query_id] = answer
        self._history.bump()
        return True

    async def _send_chat_action(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        chat = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        chat.action = (str(action), time.monotonic())
        self._history.bump()
        return True

    async def _get_file(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        file_id = params.get("file_id")
        if not file_id:
            raise bad("file_id is empty")
        stored = self.files.get(str(file_id))
        if stored is None:
            raise bad("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad("file is too big")
        return stored.as_file()
