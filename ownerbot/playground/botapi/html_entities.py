"""Telegram's text entities: parse_mode=HTML parsing, UTF-16 lengths and command entities."""

from __future__ import annotations

from dataclasses import dataclass

from ownerbot.playground.botapi.errors import bad
from ownerbot.playground.botapi.json_types import JsonDict


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


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
        raise bad(f"can't parse entities: {exc}") from None


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


def command_entities(text: str) -> list[JsonDict]:
    """The ``bot_command`` entity a client adds to a text starting with ``/``."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    if len(command) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def text_and_entities(
    params: JsonDict, key: str, *, limit: int, required: bool
) -> tuple[str, list[JsonDict]] | None:
    """The ``text`` or ``caption`` of a send/edit call with its entities (from parse_mode or as given).

    None when the value is absent or blank and not ``required``.
    """
    raw = params.get(key)
    if raw is None or raw == "":
        if required:
            raise bad("message text is empty")
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
            raise bad("unsupported parse_mode")
        # Markdown modes are not emulated: the text is kept as given, without entities.
    elif isinstance(params.get(entities_key), list):
        entities = [e for e in params[entities_key] if isinstance(e, dict)]
    if not text.strip():
        if required:
            raise bad("message text is empty")
        return None
    if utf16_len(text) > limit:
        raise bad("message is too long" if key == "text" else "message caption is too long")
    return text, entities
