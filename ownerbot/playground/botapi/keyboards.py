"""Keyboards: validating a call's ``reply_markup`` and applying it to a message or chat."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from ownerbot.playground.botapi.errors import bad
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.state import Chat

MAX_CALLBACK_DATA_BYTES = 64


def parse_markup(raw: Any) -> JsonDict | None:
    """The validated reply_markup (inline, reply keyboard, removal or force reply), None when absent."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return {"inline_keyboard": copy.deepcopy(rows)}
    if "keyboard" in raw or raw.get("remove_keyboard") or raw.get("force_reply"):
        return copy.deepcopy(raw)
    raise bad("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"].strip():
        raise bad("BUTTON_TEXT_INVALID")
    actions = [key for key in button if key != "text"]
    if not actions:
        raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def inline_markup(params: JsonDict) -> JsonDict | None:
    """The reply_markup of an edit call: inline keyboards only; an empty one means "remove"."""
    markup = parse_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad("inline keyboard expected")
    if markup is not None and not any(markup["inline_keyboard"]):
        return None
    return markup


def apply_markup(chat: Chat, message: JsonDict, markup: JsonDict | None) -> None:
    """Attach an inline keyboard to the message, or show/remove the chat's reply keyboard."""
    if markup is None:
        return
    if "inline_keyboard" in markup:
        message["reply_markup"] = markup
    elif "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None


def iter_inline_buttons(message: JsonDict) -> Iterable[JsonDict]:
    """Every inline keyboard button of a Message dict, row by row."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        yield from row
