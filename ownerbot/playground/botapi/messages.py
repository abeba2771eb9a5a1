"""The bot's messages: sendMessage/sendPhoto/sendDocument/sendVoice, the edit* methods and deletes."""

from __future__ import annotations

import copy

from ownerbot.playground.botapi.errors import NOT_MODIFIED, ApiError, bad
from ownerbot.playground.botapi.files import (
    FileStore,
    document_object,
    photo_sizes,
    voice_object,
)
from ownerbot.playground.botapi.html_entities import text_and_entities
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.keyboards import apply_markup, inline_markup, parse_markup
from ownerbot.playground.botapi.objects import bot_sender, now
from ownerbot.playground.botapi.params import Upload, as_int
from ownerbot.playground.botapi.state import Chat, EmulatorState

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_MEDIA_KEYS = ("photo", "document", "voice", "audio", "video", "animation")


def _requested_chat_id(params: JsonDict) -> int:
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise bad("chat_id is empty")
    chat_id = as_int(raw)
    if chat_id is None:
        raise bad("chat not found")
    return chat_id


def _set_optional(message: JsonDict, key: str, value: object) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


class MessageMethods(EmulatorState, FileStore):
    """Bot API methods that send, edit and delete the bot's messages."""

    # ------------------------------------------------------------------ finding chats and messages

    def _target_chat(self, params: JsonDict) -> Chat:
        """The chat a send call addresses (created on first contact, as Telegram knows every user)."""
        chat_id = _requested_chat_id(params)
        if chat_id in self.blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._chats and self.reject_unknown_chats:
            raise bad("chat not found")
        return self._ensure_chat(chat_id, "private" if chat_id > 0 else "group")

    def _known_chat(self, chat_id: int | None) -> Chat:
        chat = None if chat_id is None else self._chats.get(chat_id)
        if chat is None:
            raise bad("chat not found")
        return chat

    def _existing_message(self, params: JsonDict, verb: str) -> tuple[Chat, JsonDict]:
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._known_chat(_requested_chat_id(params))
        message_id = as_int(params.get("message_id"))
        if message_id is None:
            raise bad("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad(f"message to {verb} not found")
        return chat, message

    def _editable(self, params: JsonDict) -> JsonDict:
        _chat, message = self._existing_message(params, "edit")
        if not message.get("from", {}).get("is_bot"):
            raise bad("message can't be edited")
        return message

    def _reply_target(self, chat: Chat, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        target_id: int | None = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target_id = as_int(reply.get("message_id"))
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            target_id = as_int(params.get("reply_to_message_id"))
        if target_id is None:
            return None
        target = chat.messages.get(target_id)
        if target is None:
            if allow_missing:
                return None
            raise bad("message to be replied not found")
        quoted = copy.deepcopy(target)
        quoted.pop("reply_to_message", None)
        return quoted

    # ------------------------------------------------------------------ sending

    def _bot_draft(self, chat: Chat, params: JsonDict) -> tuple[JsonDict, JsonDict | None]:
        """A new bot message (quoting the message it replies to) and the reply_markup to attach."""
        markup = parse_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._new_message(chat, bot_sender(self._bot_user))
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message, markup

    def _bot_posts(self, chat: Chat, message: JsonDict, markup: JsonDict | None) -> JsonDict:
        apply_markup(chat, message, markup)
        chat.messages[message["message_id"]] = message
        chat.action = None
        self._history.bump()
        return copy.deepcopy(message)

    async def _send_message(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        chat = self._target_chat(params)
        parsed = text_and_entities(params, "text", limit=MAX_TEXT_LENGTH, required=True)
        assert parsed is not None
        message, markup = self._bot_draft(chat, params)
        message["text"], entities = parsed
        if entities:
            message["entities"] = entities
        return self._bot_posts(chat, message, markup)

    async def _send_media(self, kind: str, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._resolve_file(params, uploads, kind)
        caption = text_and_entities(params, "caption", limit=MAX_CAPTION_LENGTH, required=False)
        message, markup = self._bot_draft(chat, params)
        if kind == "photo":
            message["photo"] = photo_sizes(stored)
        elif kind == "voice":
            duration = as_int(params.get("duration")) or 0
            message["voice"] = voice_object(stored, duration, stored.mime_type or "audio/ogg")
        else:
            message["document"] = document_object(stored)
        if caption is not None:
            message["caption"], entities = caption
            if entities:
                message["caption_entities"] = entities
        return self._bot_posts(chat, message, markup)

    # ------------------------------------------------------------------ editing and deleting

    def _edited(self, message: JsonDict) -> JsonDict:
        message["edit_date"] = now()
        self._history.bump()
        return copy.deepcopy(message)

    async def _edit_message_text(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        message = self._editable(params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        parsed = text_and_entities(params, "text", limit=MAX_TEXT_LENGTH, required=True)
        assert parsed is not None
        text, entities = parsed
        markup = inline_markup(params)
        current = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == current:
            raise bad(NOT_MODIFIED)
        message["text"] = text
        _set_optional(message, "entities", entities)
        _set_optional(message, "reply_markup", markup)
        return self._edited(message)

    async def _edit_message_caption(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        message = self._editable(params)
        if not any(key in message for key in _MEDIA_KEYS):
            raise bad("there is no caption in the message to edit")
        parsed = text_and_entities(params, "caption", limit=MAX_CAPTION_LENGTH, required=False)
        caption, entities = parsed if parsed is not None else (None, [])
        markup = inline_markup(params)
        current = (message.get("caption"), message.get("caption_entities", []), message.get("reply_markup"))
        if (caption, entities, markup) == current:
            raise bad(NOT_MODIFIED)
        _set_optional(message, "caption", caption)
        _set_optional(message, "caption_entities", entities)
        _set_optional(message, "reply_markup", markup)
        return self._edited(message)

    async def _edit_message_reply_markup(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        message = self._editable(params)
        markup = inline_markup(params)
        if markup == message.get("reply_markup"):
            raise bad(NOT_MODIFIED)
        _set_optional(message, "reply_markup", markup)
        self._history.bump()
        return copy.deepcopy(message)

    async def _delete_message(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        chat, message = self._existing_message(params, "delete")
        del chat.messages[message["message_id"]]
        self._history.bump()
        return True

    async def _delete_messages(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad("message identifiers are not specified")
        chat = self._known_chat(as_int(params.get("chat_id")))
        for raw in ids:
            message_id = as_int(raw)
            if message_id is not None:
                chat.messages.pop(message_id, None)
        self._history.bump()
        return True
