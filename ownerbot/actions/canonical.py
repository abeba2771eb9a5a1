"""Canonical payload JSON, its hash, confirm token ids and idempotency keys.

The confirm token binds the canonical text of a payload; a confirm recomputes the SHA-256 of that text
and refuses on any difference, so "what was previewed" and "what is committed" are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# 24 random bytes → 32 url-safe characters: 192 bits, far beyond guessing, and short enough for a
# callback button (`ok:` + 32 characters = 35 of Telegram's 64 bytes).
TOKEN_BYTES = 24
TOKEN_ID_LENGTH = 32
_TOKEN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _default(value: Any) -> Any:
    # Money stays exact: Decimal is written as its string, never as a float.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"not JSON serialisable in a payload: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text, Decimal as string; NaN and Infinity are refused."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
    )


def payload_hash(canonical: str) -> str:
    """SHA-256 (hex) of canonical JSON text."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_token_id() -> str:
    """An opaque, unguessable confirm token id (url-safe, 192 bits).

    Never starts with "-": operators paste it into `ownerbot action confirm TOKEN`, where a leading dash
    would read as an option.
    """
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not token.startswith("-"):
            return token


def is_token_id(value: str) -> bool:
    """Whether `value` has the shape of a token id (checked before any database lookup)."""
    return bool(_TOKEN_ID_RE.fullmatch(value))


def idempotency_key(action: str, hash_: str, actor_id: int, scope: str) -> str:
    """The claim key: action + payload hash + actor + target scope (the token, plus `:force` when forced).

    Keyed by the token, each preview commits at most once however often it is pressed, while two
    separate previews of the same payload stay two intentional commits.
    """
    raw = "\n".join((action, hash_, str(actor_id), scope))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
