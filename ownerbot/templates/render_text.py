"""Any `ToolResponse` as one phone-sized HTML message: title, key figures, a compact table, warnings and
the provenance footer (source, window, as of).

Figures use the owner's locale (Babel through `reports.style.Formats`): thousands separators, decimal
comma in Russian, the currency sign. The longest list of rows becomes a monospace table at most
`TABLE_WIDTH` characters wide, shown `PAGE_ROWS` rows per page; pages are cut from the stored answer,
never re-queried. Every value is HTML-escaped; the message stays under Telegram's 4096 characters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from ownerbot.i18n import catalog_keys, t
from ownerbot.reports.style import Formats, dec
from ownerbot.templates.warning_text import warning_text
from ownerbot.tools.contract import ToolResponse

TABLE_WIDTH = 34
PAGE_ROWS = 10
# Telegram counts UTF-16 units after entity parsing; HTML source is longer, so this is conservative.
MAX_MESSAGE_UNITS = 4096
_BUDGET_UNITS = 3900
_VALUE_CHARS = 120
_MAX_WARNINGS = 6
_MAX_SOURCES = 3
_MAX_COLUMNS = 3
_LABEL_MIN = 8

# Keys that describe the answer rather than being figures (the footer shows the window).
_META_KEYS = frozenset(
    {"window", "currency", "as_of", "next_cursor", "applied_filters", "filters_hash", "tz", "cursor"}
)
# Echoes of the request (the title already says it) rather than findings.
_ECHO_KEYS = frozenset({"range", "preset", "metric", "direction", "group_by", "tool", "payload"})
_MAX_DEPTH = 2
_MONEY_WORDS = ("revenue", "aov", "amount", "total", "value", "price", "refund", "due", "paid_sum", "sum")
_COUNT_SUFFIXES = ("_count", "count", "orders", "qty", "units", "_n", "days", "hours", "minutes")
_LABEL_COLUMNS = (
    "name",
    "title",
    "product",
    "product_name",
    "label",
    "category",
    "status",
    "customer",
    "customer_name",
    "target",
    "code",
    "event",
    "event_type",
    "kind",
    "type",
    "action",
    "message",
    "text",
)
_TIME_COLUMNS = ("at", "created_at", "day", "date", "last_message_at", "updated_at")
_ID_COLUMNS = ("order_id", "id", "product_id", "look_id", "sku", "thread_id")
_NUMERIC_PRIORITY = ("revenue", "total", "amount", "qty", "count", "orders", "value", "expected_units")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class RenderedAnswer:
    """The message text (HTML) and where it is in the list: `page` of `pages` (1 when nothing pages)."""

    text: str
    page: int = 0
    pages: int = 1


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def field_label(key: str, locale: str) -> str:
    """A figure's label from `tpl.fields.<key>`, else the key made readable."""
    name = f"tpl.fields.{key}"
    if name in catalog_keys(locale):
        return t(name, locale)
    return key.replace("_", " ").capitalize()


def _is_money(key: str) -> bool:
    low = key.lower()
    if low.endswith(_COUNT_SUFFIXES) or "pct" in low or "percent" in low or low == "value":
        return False
    return any(word in low for word in _MONEY_WORDS)


def format_value(key: str, value: Any, formats: Formats, *, compact: bool = False) -> str:
    """One figure in the owner's locale, chosen by the key's meaning and the value's type."""
    low = key.lower()
    if value is None:
        return formats.dash()
    if low in _ID_COLUMNS or low.endswith("_id") or "phone" in low:
        return _clip(str(value), _VALUE_CHARS)  # ids are names, not quantities: no separators
    if isinstance(value, bool):
        return t("tpl.render.yes" if value else "tpl.render.no", formats.locale)
    number = None
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _numeric_text(value)):
        number = dec(value)
    if number is not None:
        if low.endswith("_minutes") or low == "minutes":
            return formats.duration(number)
        if "pct" in low or "percent" in low or low.endswith("_rate"):
            return formats.pct(number)
        # Money arrives as Decimal text ("12.50"); a plain int is a count even under a money-ish key.
        if _is_money(low) and not isinstance(value, int):
            return formats.money(number, cents=not compact)
        if number == number.to_integral_value() and not (isinstance(value, str) and "." in value):
            return formats.integer(number)
        return formats.number(number, 1 if compact else 2)
    if isinstance(value, str):
        if _ISO_DATETIME.match(value):
            return formats.datetime_short(value) if compact else formats.datetime(value)
        if _ISO_DATE.match(value):
            return formats.date_short(value) if compact else formats.date_long(value)
        return _clip(value, _VALUE_CHARS)
    if isinstance(value, list | tuple):
        if all(not isinstance(item, dict | list) for item in value):
            return _clip(", ".join(str(item) for item in value), _VALUE_CHARS)
        return str(len(value))
    return _clip(str(value), _VALUE_CHARS)


def _numeric_text(value: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+(\.\d+)?", value.strip()))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _change(key: str, value: Mapping[str, Any], formats: Formats) -> str:
    """A `{abs, pct}` change as `+345,83 € (+0,8 %)`."""
    absolute = value.get("abs")
    number = dec(absolute)
    text = format_value(key, absolute, formats)
    if number is not None and number > 0:
        text = "+" + text
    pct = dec(value.get("pct"))
    return text if pct is None else f"{text} ({formats.pct(pct, signed=True)})"


def _figure_lines(data: Mapping[str, Any], formats: Formats, depth: int = 0, parent: str = "") -> list[str]:
    """Scalars as `label: value`; nested objects as a heading with their scalars (two levels deep).

    Inside a nested object the parent's key helps read a figure (`aov.a` is money, `aov.pct` percent).
    """
    lines: list[str] = []
    indent = "  " * depth
    for key, value in data.items():
        if key in _META_KEYS or key in _ECHO_KEYS or key.endswith("_definition"):
            continue
        label = escape(field_label(key, formats.locale))
        meaning = f"{parent}_{key}" if parent else key
        if _scalar(value):
            lines.append(f"{indent}{label}: <b>{escape(format_value(meaning, value, formats))}</b>")
        elif isinstance(value, dict) and value and set(value) <= {"abs", "pct"}:
            lines.append(f"{indent}{label}: <b>{escape(_change(meaning, value, formats))}</b>")
        elif isinstance(value, dict) and depth < _MAX_DEPTH:
            inner = _figure_lines(value, formats, depth + 1, key if depth == 0 else parent)
            if inner:
                window = value.get("window")
                if isinstance(window, dict) and window.get("from") and window.get("to"):
                    label += " · " + escape(formats.window(window["from"], window["to"]))
                lines.append(f"{indent}<i>{label}</i>")
                lines.extend(inner)
        elif isinstance(value, list | tuple) and value and all(_scalar(v) for v in value):
            lines.append(f"{indent}{label}: {escape(format_value(meaning, value, formats))}")
    return lines


def main_list(data: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """The longest list of objects in the answer (top level or one level down), with its key."""
    best: tuple[str, list[dict[str, Any]]] | None = None

    def consider(key: str, value: Any) -> None:
        nonlocal best
        rows = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        if rows and (best is None or len(value) > len(best[1])):
            best = (key, value)

    for key, value in data.items():
        consider(key, value)
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                consider(inner_key, inner)
    return best


def row_count(response: ToolResponse) -> int:
    found = main_list(response.data)
    return len(found[1]) if found else 0


def page_count(rows: int, page_rows: int = PAGE_ROWS) -> int:
    return max(1, math.ceil(rows / page_rows))


def _pick_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    scalar_keys = [k for k in keys if all(_scalar(r.get(k)) for r in rows)]
    chosen: list[str] = []

    def coverage(key: str) -> int:
        return sum(1 for r in rows if r.get(key) not in (None, ""))

    ident = next((k for k in _ID_COLUMNS if k in scalar_keys and coverage(k) == len(rows)), None)
    labels = [k for k in _LABEL_COLUMNS if k in scalar_keys]
    # The best-filled text column names the rows (ties: the earlier in _LABEL_COLUMNS).
    label = max(labels, key=coverage) if labels else None
    if ident:
        chosen.append(ident)
    else:  # rows without an id (a timeline, a series) are told apart by their time
        moment = next((k for k in _TIME_COLUMNS if k in scalar_keys and coverage(k) == len(rows)), None)
        if moment:
            chosen.append(moment)
    if label:
        chosen.append(label)
    numeric = [
        k
        for k in scalar_keys
        if k not in chosen
        and any(dec(r.get(k)) is not None and not isinstance(r.get(k), bool) for r in rows)
        and not k.endswith("_id")
    ]
    numeric.sort(
        key=lambda k: (-coverage(k), next((i for i, w in enumerate(_NUMERIC_PRIORITY) if w in k), 99))
    )
    for key in numeric:
        if len(chosen) >= _MAX_COLUMNS:
            break
        chosen.append(key)
    if not chosen:
        chosen = scalar_keys[:_MAX_COLUMNS]
    return chosen


def render_table(
    rows: Sequence[Mapping[str, Any]], formats: Formats, *, width: int = TABLE_WIDTH, number_from: int = 1
) -> list[str]:
    """Rows as monospace lines (header first) of at most `width` characters; text left, numbers right."""
    if not rows:
        return []
    columns = _pick_columns(rows)
    numeric = {c: all(dec(r.get(c)) is not None for r in rows if r.get(c) is not None) for c in columns}
    cells = [[format_value(c, r.get(c), formats, compact=True) for c in columns] for r in rows]
    headers = [field_label(c, formats.locale) for c in columns]
    index_width = len(str(number_from + len(rows) - 1)) + 1
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(columns))]
    budget = width - index_width - 1 - (len(columns) - 1)
    # The widest text column gives way first; numbers keep their full width when they can.
    while sum(widths) > budget:
        text_cols = [i for i, c in enumerate(columns) if not numeric[c] and widths[i] > _LABEL_MIN]
        shrink = max(text_cols or range(len(columns)), key=lambda i: widths[i])
        if widths[shrink] <= 1:
            break
        widths[shrink] -= 1
    header_cells = [_fit(h, widths[i], False) for i, h in enumerate(headers)]
    lines = [" " * (index_width + 1) + " ".join(header_cells)]
    for n, cell in enumerate(cells, start=number_from):
        parts = [_fit(value, widths[i], numeric[columns[i]]) for i, value in enumerate(cell)]
        lines.append(f"{n}.".ljust(index_width) + " " + " ".join(parts))
    return [line.rstrip()[:width] for line in lines]


def _fit(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…" if width > 1 else text[:width]
    return text.rjust(width) if right else text.ljust(width)


def footer_lines(response: ToolResponse, formats: Formats) -> list[str]:
    """Source, window and as-of time: where every number came from."""
    locale = formats.locale
    lines: list[str] = []
    sources = response.provenance.sources
    if sources:
        shown = ", ".join(sources[:_MAX_SOURCES])
        more = len(sources) - _MAX_SOURCES
        if more > 0:
            shown += f" +{more}"
        lines.append(t("tpl.render.source", locale, sources=escape(shown)))
    window = response.provenance.window
    if window is not None:
        lines.append(t("tpl.render.window", locale, window=escape(formats.window(window.from_, window.to))))
    if response.as_of is not None:
        lines.append(t("tpl.render.as_of", locale, time=escape(formats.datetime(response.as_of))))
    return [f"<i>{line}</i>" for line in lines]


def error_text(response: ToolResponse, title: str, formats: Formats) -> str:
    """An error answer: what went wrong in the owner's words (by code), the code and the reference."""
    locale = formats.locale
    code = response.error.code.value if response.error else "TOOL_EXECUTION_FAILED"
    key = f"tpl.errors.{code}"
    reason = t(key, locale) if key in catalog_keys(locale) else t("tpl.errors.other", locale)
    lines = [
        t("tpl.render.error", locale, title=escape(title), reason=reason),
        t("tpl.render.error_code", locale, code=code, cid=escape(response.correlation_id)),
    ]
    return "\n".join(lines)


def render_response(
    response: ToolResponse, *, title: str, formats: Formats, page: int = 0, page_rows: int = PAGE_ROWS
) -> RenderedAnswer:
    """The answer as one message; `page` selects which `page_rows` rows of the main list are shown."""
    if response.status != "ok":
        return RenderedAnswer(_limit([error_text(response, title, formats)]))
    locale = formats.locale
    blocks: list[str] = [f"<b>{escape(title)}</b>"]
    found = main_list(response.data)
    figures_source = {k: v for k, v in response.data.items() if not (found and k == found[0])}
    figures = _figure_lines(figures_source, formats)
    if figures:
        blocks.append("\n".join(figures))
    pages = 1
    if found is not None:
        key, rows = found
        pages = page_count(len(rows), page_rows)
        page = min(max(page, 0), pages - 1)
        start = page * page_rows
        chunk = rows[start : start + page_rows]
        table = render_table(chunk, formats, number_from=start + 1)
        heading = t("tpl.render.rows", locale, label=escape(field_label(key, locale)), count=len(rows))
        if pages > 1:
            heading += " · " + t("tpl.render.page", locale, page=page + 1, pages=pages)
        blocks.append(heading + "\n<pre>" + escape("\n".join(table)) + "</pre>")
    elif not figures:
        blocks.append(t("tpl.render.empty", locale))
    if response.warnings:
        shown = [
            f"⚠️ {escape(_clip(warning_text(w, locale), 200))}" for w in response.warnings[:_MAX_WARNINGS]
        ]
        blocks.append("\n".join(shown))
    footer = footer_lines(response, formats)
    if footer:
        blocks.append("\n".join(footer))
    return RenderedAnswer(_limit(blocks), page=page if found else 0, pages=pages)


def _limit(blocks: list[str]) -> str:
    """Join blocks, dropping whole lines from the end of the longest text blocks past the budget.

    A `<pre>` block is cut by rows and closed again, so the markup always stays valid.
    """
    text = "\n\n".join(blocks)
    if utf16_units(text) <= _BUDGET_UNITS:
        return text
    kept: list[str] = []
    used = 0
    marker = "\n…"
    for block in blocks:
        size = utf16_units(block) + 2
        if used + size <= _BUDGET_UNITS:
            kept.append(block)
            used += size
            continue
        room = _BUDGET_UNITS - used - utf16_units(marker) - 12
        lines = block.split("\n")
        partial: list[str] = []
        for line in lines:
            if utf16_units("\n".join([*partial, line])) > room:
                break
            partial.append(line)
        if partial:
            cut = "\n".join(partial)
            if "<pre>" in cut and "</pre>" not in cut:
                cut += "</pre>"
            kept.append(cut)
        kept.append(marker.strip())
        break
    return "\n\n".join(kept)
