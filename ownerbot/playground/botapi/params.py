"""Request parameters: reading a Bot API call's query, JSON or form body into typed values and uploads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ownerbot.playground.botapi.errors import bad
from ownerbot.playground.botapi.json_types import JsonDict

_INT_RE = re.compile(r"^-?\d+$")

# How form-encoded (string) parameters are decoded back into typed values.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "message_ids",
        "media",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "duration",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "width",
        "height",
        "max_connections",
        "user_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "disable_web_page_preview",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)


@dataclass
class Upload:
    """A file sent in a multipart form field."""

    filename: str | None
    content_type: str | None
    data: bytes


def as_int(value: Any) -> int | None:
    """``value`` as an integer (ints and integer strings; never bools), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    return None


def _coerce_param(key: str, value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            if key == "reply_markup":
                raise bad("can't parse reply keyboard markup JSON object") from None
            raise bad(f'can\'t parse "{key}" JSON object') from None
    if key in _INT_PARAMS:
        number = as_int(value)
        return value if number is None else number
    if key in _BOOL_PARAMS:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


async def read_params(request: web.Request) -> tuple[JsonDict, dict[str, Upload]]:
    """The call's parameters (query string plus JSON or form body, decoded) and its uploaded files."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise bad("can't parse JSON encoded request parameters")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
    return {key: _coerce_param(key, value) for key, value in raw.items()}, uploads
