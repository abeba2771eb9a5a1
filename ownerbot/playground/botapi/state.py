"""The emulator's shared core: the bot's identity, the users and chats it knows, and their messages."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field

from ownerbot.playground.botapi.changes import Changes
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.objects import bot_user_object, chat_object, message_object


@dataclass
class Chat:
    """One chat as the emulator keeps it: the Chat object, its messages and what the client shows."""

    info: JsonDict
    instance: str
    messages: dict[int, JsonDict] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: JsonDict | None = None
    action: tuple[str, float] | None = None


class EmulatorState:
    """State every part of the emulator reads; the parts (mixins) add their own on top."""

    def __init__(self) -> None:
        super().__init__()
        self.callback_answers: dict[str, JsonDict] = {}
        self.callback_queries: dict[str, JsonDict] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.blocked_users: set[int] = set()
        self.reject_unknown_chats = False

        self._bot_user: JsonDict = bot_user_object(0)
        self._users: dict[int, JsonDict] = {}
        self._chats: dict[int, Chat] = {}
        self._history = Changes()  # bumped on every visible change in any chat
        self._closing = False  # set while the HTTP server stops: long polls return at once

    @property
    def bot_user(self) -> JsonDict:
        """The bot's User object (id taken from the token of the latest request)."""
        return copy.deepcopy(self._bot_user)

    def _ensure_chat(self, chat_id: int, chat_type: str = "private") -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            first_name = self._users.get(chat_id, {}).get("first_name", "User")
            chat = Chat(
                info=chat_object(chat_id, chat_type, first_name),
                instance=str(secrets.randbelow(9 * 10**18) + 10**18),
            )
            self._chats[chat_id] = chat
        return chat

    def _new_message(self, chat: Chat, sender: JsonDict) -> JsonDict:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_object(message_id, sender, chat.info)
