"""The playground chat page and its small JSON API, served by the Bot API emulator's own aiohttp app.

Routes (all on the emulator's port):

* ``GET /`` — the page; ``GET /pg/static/*`` — its script and styles.
* ``GET /pg/api/chat?user=<id>&after=<version>&wait=<seconds>`` — the user's private chat with the bot.
  Waits (up to ``wait`` s, max 25) until the emulator's history version exceeds ``after``, then answers
  ``{"version", "messages", "reply_keyboard", "typing", "answers", ...}``; the page long-polls it.
* ``POST /pg/api/send`` ``{"user", "text"}``, ``POST /pg/api/press`` ``{"user", "message_id", "data"}``,
  ``POST /pg/api/voice`` (multipart: ``user``, ``file``, optional ``duration``) — act as the user.
* ``GET /pg/files/<file_id>`` — bytes of a stored file (photos inline, documents as attachments).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ownerbot.playground.emulator import BotApiEmulator, JsonDict

__all__ = ["OWNER_LABEL", "STATIC_DIR", "STRANGER_LABEL", "attach_playground_routes", "entities_to_html"]

STATIC_DIR = Path(__file__).with_name("static")
OWNER_LABEL = "Владелец (демо)"
STRANGER_LABEL = "Незнакомец"
OWNER_FIRST_NAME = "Владелец"
STRANGER_FIRST_NAME = "Незнакомец"
MAX_WAIT_SECONDS = 25.0
MAX_VOICE_BYTES = 20 * 1024 * 1024
ANSWERS_SHOWN = 20

_SAFE_URL_PREFIXES = ("http://", "https://", "tg://", "mailto:")
_SIMPLE_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}


def _link_tags(url: str) -> tuple[str, str] | None:
    if not url.lower().startswith(_SAFE_URL_PREFIXES):
        return None
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">', "</a>"


def _tags_for(entity: JsonDict, covered_text: str) -> tuple[str, str] | None:
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        return _SIMPLE_TAGS[str(kind)]
    if kind == "pre":
        language = entity.get("language")
        if language:
            return f'<pre data-language="{html.escape(str(language), quote=True)}">', "</pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return _link_tags(str(entity.get("url", "")))
    if kind == "url":
        url = covered_text if "://" in covered_text else f"https://{covered_text}"
        return _link_tags(url)
    return None


def entities_to_html(text: str, entities: list[JsonDict] | None) -> str:
    """Render message text + MessageEntity list (UTF-16 offsets) as safe HTML.

    All text is escaped; only <b>, <i>, <u>, <s>, <code>, <pre>, <blockquote>, spoiler spans and
    <a href> with http(s)/tg/mailto links are produced. Overlapping entities are split so the output
    is always well nested.
    """
    # Map UTF-16 offsets to Python string indices.
    index_of: dict[int, int] = {}
    position = 0
    for index, char in enumerate(text):
        index_of[position] = index
        position += 2 if ord(char) > 0xFFFF else 1
    index_of[position] = len(text)
    total = position

    def to_index(offset: int) -> int:
        while offset not in index_of and offset > 0:
            offset -= 1
        return index_of.get(offset, 0)

    spans: list[tuple[int, int, str, str]] = []
    for entity in entities or []:
        try:
            start = max(0, int(entity["offset"]))
            end = min(total, start + int(entity["length"]))
        except (KeyError, TypeError, ValueError):
            continue
        if end <= start:
            continue
        tags = _tags_for(entity, text[to_index(start) : to_index(end)])
        if tags is not None:
            spans.append((start, end, tags[0], tags[1]))
    spans.sort(key=lambda span: (span[0], -span[1]))

    boundaries = sorted({0, total} | {s for s, _, _, _ in spans} | {e for _, e, _, _ in spans})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pending = list(spans)
    for number, boundary in enumerate(boundaries):
        if any(span[1] <= boundary for span in stack):
            reopen: list[tuple[int, int, str, str]] = []
            while any(span[1] <= boundary for span in stack):
                top = stack.pop()
                out.append(top[3])
                if top[1] > boundary:
                    reopen.append(top)
            for span in reversed(reopen):
                out.append(span[2])
                stack.append(span)
        while pending and pending[0][0] == boundary:
            span = pending.pop(0)
            out.append(span[2])
            stack.append(span)
        if number + 1 < len(boundaries):
            out.append(html.escape(text[to_index(boundary) : to_index(boundaries[number + 1])], quote=False))
    while stack:
        out.append(stack.pop()[3])
    return "".join(out)


class _Playground:
    """Request handlers bound to one emulator and the two demo users."""

    def __init__(self, emulator: BotApiEmulator, owner_id: int, stranger_id: int) -> None:
        self.emulator = emulator
        self.template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
        self.users = {
            owner_id: {"id": owner_id, "label": OWNER_LABEL, "first_name": OWNER_FIRST_NAME},
            stranger_id: {"id": stranger_id, "label": STRANGER_LABEL, "first_name": STRANGER_FIRST_NAME},
        }
        self.owner_id = owner_id

    # -- helpers

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"ok": False, "error": message}, status=status)

    def _user(self, raw: Any) -> dict[str, Any]:
        try:
            user_id = int(raw)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="unknown user") from None
        user = self.users.get(user_id)
        if user is None:
            raise web.HTTPBadRequest(text="unknown user")
        return user

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return body

    def _file_url(self, file_id: str) -> str:
        return f"/pg/files/{quote(file_id, safe='')}"

    def _render(self, message: JsonDict) -> JsonDict:
        sender = message.get("from") or {}
        text = message.get("text")
        if isinstance(text, str):
            body_html = entities_to_html(text, message.get("entities"))
        else:
            caption = message.get("caption")
            body_html = (
                entities_to_html(caption, message.get("caption_entities")) if isinstance(caption, str) else ""
            )
        rendered: JsonDict = {
            "message_id": message["message_id"],
            "from": "bot" if sender.get("is_bot") else "user",
            "date": message.get("date"),
            "edited": "edit_date" in message,
            "html": body_html,
        }
        photo = message.get("photo")
        if isinstance(photo, list) and photo:
            largest = photo[-1]
            rendered["photo"] = {
                "url": self._file_url(largest["file_id"]),
                "width": largest.get("width"),
                "height": largest.get("height"),
            }
        document = message.get("document")
        if isinstance(document, dict):
            rendered["document"] = {
                "url": self._file_url(document["file_id"]),
                "file_name": document.get("file_name") or "file",
                "size": document.get("file_size"),
                "mime_type": document.get("mime_type"),
            }
        voice = message.get("voice")
        if isinstance(voice, dict):
            rendered["voice"] = {
                "url": self._file_url(voice["file_id"]),
                "duration": voice.get("duration", 0),
            }
        sticker = message.get("sticker")
        if isinstance(sticker, dict):
            rendered["sticker"] = {"emoji": sticker.get("emoji") or "🖼"}
        keyboard = message.get("reply_markup", {}).get("inline_keyboard")
        if keyboard:
            rendered["keyboard"] = [
                [
                    {key: button[key] for key in ("text", "callback_data", "url") if key in button}
                    for button in row
                ]
                for row in keyboard
            ]
        quoted = message.get("reply_to_message")
        if isinstance(quoted, dict):
            snippet = str(quoted.get("text") or quoted.get("caption") or "")
            rendered["reply_to"] = {"message_id": quoted.get("message_id"), "text": snippet[:80]}
        return rendered

    def _chat_payload(self, user_id: int) -> JsonDict:
        emulator = self.emulator
        version = emulator.history_version
        keyboard = emulator.reply_keyboard(user_id)
        answers = {
            query_id: answer
            for query_id, answer in emulator.callback_answers.items()
            if emulator.callback_queries.get(query_id, {}).get("from", {}).get("id") == user_id
        }
        bot = emulator.bot_user
        return {
            "version": version,
            "user": user_id,
            "bot": {"first_name": bot["first_name"], "username": bot["username"]},
            "messages": [self._render(message) for message in emulator.chat_history(user_id)],
            "reply_keyboard": [
                [button["text"] if isinstance(button, dict) else str(button) for button in row]
                for row in keyboard.get("keyboard", [])
            ]
            if keyboard
            else None,
            "typing": emulator.chat_action(user_id),
            "answers": dict(list(answers.items())[-ANSWERS_SHOWN:]),
        }

    # -- handlers

    async def index(self, request: web.Request) -> web.Response:
        options = "".join(
            f'<option value="{user["id"]}"{" selected" if user["id"] == self.owner_id else ""}>'
            f"{html.escape(str(user['label']))}</option>"
            for user in self.users.values()
        )
        config = json.dumps(
            {"users": list(self.users.values()), "owner_id": self.owner_id}, ensure_ascii=False
        )
        page = self.template.replace("<!--WHO_OPTIONS-->", options)
        page = page.replace("__PG_CONFIG__", config.replace("</", "<\\/"))
        return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def chat(self, request: web.Request) -> web.Response:
        user = self._user(request.query.get("user"))
        try:
            after = int(request.query.get("after", "-1"))
            wait = min(max(float(request.query.get("wait", "0")), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            return self._error(400, "after/wait must be numbers")
        if wait > 0:
            await self.emulator.wait_for_change(after, wait)
        return web.json_response(self._chat_payload(user["id"]), headers={"Cache-Control": "no-store"})

    async def send(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        user = self._user(body.get("user"))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._error(400, "empty message")
        message = self.emulator.user_message(
            user["id"], text, first_name=user["first_name"], language_code="ru"
        )
        return web.json_response({"ok": True, "message_id": message["message_id"]})

    async def press(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        user = self._user(body.get("user"))
        try:
            message_id = int(body.get("message_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return self._error(400, "message_id must be a number")
        data = body.get("data")
        if not isinstance(data, str):
            return self._error(400, "data must be a string")
        try:
            query_id = self.emulator.press_button(
                user["id"], message_id, data, first_name=user["first_name"], language_code="ru"
            )
        except LookupError as exc:
            return self._error(400, str(exc))
        return web.json_response({"ok": True, "callback_query_id": query_id})

    async def voice(self, request: web.Request) -> web.Response:
        form = await request.post()
        user = self._user(form.get("user"))
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return self._error(400, "attach an audio file as 'file'")
        data = upload.file.read()
        if not data:
            return self._error(400, "the file is empty")
        if len(data) > MAX_VOICE_BYTES:
            return self._error(413, "the file is too large for a voice message")
        try:
            duration = max(1, round(float(str(form.get("duration") or "1"))))
        except ValueError:
            duration = 1
        content_type = upload.content_type or ""
        mime_type = content_type if content_type.startswith("audio/") else "audio/ogg"
        message = self.emulator.user_voice(
            user["id"], data, duration, mime_type, first_name=user["first_name"], language_code="ru"
        )
        return web.json_response({"ok": True, "message_id": message["message_id"]})

    async def file(self, request: web.Request) -> web.Response:
        stored = self.emulator.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound(text="no such file")
        headers = {"Cache-Control": "private, max-age=3600"}
        if stored.kind == "document":
            name = stored.file_name or "file"
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream", headers=headers
        )


def attach_playground_routes(emulator: BotApiEmulator, *, owner_id: int, stranger_id: int) -> None:
    """Add the chat page, its static files and JSON API to the emulator's app (call before ``start()``)."""
    if emulator.app.frozen:
        raise RuntimeError("attach_playground_routes() must be called before emulator.start()")
    playground = _Playground(emulator, owner_id, stranger_id)
    router = emulator.app.router
    router.add_get("/", playground.index)
    router.add_static("/pg/static/", STATIC_DIR, append_version=False)
    router.add_get("/pg/api/chat", playground.chat)
    router.add_post("/pg/api/send", playground.send)
    router.add_post("/pg/api/press", playground.press)
    router.add_post("/pg/api/voice", playground.voice)
    router.add_get("/pg/files/{file_id}", playground.file)
