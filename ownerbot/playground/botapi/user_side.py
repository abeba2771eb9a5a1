"""The user's side of every chat: messages, edits, stickers, voice notes, files and button presses."""

from __future__ import annotations

import copy

from ownerbot.playground.botapi.files import (
    STICKER_WEBP,
    FileStore,
    document_object,
    sticker_object,
    voice_object,
)
from ownerbot.playground.botapi.html_entities import command_entities
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.keyboards import iter_inline_buttons
from ownerbot.playground.botapi.objects import now, user_object
from ownerbot.playground.botapi.state import Chat
from ownerbot.playground.botapi.updates import UpdateQueue


def _text_content(text: str) -> JsonDict:
    """A text message's ``text`` and the command entity a client adds to it."""
    content: JsonDict = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


class UserSide(UpdateQueue, FileStore):
    """Plays the human: each action changes the chat and queues the update Telegram would send."""

    def __init__(self) -> None:
        super().__init__()
        self._callback_counter = 0

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
        chat_type: str = "private",
    ) -> JsonDict:
        """The user sends a text message; returns the Message (a ``message`` update is queued)."""
        if not text.strip():
            raise ValueError("a Telegram client cannot send an empty message")
        chat, user = self._user_chat(user_id, chat_id, language_code, first_name, chat_type)
        return self._user_posts(chat, user, _text_content(text))

    def user_edits_message(
        self,
        user_id: int,
        message_id: int,
        new_text: str,
        *,
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
    ) -> JsonDict:
        """The user edits one of their text messages; queues an ``edited_message`` update."""
        chat, _user = self._user_chat(user_id, chat_id, language_code, first_name, None)
        message = chat.messages.get(message_id)
        if message is None or message.get("from", {}).get("id") != user_id or "text" not in message:
            raise LookupError(f"user {user_id} has no text message {message_id} in chat {chat.info['id']}")
        message.pop("entities", None)
        message.update(_text_content(new_text))
        message["edit_date"] = now()
        self._history.bump()
        self._push_update({"edited_message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def user_sticker(
        self,
        user_id: int,
        *,
        emoji: str = "👍",
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
    ) -> JsonDict:
        """The user sends a sticker."""
        chat, user = self._user_chat(user_id, chat_id, language_code, first_name, None)
        stored = self.store_file(STICKER_WEBP, kind="sticker", mime_type="image/webp")
        return self._user_posts(chat, user, {"sticker": sticker_object(stored, emoji)})

    def user_voice(
        self,
        user_id: int,
        data: bytes,
        duration: int,
        mime_type: str = "audio/ogg",
        *,
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
    ) -> JsonDict:
        """The user sends a voice note; the audio is stored so getFile and download work."""
        chat, user = self._user_chat(user_id, chat_id, language_code, first_name, None)
        stored = self.store_file(data, kind="voice", mime_type=mime_type)
        return self._user_posts(chat, user, {"voice": voice_object(stored, int(duration), mime_type)})

    def user_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
    ) -> JsonDict:
        """The user sends a file as a document."""
        chat, user = self._user_chat(user_id, chat_id, language_code, first_name, None)
        stored = self.store_file(data, kind="document", file_name=file_name, mime_type=mime_type)
        content: JsonDict = {"document": document_object(stored)}
        if caption:
            content["caption"] = caption
        return self._user_posts(chat, user, content)

    def press_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        language_code: str = "ru",
        first_name: str = "User",
        strict: bool = True,
    ) -> str:
        """The user presses an inline button; queues a ``callback_query`` and returns its id.

        With ``strict`` (default) the message must exist and carry a button with this data, as in
        a real client; ``strict=False`` lets tests forge presses (stale or foreign data).
        """
        chat, user = self._user_chat(user_id, chat_id, language_code, first_name, None)
        message = chat.messages.get(message_id)
        if strict:
            if message is None:
                raise LookupError(f"no message {message_id} in chat {chat.info['id']}")
            available = [
                button.get("callback_data")
                for button in iter_inline_buttons(message)
                if "callback_data" in button
            ]
            if callback_data not in available:
                raise LookupError(
                    f"message {message_id} has no button with data {callback_data!r}; has {available}"
                )
        self._callback_counter += 1
        query_id = str(4_700_000_000_000_000_000 + self._callback_counter)
        query: JsonDict = {
            "id": query_id,
            "from": copy.deepcopy(user),
            "message": copy.deepcopy(message)
            if message is not None
            else {"chat": copy.deepcopy(chat.info), "message_id": message_id, "date": 0},
            "chat_instance": chat.instance,
            "data": callback_data,
        }
        self.callback_queries[query_id] = copy.deepcopy(query)
        self._push_update({"callback_query": query})
        return query_id

    def _user_chat(
        self, user_id: int, chat_id: int | None, language_code: str, first_name: str, chat_type: str | None
    ) -> tuple[Chat, JsonDict]:
        user = user_object(user_id, first_name, language_code)
        self._users[user_id] = user
        target = user_id if chat_id is None else chat_id
        existing = self._chats.get(target)
        if existing is not None:
            return existing, user
        kind = chat_type or ("private" if target > 0 else "group")
        if kind != "private" and chat_id is None:
            raise ValueError("a group chat needs an explicit chat_id")
        return self._ensure_chat(target, kind), user

    def _user_posts(self, chat: Chat, user: JsonDict, content: JsonDict) -> JsonDict:
        message = self._new_message(chat, user)
        message.update(content)
        chat.messages[message["message_id"]] = message
        self._history.bump()
        self._push_update({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)
