"""The provenance rule of TOOLS.md: a number reaches the owner only with its sources, window and as_of.

The runner passes every successful response through `verify_response`; a tool that forgets its
provenance answers `PROVENANCE_MISSING` / `PROVENANCE_INCOMPLETE` instead of unattributed figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ownerbot.tools.contract import ErrorCode, ToolResponse

# Bounds the walk over a tool's answer; deeper nesting is a tool bug, and is treated as numeric.
_MAX_DEPTH = 32


def numeric_fact_paths(data: Any, limit: int = 3) -> list[str]:
    """Dotted paths of up to `limit` numbers (int, float, Decimal; never bool) inside `data`."""
    paths: list[str] = []
    for path in _numeric_paths(data, "", 0):
        paths.append(path or "<root>")
        if len(paths) >= limit:
            break
    return paths


def has_numeric_facts(data: Any) -> bool:
    """True when `data` holds at least one number anywhere in its nested dicts, lists and models."""
    return bool(numeric_fact_paths(data, limit=1))


def _numeric_paths(value: Any, path: str, depth: int) -> Iterator[str]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float | Decimal):
        yield path
        return
    if depth >= _MAX_DEPTH:
        yield path
        return
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numeric_paths(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _numeric_paths(item, f"{path}[{index}]", depth + 1)


def verify_response(resp: ToolResponse, *, windowless: bool = False) -> ToolResponse:
    """Return `resp` unchanged when it obeys the provenance rule, otherwise an error response.

    Error responses and answers without numbers pass through. With numbers, `provenance.sources`,
    `as_of` and (unless the tool is `windowless`) `provenance.window` are required. Neither sources nor
    a required window → `PROVENANCE_MISSING`; some but not all → `PROVENANCE_INCOMPLETE`, with the
    missing parts in `details["missing"]`. The unattributed data is dropped from the error response.
    """
    if resp.status != "ok":
        return resp
    facts = numeric_fact_paths(resp.data)
    if not facts:
        return resp
    has_sources = bool(resp.provenance.sources)
    has_window = resp.provenance.window is not None
    missing = [
        part
        for part, present in (
            ("sources", has_sources),
            ("window", has_window or windowless),
            ("as_of", resp.as_of is not None),
        )
        if not present
    ]
    if not missing:
        return resp
    nothing = not has_sources and (windowless or not has_window)
    code = ErrorCode.PROVENANCE_MISSING if nothing else ErrorCode.PROVENANCE_INCOMPLETE
    return ToolResponse.fail(
        resp.tool,
        resp.correlation_id,
        code,
        f"Tool {resp.tool} returned numbers without provenance: missing {', '.join(missing)}.",
        details={"missing": missing, "numeric_facts": facts},
        as_of=resp.as_of,
    )
