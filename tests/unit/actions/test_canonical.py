"""Canonical payload JSON, its hash, token ids and idempotency keys."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ownerbot.actions.canonical import (
    TOKEN_ID_LENGTH,
    canonical_json,
    idempotency_key,
    is_token_id,
    new_token_id,
    payload_hash,
)


def test_canonical_json_sorts_keys_and_drops_spaces() -> None:
    text = canonical_json({"b": 1, "a": {"z": [1, 2], "y": None}})
    assert text == '{"a":{"y":null,"z":[1,2]},"b":1}'
    assert canonical_json({"a": {"y": None, "z": [1, 2]}, "b": 1}) == text


def test_decimal_is_a_string_and_text_stays_utf8() -> None:
    assert canonical_json({"price": Decimal("19.90")}) == '{"price":"19.90"}'
    assert canonical_json({"reason": "клиент ждёт"}) == '{"reason":"клиент ждёт"}'
    assert canonical_json({"day": date(2025, 3, 1), "at": datetime(2025, 3, 1, tzinfo=UTC)}) == (
        '{"at":"2025-03-01T00:00:00+00:00","day":"2025-03-01"}'
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, object()])
def test_values_without_a_canonical_form_are_refused(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        canonical_json({"x": bad})


def test_hash_is_sha256_of_the_canonical_text() -> None:
    text = canonical_json({"order_id": "1042", "reason": "x"})
    assert payload_hash(text) == hashlib.sha256(text.encode()).hexdigest()
    assert payload_hash(text) != payload_hash(canonical_json({"order_id": "1043", "reason": "x"}))
    assert len(payload_hash(text)) == 64


def test_token_ids_are_opaque_random_and_checked_by_shape() -> None:
    tokens = {new_token_id() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(token) == TOKEN_ID_LENGTH and is_token_id(token) for token in tokens)
    # 32 url-safe characters carry 192 bits; the button data stays far below 64 bytes.
    assert len(f"ok:{next(iter(tokens))}".encode()) <= 64
    for bad in ("", "x" * 31, "x" * 33, "a:" + "x" * 30, "x" * 31 + "!", "я" * 32):
        assert not is_token_id(bad), bad


def test_idempotency_key_binds_action_payload_actor_and_scope() -> None:
    base = idempotency_key("flag_order", "h" * 64, 1, "tok")
    assert base == idempotency_key("flag_order", "h" * 64, 1, "tok")
    others = {
        idempotency_key("unflag_order", "h" * 64, 1, "tok"),
        idempotency_key("flag_order", "g" * 64, 1, "tok"),
        idempotency_key("flag_order", "h" * 64, 2, "tok"),
        idempotency_key("flag_order", "h" * 64, 1, "tok:force"),
    }
    assert base not in others and len(others) == 4


def test_token_ids_never_start_with_a_dash() -> None:
    from ownerbot.actions.canonical import is_token_id, new_token_id

    tokens = [new_token_id() for _ in range(2000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert all(is_token_id(t) for t in tokens)
    assert len(set(tokens)) == len(tokens)
