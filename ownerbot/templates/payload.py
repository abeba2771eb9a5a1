"""A template's tool payload: the preset payload with date tokens resolved, plus the parsed inputs.

Date tokens (`@today`, `@yesterday`, `@days_ago:N`) are resolved against `today`, the shop-local day
(`shop_today`), so "yesterday" means the shop's yesterday whatever the server's timezone.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ownerbot.domain.windows import local_day
from ownerbot.templates.spec import ParserName, TemplateSpec

_DAYS_AGO = re.compile(r"^@days_ago:(\d{1,4})$")


class PayloadTokenError(ValueError):
    """A preset payload holds a token that is not a known date token (e.g. `@tomorow`)."""


def shop_today(tz: str, now: datetime | None = None) -> date:
    """The shop-local calendar day of `now` (default: the current instant)."""
    return local_day(now or datetime.now(UTC), tz)


def resolve_token(value: str, today: date) -> str:
    """`@today` → today, `@yesterday`, `@days_ago:N` → ISO dates; other strings unchanged."""
    if not value.startswith("@"):
        return value
    if value == "@today":
        return today.isoformat()
    if value == "@yesterday":
        return (today - timedelta(days=1)).isoformat()
    match = _DAYS_AGO.match(value)
    if match:
        return (today - timedelta(days=int(match.group(1)))).isoformat()
    raise PayloadTokenError(f"unknown payload token {value!r}: use @today, @yesterday or @days_ago:N")


def _resolve(node: Any, today: date) -> Any:
    if isinstance(node, str):
        return resolve_token(node, today)
    if isinstance(node, dict):
        return {key: _resolve(value, today) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_resolve(value, today) for value in node]
    return node


def _place(payload: dict[str, Any], key: str, value: Any) -> None:
    """Put `value` at `key`; one dot means a nested key (`updates.min_rate_delta_percent`)."""
    head, _, tail = key.partition(".")
    if not tail:
        payload[head] = value
        return
    nested = payload.get(head)
    if not isinstance(nested, dict):
        nested = {}
        payload[head] = nested
    nested[tail] = value


def build_payload(spec: TemplateSpec, parsed: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The preset payload (tokens resolved) with each parsed input placed at its key.

    Inputs missing from `parsed` (skipped optional ones) are left out; a `date_range` input writes its
    two ends to `into` (or a two-item list at `key` when it has no `into`).
    """
    payload: dict[str, Any] = _resolve(copy.deepcopy(spec.payload), today)
    for item in spec.inputs:
        if item.key not in parsed:
            continue
        value = parsed[item.key]
        if item.parser is ParserName.DATE_RANGE:
            start, end = value
            if item.into is not None:
                _place(payload, item.into[0], start)
                _place(payload, item.into[1], end)
            else:
                _place(payload, item.key, [start, end])
            continue
        if isinstance(value, tuple):
            value = list(value)
        _place(payload, item.key, value)
    return payload
