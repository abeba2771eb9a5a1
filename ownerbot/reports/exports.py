"""The data behind any report as JSON (the tool responses as they came) and CSV (one tidy table).

CSV columns: section, tool, table, row, field, value. Scalars of an answer land in table `summary`
(nested objects as dotted fields); each list of objects (series, rows, items, threads…) is its own
table with one row per element; further pages of a paged answer continue its row numbers. Values are
the tools' own (dot decimals, ISO dates): exports are for spreadsheets and scripts, not for reading.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from ownerbot.reports.inputs import ReportInputs
from ownerbot.tools.contract import ToolResponse

CSV_COLUMNS = ("section", "tool", "table", "row", "field", "value")
EXPORT_VERSION = 1


def export_document(inputs: ReportInputs) -> dict[str, Any]:
    """Everything the report was rendered from, JSON-ready."""
    return {
        "export_version": EXPORT_VERSION,
        "report": inputs.kind.value,
        "locale": inputs.locale,
        "currency": inputs.formats.currency,
        "timezone": inputs.formats.tz,
        "correlation_id": inputs.correlation_id,
        "generated_at": inputs.now.isoformat(),
        "today": inputs.today.isoformat(),
        "period": [day.isoformat() for day in inputs.period] if inputs.period else None,
        "sections": {
            key: {
                "response": _dump(response),
                "more_pages": [_dump(page) for page in inputs.pages.get(key, ())],
            }
            for key, response in inputs.responses.items()
        },
    }


def export_json(inputs: ReportInputs) -> bytes:
    text = json.dumps(export_document(inputs), ensure_ascii=False, indent=2, sort_keys=False)
    return (text + "\n").encode("utf-8")


def export_csv(inputs: ReportInputs) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs read Cyrillic names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for key, response in inputs.responses.items():
        if response.status != "ok":
            error = response.error
            writer.writerow((key, response.tool, "error", 0, "code", error.code.value if error else ""))
            writer.writerow((key, response.tool, "error", 0, "message", error.message if error else ""))
            continue
        counters: dict[str, int] = {}
        for page in (response, *inputs.pages.get(key, ())):
            for table, row, name, value in _cells(page.data, counters):
                writer.writerow((key, response.tool, table, row, name, value))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _dump(response: ToolResponse) -> dict[str, Any]:
    dumped: dict[str, Any] = response.model_dump(mode="json", by_alias=True)
    return dumped


def _cells(data: dict[str, Any], counters: dict[str, int]) -> Iterator[tuple[str, int, str, str]]:
    """(table, row, field, value) of one answer; `counters` carries row numbers across pages."""
    plain = json.loads(json.dumps(data, default=str))
    first_page = "summary" not in counters
    counters.setdefault("summary", 0)
    for name, value in plain.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            start = counters.get(name, 0)
            for index, item in enumerate(value):
                for field_name, cell in _flatten(item):
                    yield name, start + index, field_name, cell
            counters[name] = start + len(value)
        elif first_page:
            for field_name, cell in _flatten({name: value}):
                yield "summary", 0, field_name, cell


def _flatten(value: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, item in value.items():
        field_name = f"{prefix}{name}"
        if isinstance(item, dict):
            yield from _flatten(item, field_name + ".")
        elif isinstance(item, list):
            yield field_name, ";".join(_scalar(entry) for entry in item)
        else:
            yield field_name, _scalar(item)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
