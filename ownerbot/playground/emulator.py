"""A local Telegram Bot API emulator that real aiogram talks to over HTTP, unchanged.

Point aiogram's default session at it with ``TelegramAPIServer.from_base(emulator.base_url)``.
Everything lives in memory: chats, pending updates, uploaded files. ``stop()`` only closes the HTTP
server, so a restart simulates Telegram being briefly unreachable without losing any state.

Tests (and the playground page) play the user's side with ``user_message``, ``press_button`` and
friends, and observe the bot through ``requests``, ``wait_for`` and ``chat_history``.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import logging
import mimetypes
import re
import secrets
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "StoredFile",
    "parse_html",
    "utf16_len",
]

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
MAX_POLL_TIMEOUT = 50
CHAT_ACTION_SECONDS = 5.0

BOT_FIRST_NAME = "OwnerBot"
BOT_USERNAME = "ownerbot_local_bot"

_INT_RE = re.compile(r"^-?\d+$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")

# Update types Telegram knows; anything else injected via inject_update() is always delivered.
KNOWN_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

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

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_POLL_CONFLICT = _DEFAULT_DESCRIPTIONS[409]
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        """The JSON body Telegram would send for this error."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
    """One Bot API request the emulator received, and what it answered."""

    method: str
    params: JsonDict
    result: object = None
    error: str | None = None
    error_code: int | None = None
    timestamp: float = field(default_factory=time.time)
    index: int = -1

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    @property
    def result_message(self) -> JsonDict:
        """The Message dict a successful send/edit call returned (``TypeError`` for other results)."""
        if not isinstance(self.result, dict) or "message_id" not in self.result:
            raise TypeError(f"{self.method} did not return a Message: {self.result!r}")
        return self.result

    def summary(self, width: int = 160) -> str:
        """A one-line description for failure messages."""
        params = _dumps(self.params, default=str)
        if len(params) > width:
            params = params[: width - 1] + "…"
        outcome = "ok" if self.ok else f"{self.error_code} {self.error}"
        return f"#{self.index} {self.method} {params} -> {outcome}"


@dataclass
class StoredFile:
    """A file held by the emulator (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def as_file(self) -> JsonDict:
        """The Bot API ``File`` object (what getFile returns)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Chat:
    info: JsonDict
    instance: str
    messages: dict[int, JsonDict] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: JsonDict | None = None
    action: tuple[str, float] | None = None


class _Changes:
    """A version counter async code can wait on; ``bump`` is safe to call from sync code."""

    def __init__(self) -> None:
        self.version = 0
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bump(self) -> None:
        self.version += 1
        if self._event is not None:
            self._event.set()
            self._event = None

    def _current_event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        return self._event

    async def wait(self, after: int, seconds: float) -> bool:
        """Wait until ``version > after``; False after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._current_event()
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return self.version > after
        return True


# ---------------------------------------------------------------------------------------------------------
# parse_mode=HTML, as Telegram understands it


class _HtmlParseError(Exception):
    pass


_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str | None = None


def _decode_html_entity(source: str, start: int) -> tuple[str | None, int]:
    semicolon = source.find(";", start + 1, start + 12)
    if semicolon < 0:
        return None, start
    body = source[start + 1 : semicolon]
    codepoint: int | None = None
    if body[:2] in ("#x", "#X"):
        digits = body[2:]
        if digits and all(c in "0123456789abcdefABCDEF" for c in digits):
            codepoint = int(digits, 16)
    elif body.startswith("#"):
        if body[1:].isdigit():
            codepoint = int(body[1:])
    elif body in _NAMED_HTML_ENTITIES:
        return _NAMED_HTML_ENTITIES[body], semicolon + 1
    if codepoint is None or not (0 < codepoint <= 0x10FFFF) or 0xD800 <= codepoint <= 0xDFFF:
        return None, start
    return chr(codepoint), semicolon + 1


def _decode_html_text(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded, end = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded)
                i = end
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_html_attributes(source: str, pos: int, tag: str, where: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``pos``; returns them and the index of the closing ``>``."""
    attrs: dict[str, str] = {}
    n = len(source)
    while True:
        while pos < n and source[pos].isspace():
            pos += 1
        if pos >= n:
            raise _HtmlParseError(f"Unclosed start tag at byte offset {where}")
        if source[pos] == ">":
            return attrs, pos
        end = pos
        while end < n and (source[end].isalnum() or source[end] in "-_"):
            end += 1
        name = source[pos:end].lower()
        if not name:
            raise _HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {where}')
        pos = end
        while pos < n and source[pos].isspace():
            pos += 1
        value = ""
        if pos < n and source[pos] == "=":
            pos += 1
            while pos < n and source[pos].isspace():
                pos += 1
            if pos >= n:
                raise _HtmlParseError(f"Unclosed start tag at byte offset {where}")
            if source[pos] in "\"'":
                close = source.find(source[pos], pos + 1)
                if close < 0:
                    raise _HtmlParseError(f"Unclosed start tag at byte offset {where}")
                value = _decode_html_text(source[pos + 1 : close])
                pos = close + 1
            else:
                end = pos
                while end < n and not source[end].isspace() and source[end] != ">":
                    end += 1
                value = _decode_html_text(source[pos:end])
                pos = end
        attrs[name] = value


def _html_entity(tag: _OpenTag, end: int, parent: _OpenTag | None) -> JsonDict | None:
    length = end - tag.offset
    kind = _HTML_TAG_TYPES[tag.name]
    entity: JsonDict = {"type": kind, "offset": tag.offset, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "").strip()
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "code":
        css_class = tag.attrs.get("class", "")
        if parent is not None and parent.name == "pre" and css_class.startswith("language-"):
            parent.language = css_class.removeprefix("language-")
            return None
    elif tag.name == "pre":
        if tag.language:
            entity["language"] = tag.language
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    return entity if length > 0 else None


def parse_html(source: str) -> tuple[str, list[JsonDict]]:
    """Turn Telegram-flavoured HTML into plain text and MessageEntity dicts (UTF-16 offsets).

    Raises ``ApiError`` 400 ("can't parse entities: ...") for markup Telegram would reject, e.g.
    unsupported tags like ``<br>`` or an unescaped ``<``.
    """
    try:
        return _parse_html(source)
    except _HtmlParseError as exc:
        raise _bad(f"can't parse entities: {exc}") from None


def _parse_html(source: str) -> tuple[str, list[JsonDict]]:
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    i, n = 0, len(source)

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while i < n:
        char = source[i]
        if char == "&":
            decoded, end = _decode_html_entity(source, i)
            if decoded is not None:
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = end
                continue
        if char != "<":
            out.append(char)
            pos16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            close = source.find(">", i)
            if close < 0:
                raise _HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            name = source[i + 1 : close].strip().lower()
            if not stack:
                raise _HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            top = stack.pop()
            if name and name != top.name:
                raise _HtmlParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            entity = _html_entity(top, pos16, stack[-1] if stack else None)
            if entity is not None:
                entities.append(entity)
            i = close + 1
            continue
        end = i
        while end < n and not source[end].isspace() and source[end] != ">":
            end += 1
        if end >= n:
            raise _HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        name = source[i:end].lower()
        if name not in _HTML_TAG_TYPES:
            raise _HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}')
        attrs, close = _parse_html_attributes(source, end, name, byte_offset(begin))
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_offset(begin)}'
            )
        stack.append(_OpenTag(name, attrs, pos16))
        i = close + 1
    if stack:
        raise _HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _as_int(value: Any) -> int | None:
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
                raise _bad("can't parse reply keyboard markup JSON object") from None
            raise _bad(f'can\'t parse "{key}" JSON object') from None
    if key in _INT_PARAMS:
        number = _as_int(value)
        return value if number is None else number
    if key in _BOOL_PARAMS:
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


def _image_info(data: bytes) -> tuple[str, int, int] | None:
    """(extension, width, height) for PNG/JPEG/GIF/WEBP/BMP data, None when it is not an image."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            width, height = struct.unpack(">II", data[16:24])
            return "png", width, height
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return "gif", width, height
        if data.startswith(b"\xff\xd8"):
            return "jpg", *_jpeg_size(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "webp", *_webp_size(data)
        if data.startswith(b"BM"):
            width, height = struct.unpack("<ii", data[18:26])
            return "bmp", width, abs(height)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xFF or marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 1 if marker == 0xFF else 2
            continue
        (segment,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + segment
    return 0, 0


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return 0, 0


def _command_entities(text: str) -> list[JsonDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    if len(command) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict):
        return "default"
    kind = str(scope.get("type", "default"))
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


def _update_type(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")


# File kinds: (folder in file_path, file_id prefix, default extension)
_FILE_KINDS = {
    "photo": ("photos", "AgACAgIAAxkBAA", "jpg"),
    "document": ("documents", "BQACAgIAAxkBAA", "bin"),
    "voice": ("voice", "AwACAgIAAxkBAA", "oga"),
    "sticker": ("stickers", "CAACAgIAAxkBAA", "webp"),
    "audio": ("music", "CQACAgIAAxkBAA", "mp3"),
}

# A tiny but well-formed lossless WEBP (1x1) used as sticker content.
_STICKER_WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f00000010071011118888fe0700")

Handler = Callable[[JsonDict, dict[str, _Upload]], Awaitable[Any]]


# ---------------------------------------------------------------------------------------------------------


class BotApiEmulator:
    """An in-memory Telegram Bot API server (aiohttp) plus the user's side of every chat.

    Add extra routes to ``app`` (see ``ownerbot.playground.web``) before the first ``start()``.
    """

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        self.app.router.add_route("GET", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_route("POST", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)

        self.requests: list[ApiCall] = []
        self.callback_answers: dict[str, JsonDict] = {}
        self.callback_queries: dict[str, JsonDict] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.bot_settings: dict[str, JsonDict] = {}
        self.files: dict[str, StoredFile] = {}
        self.blocked_users: set[int] = set()
        self.reject_unknown_chats = False
        self.webhook: JsonDict | None = None

        self._bot_user: JsonDict = self._make_bot_user(0)
        self._users: dict[int, JsonDict] = {}
        self._chats: dict[int, _Chat] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._pending: list[JsonDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._polling = 0
        self._callback_counter = 0
        self._failures: dict[str, deque[ApiError]] = {}

        self._updates_changed = _Changes()
        self._history = _Changes()
        self._pollers_changed = _Changes()
        self._calls_cond_by_loop: tuple[asyncio.AbstractEventLoop, asyncio.Condition] | None = None
        self._closing = False

        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

        self._methods: dict[str, tuple[str, Handler]] = {}
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
        for name, handler in handlers.items():
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ server lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on ``host:port`` (0 = any free port); returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self._port = int(runner.addresses[0][1])
        log.info("Bot API emulator listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Stop the HTTP server; chats, pending updates and files are kept."""
        runner = self._runner
        if runner is None:
            return
        self._closing = True
        self._updates_changed.bump()
        self._history.bump()
        try:
            await runner.cleanup()
        finally:
            self._runner = None
            self._closing = False

    async def restart(self) -> str:
        """Stop (if running) and start again on the same host and port."""
        if self._port is None:
            raise RuntimeError("the emulator was never started")
        await self.stop()
        return await self.start(self._host, self._port)

    @property
    def running(self) -> bool:
        """True while the HTTP server is up."""
        return self._runner is not None

    @property
    def port(self) -> int:
        """The TCP port (fixed after the first start)."""
        if self._port is None:
            raise RuntimeError("the emulator was never started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port`` — pass it to ``TelegramAPIServer.from_base``."""
        return f"http://{self._host}:{self.port}"

    @property
    def bot_user(self) -> JsonDict:
        """The bot's User object (id taken from the token of the latest request)."""
        return copy.deepcopy(self._bot_user)

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        call = ApiCall(method=entry[0] if entry else name, params={})
        try:
            if not TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized")
            self._bot_user = self._make_bot_user(int(token.split(":", 1)[0]))
            params, uploads = await self._read_params(request)
            call.params = params
            for key, upload in uploads.items():
                call.params[key] = {
                    "file_name": upload.filename,
                    "content_type": upload.content_type,
                    "size": len(upload.data),
                }
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            self._raise_injected_failure(entry[0])
            call.result = await entry[1](params, uploads)
        except ApiError as exc:
            call.error, call.error_code = exc.description, exc.status
            status, body = exc.status, exc.payload()
        except Exception:
            log.exception("Bot API emulator failed on %s", call.method)
            call.error, call.error_code = "Internal Server Error", 500
            status, body = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        else:
            status, body = 200, {"ok": True, "result": call.result}
        await self._record(call)
        return web.json_response(body, status=status, dumps=_dumps)

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, _Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, _Upload] = {}
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON encoded request parameters") from None
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON encoded request parameters")
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
        return {key: _coerce_param(key, value) for key, value in raw.items()}, uploads

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if not TOKEN_RE.match(request.match_info["token"]):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    def _calls_cond(self) -> asyncio.Condition:
        """The condition notified on every recorded call (one per event loop, so tests may switch loops)."""
        loop = asyncio.get_running_loop()
        if self._calls_cond_by_loop is None or self._calls_cond_by_loop[0] is not loop:
            self._calls_cond_by_loop = (loop, asyncio.Condition())
        return self._calls_cond_by_loop[1]

    async def _record(self, call: ApiCall) -> None:
        call.index = len(self.requests)
        self.requests.append(call)
        if call.ok:
            log.debug("bot api %s ok", call.method)
        else:
            log.debug("bot api %s -> %s %s", call.method, call.error_code, call.error)
        condition = self._calls_cond()
        async with condition:
            condition.notify_all()

    def _raise_injected_failure(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if queue:
            error = queue.popleft()
            raise ApiError(error.status, error.description, copy.deepcopy(error.parameters))

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (e.g. 429, 502, 403)."""
        parameters: JsonDict | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        if description is None:
            description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(ApiError(status, description, parameters))

    # ------------------------------------------------------------------ observing the bot

    def mark(self) -> int:
        """The current number of recorded calls; pass it as ``start`` to wait only for newer calls."""
        return len(self.requests)

    def calls(self, method: str) -> list[ApiCall]:
        """All recorded calls of ``method``."""
        return [call for call in self.requests if call.method == method]

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the emulator's public test API
        *,
        start: int = 0,
    ) -> ApiCall:
        """The first call at index >= ``start`` matching ``predicate`` (already received or future).

        Raises ``TimeoutError`` listing the latest calls when none arrives within ``timeout`` seconds.
        """
        checked = start
        condition = self._calls_cond()
        try:
            async with asyncio.timeout(timeout), condition:
                while True:
                    while checked < len(self.requests):
                        call = self.requests[checked]
                        checked += 1
                        if predicate(call):
                            return call
                    await condition.wait()
        except TimeoutError:
            raise TimeoutError(
                self._describe_calls(f"no matching Bot API call within {timeout}s", start)
            ) from None

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the emulator's public test API
        start: int = 0,
    ) -> ApiCall:
        """Wait for a successful send/edit of a message to ``chat_id`` (optionally containing a substring)."""
        methods = {
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendVoice",
            "editMessageText",
            "editMessageCaption",
        }

        def matches(call: ApiCall) -> bool:
            if call.method not in methods or not call.ok or _as_int(call.params.get("chat_id")) != chat_id:
                return False
            if contains is None:
                return True
            result = call.result if isinstance(call.result, dict) else {}
            texts = (
                call.params.get("text"),
                call.params.get("caption"),
                result.get("text"),
                result.get("caption"),
            )
            return any(isinstance(text, str) and contains in text for text in texts)

        try:
            return await self.wait_for(matches, timeout, start=start)
        except TimeoutError:
            what = f"no message to chat {chat_id}" + (f" containing {contains!r}" if contains else "")
            raise TimeoutError(self._describe_calls(f"{what} within {timeout}s", start)) from None

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is parked in the emulator (the bot is listening)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._polling == 0:
            version = self._pollers_changed.version
            if not await self._pollers_changed.wait(version, deadline - loop.time()):
                raise TimeoutError(self._describe_calls(f"no getUpdates long poll within {timeout}s", 0))

    def _describe_calls(self, headline: str, start: int) -> str:
        tail = self.requests[start:]
        shown = [c for c in tail if not (c.method == "getUpdates" and c.ok and not c.result)]
        skipped = len(tail) - len(shown)
        lines = [
            f"{headline}; {len(tail)} call(s) since #{start}"
            + (f" ({skipped} empty getUpdates)" if skipped else "")
        ]
        lines += ["  " + call.summary() for call in shown[-15:]]
        if not shown:
            lines.append("  (no calls)")
        return "\n".join(lines)

    def chat_history(self, chat_id: int) -> list[JsonDict]:
        """The chat as a Telegram client shows it now: edits applied, deleted messages gone."""
        chat = self._chats.get(chat_id)
        return [] if chat is None else [copy.deepcopy(m) for m in chat.messages.values()]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """One message as it is now, or None."""
        chat = self._chats.get(chat_id)
        found = None if chat is None else chat.messages.get(message_id)
        return copy.deepcopy(found)

    def reply_keyboard(self, chat_id: int) -> JsonDict | None:
        """The reply keyboard (ReplyKeyboardMarkup) currently shown in the chat, if any."""
        chat = self._chats.get(chat_id)
        return None if chat is None else copy.deepcopy(chat.reply_keyboard)

    def chat_action(self, chat_id: int) -> str | None:
        """The chat action (e.g. "typing") the bot set in the last few seconds, if any."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.action is None:
            return None
        action, at = chat.action
        return action if time.monotonic() - at < CHAT_ACTION_SECONDS else None

    def get_commands(self, scope: str = "default", language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope key ("default", "chat:42", ...) and language."""
        return copy.deepcopy(self.commands.get((scope, language_code), []))

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via getUpdates offset)."""
        return copy.deepcopy(self._pending)

    @property
    def history_version(self) -> int:
        """Grows on every visible change in any chat (used by the playground page to long-poll)."""
        return self._history.version

    async def wait_for_change(self, after: int, timeout: float) -> int:  # noqa: ASYNC109
        """Wait until ``history_version > after`` (or timeout / server stop); returns the version."""
        if not self._closing:
            await self._history.wait(after, timeout)
        return self._history.version

    # ------------------------------------------------------------------ the user's side

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
        message = self._new_message(chat, user)
        message["text"] = text
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        return self._user_posts(chat, message)

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
        message["text"] = new_text
        message.pop("entities", None)
        entities = _command_entities(new_text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = _now()
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
        stored = self.store_file(_STICKER_WEBP, kind="sticker", mime_type="image/webp")
        message = self._new_message(chat, user)
        message["sticker"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "OwnerBotPlayground",
            "file_size": stored.size,
        }
        return self._user_posts(chat, message)

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
        message = self._new_message(chat, user)
        message["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": max(0, int(duration)),
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        return self._user_posts(chat, message)

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
        message = self._new_message(chat, user)
        message["document"] = self._document_object(stored)
        if caption:
            message["caption"] = caption
        return self._user_posts(chat, message)

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
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
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

    def inject_update(self, raw: JsonDict) -> int:
        """Queue an arbitrary raw update (update_id assigned when missing); returns its update_id."""
        update = copy.deepcopy(raw)
        if "update_id" in update:
            update_id = int(update["update_id"])
            self._next_update_id = max(self._next_update_id, update_id + 1)
            self._pending.append(update)
            self._updates_changed.bump()
            return update_id
        return self._push_update(update)

    def store_file(
        self, data: bytes, *, kind: str, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        """Keep ``data`` as a Telegram file (kind: photo, document, voice, sticker, audio)."""
        folder, prefix, extension = _FILE_KINDS.get(kind, ("documents", "BQACAgIAAxkBAA", "bin"))
        if kind == "photo":
            info = _image_info(data)
            extension = info[0] if info else extension
        elif file_name and "." in file_name:
            extension = file_name.rsplit(".", 1)[1].lower() or extension
        self._file_counter += 1
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(42),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=f"{folder}/file_{self._file_counter}.{extension}",
            data=bytes(data),
            kind=kind,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _user_chat(
        self, user_id: int, chat_id: int | None, language_code: str, first_name: str, chat_type: str | None
    ) -> tuple[_Chat, JsonDict]:
        user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        self._users[user_id] = user
        target = user_id if chat_id is None else chat_id
        existing = self._chats.get(target)
        if existing is not None:
            return existing, user
        kind = chat_type or ("private" if target > 0 else "group")
        if kind != "private" and chat_id is None:
            raise ValueError("a group chat needs an explicit chat_id")
        return self._ensure_chat(target, kind), user

    def _user_posts(self, chat: _Chat, message: JsonDict) -> JsonDict:
        chat.messages[message["message_id"]] = message
        self._history.bump()
        self._push_update({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _push_update(self, payload: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **payload})
        self._updates_changed.bump()
        return update_id

    # ------------------------------------------------------------------ chats and messages

    def _ensure_chat(self, chat_id: int, chat_type: str = "private") -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_type == "private":
                user = self._users.get(chat_id, {})
                info: JsonDict = {
                    "id": chat_id,
                    "first_name": user.get("first_name", "User"),
                    "type": "private",
                }
            else:
                info = {"id": chat_id, "title": "Group chat", "type": chat_type}
            chat = _Chat(info=info, instance=str(secrets.randbelow(9 * 10**18) + 10**18))
            self._chats[chat_id] = chat
        return chat

    def _new_message(self, chat: _Chat, sender: JsonDict) -> JsonDict:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {
            "message_id": message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat.info),
            "date": _now(),
        }

    def _make_bot_user(self, bot_id: int) -> JsonDict:
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _bot_sender(self) -> JsonDict:
        return {key: self._bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _target_chat(self, params: JsonDict) -> _Chat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = _as_int(raw)
        if chat_id is None:
            raise _bad("chat not found")
        if chat_id in self.blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._chats and self.reject_unknown_chats:
            raise _bad("chat not found")
        return self._ensure_chat(chat_id, "private" if chat_id > 0 else "group")

    def _existing_message(self, params: JsonDict, verb: str) -> tuple[_Chat, JsonDict]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat_id = _as_int(raw)
        chat = None if chat_id is None else self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad(f"message to {verb} not found")
        return chat, message

    def _editable(self, params: JsonDict) -> tuple[_Chat, JsonDict]:
        chat, message = self._existing_message(params, "edit")
        if not message.get("from", {}).get("is_bot"):
            raise _bad("message can't be edited")
        return chat, message

    def _text_and_entities(
        self, params: JsonDict, key: str, *, limit: int, required: bool
    ) -> tuple[str, list[JsonDict]] | None:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None
        text = raw if isinstance(raw, str) else str(raw)
        entities_key = "entities" if key == "text" else "caption_entities"
        entities: list[JsonDict] = []
        parse_mode = params.get("parse_mode")
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                text, entities = parse_html(text)
            elif mode not in ("markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
            # Markdown modes are not emulated: the text is kept as given, without entities.
        elif isinstance(params.get(entities_key), list):
            entities = [e for e in params[entities_key] if isinstance(e, dict)]
        if not text.strip():
            if required:
                raise _bad("message text is empty")
            return None
        if utf16_len(text) > limit:
            raise _bad("message is too long" if key == "text" else "message caption is too long")
        return text, entities

    def _parse_markup(self, raw: Any) -> JsonDict | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array")
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
            return {"inline_keyboard": copy.deepcopy(rows)}
        if "keyboard" in raw or raw.get("remove_keyboard") or raw.get("force_reply"):
            return copy.deepcopy(raw)
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not button["text"].strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in button if key != "text"]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _apply_markup(self, chat: _Chat, message: JsonDict, markup: JsonDict | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def _reply_target(self, chat: _Chat, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        target_id: int | None = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            target_id = _as_int(params.get("reply_to_message_id"))
        if target_id is None:
            return None
        target = chat.messages.get(target_id)
        if target is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        quoted = copy.deepcopy(target)
        quoted.pop("reply_to_message", None)
        return quoted

    def _bot_posts(self, chat: _Chat, message: JsonDict) -> JsonDict:
        chat.messages[message["message_id"]] = message
        chat.action = None
        self._history.bump()
        return copy.deepcopy(message)

    @staticmethod
    def _document_object(stored: StoredFile) -> JsonDict:
        document: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        document["file_size"] = stored.size
        return document

    # ------------------------------------------------------------------ Bot API methods

    async def _just_true(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        return True

    async def _get_me(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        return copy.deepcopy(self._bot_user)

    def _store_setting(self, method: str) -> Handler:
        async def handler(params: JsonDict, uploads: dict[str, _Upload]) -> bool:
            self.bot_settings[method] = copy.deepcopy(params)
            return True

        return handler

    async def _get_updates(self, params: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = min(max(_as_int(params.get("timeout")) or 0, 0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if self.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        if offset:
            self._confirm_updates(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.bump()  # an older parked poll must now give up with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)
            version = self._updates_changed.version
            batch = self._deliverable_updates(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            self._polling += 1
            self._pollers_changed.bump()
            try:
                await self._updates_changed.wait(version, remaining)
            finally:
                self._polling -= 1

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        else:
            self._pending = self._pending[offset:]

    def _deliverable_updates(self, limit: int) -> list[JsonDict]:
        allowed = set(self._allowed_updates or ()) or (KNOWN_UPDATE_TYPES - _OPT_IN_UPDATE_TYPES)
        kept: list[JsonDict] = []
        for update in self._pending:
            kind = _update_type(update)
            if kind in KNOWN_UPDATE_TYPES and kind not in allowed:
                continue  # Telegram never delivers update types the bot did not ask for
            kept.append(update)
        self._pending = kept
        return copy.deepcopy(kept[:limit])

    async def _set_webhook(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        url = params.get("url")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if not url:
            self.webhook = None
            return True
        self.webhook = {key: value for key, value in params.items() if key != "certificate"}
        return True

    async def _delete_webhook(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["url"] = str(self.webhook.get("url", ""))
            info["max_connections"] = _as_int(self.webhook.get("max_connections")) or 40
            if isinstance(self.webhook.get("allowed_updates"), list):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _commands_key(self, params: JsonDict) -> tuple[str, str]:
        return _scope_key(params.get("scope")), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" is required')
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("BOT_COMMAND_INVALID")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not _COMMAND_RE.match(command):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._commands_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> list[JsonDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(params)
        parsed = self._text_and_entities(params, "text", limit=MAX_TEXT_LENGTH, required=True)
        assert parsed is not None
        markup = self._parse_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._new_message(chat, self._bot_sender())
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message["text"], entities = parsed
        if entities:
            message["entities"] = entities
        self._apply_markup(chat, message, markup)
        return self._bot_posts(chat, message)

    async def _send_media(self, kind: str, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        chat = self._target_chat(params)
        stored = self._resolve_file(params, uploads, kind)
        caption = self._text_and_entities(params, "caption", limit=MAX_CAPTION_LENGTH, required=False)
        markup = self._parse_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message = self._new_message(chat, self._bot_sender())
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if kind == "photo":
            info = _image_info(stored.data)
            width, height = (info[1], info[2]) if info else (0, 0)
            message["photo"] = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": width,
                    "height": height,
                }
            ]
        elif kind == "voice":
            message["voice"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": max(0, _as_int(params.get("duration")) or 0),
                "mime_type": stored.mime_type or "audio/ogg",
                "file_size": stored.size,
            }
        else:
            message["document"] = self._document_object(stored)
        if caption is not None:
            message["caption"], entities = caption
            if entities:
                message["caption_entities"] = entities
        self._apply_markup(chat, message, markup)
        return self._bot_posts(chat, message)

    def _resolve_file(self, params: JsonDict, uploads: dict[str, _Upload], kind: str) -> StoredFile:
        value = params.get(kind)
        upload = uploads.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
        if upload is not None:
            if not upload.data:
                raise _bad("file must be non-empty")
            mime_type = upload.content_type
            if not mime_type or mime_type == "application/octet-stream":
                guessed = mimetypes.guess_type(upload.filename or "")[0]
                mime_type = guessed or mime_type
            if kind == "photo":
                info = _image_info(upload.data)
                if info is None:
                    raise _bad("IMAGE_PROCESS_FAILED")
                mime_type = "image/jpeg" if info[0] == "jpg" else f"image/{info[0]}"
            elif kind == "voice":
                mime_type = mime_type if mime_type and mime_type.startswith("audio/") else "audio/ogg"
            return self.store_file(upload.data, kind=kind, file_name=upload.filename, mime_type=mime_type)
        if not value:
            raise _bad(f"there is no {kind} in the request")
        stored = self.files.get(value) if isinstance(value, str) else None
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return stored

    async def _edit_message_text(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        _chat, message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        parsed = self._text_and_entities(params, "text", limit=MAX_TEXT_LENGTH, required=True)
        assert parsed is not None
        text, entities = parsed
        markup = self._inline_markup(params)
        if (text, entities, markup) == (
            message["text"],
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise _bad(_NOT_MODIFIED)
        message["text"] = text
        self._set_optional(message, "entities", entities)
        self._set_optional(message, "reply_markup", markup)
        message["edit_date"] = _now()
        self._history.bump()
        return copy.deepcopy(message)

    async def _edit_message_caption(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        _chat, message = self._editable(params)
        if not any(key in message for key in ("photo", "document", "voice", "audio", "video", "animation")):
            raise _bad("there is no caption in the message to edit")
        parsed = self._text_and_entities(params, "caption", limit=MAX_CAPTION_LENGTH, required=False)
        caption, entities = parsed if parsed is not None else (None, [])
        markup = self._inline_markup(params)
        current = (message.get("caption"), message.get("caption_entities", []), message.get("reply_markup"))
        if (caption, entities, markup) == current:
            raise _bad(_NOT_MODIFIED)
        self._set_optional(message, "caption", caption)
        self._set_optional(message, "caption_entities", entities)
        self._set_optional(message, "reply_markup", markup)
        message["edit_date"] = _now()
        self._history.bump()
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        _chat, message = self._editable(params)
        markup = self._inline_markup(params)
        if markup == message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        self._set_optional(message, "reply_markup", markup)
        self._history.bump()
        return copy.deepcopy(message)

    def _inline_markup(self, params: JsonDict) -> JsonDict | None:
        markup = self._parse_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        if markup is not None and not any(markup["inline_keyboard"]):
            return None
        return markup

    @staticmethod
    def _set_optional(message: JsonDict, key: str, value: Any) -> None:
        if value:
            message[key] = value
        else:
            message.pop(key, None)

    async def _delete_message(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        chat, message = self._existing_message(params, "delete")
        del chat.messages[message["message_id"]]
        self._history.bump()
        return True

    async def _delete_messages(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad("message identifiers are not specified")
        chat_id = _as_int(params.get("chat_id"))
        chat = None if chat_id is None else self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        for raw in ids:
            message_id = _as_int(raw)
            if message_id is not None:
                chat.messages.pop(message_id, None)
        self._history.bump()
        return True

    async def _answer_callback_query(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise _bad(_QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        answer: JsonDict = {"show_alert": bool(params.get("show_alert", False))}
        for key in ("text", "url", "cache_time"):
            if params.get(key) is not None:
                answer[key] = params[key]
        self.callback_answers[query_id] = answer
        self._history.bump()
        return True

    async def _send_chat_action(self, params: JsonDict, uploads: dict[str, _Upload]) -> bool:
        chat = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat.action = (str(action), time.monotonic())
        self._history.bump()
        return True

    async def _get_file(self, params: JsonDict, uploads: dict[str, _Upload]) -> JsonDict:
        file_id = params.get("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        stored = self.files.get(str(file_id))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return stored.as_file()


def iter_inline_buttons(message: JsonDict) -> Iterable[JsonDict]:
    """Every inline keyboard button of a Message dict, row by row."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        yield from row
