"""The shadow check's normalisation and diff: cents, ignored keys, key sets, ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from ownerbot.services.shadow_check import compare, normalise


def test_numbers_are_rounded_to_cents_and_ignored_keys_dropped() -> None:
    value = {
        "revenue": Decimal("10.004"),
        "aov": "19.995",
        "count": 3,
        "share": 0.333333,
        "as_of": "2026-03-30T10:00:00Z",
        "nested": {"filters_hash": "abc", "day": date(2026, 3, 29), "ok": True},
    }
    assert normalise(value) == {
        "revenue": Decimal("10.00"),
        "aov": Decimal("20.00"),
        "count": Decimal("3"),
        "share": Decimal("0.33"),
        "nested": {"day": "2026-03-29", "ok": True},
    }


def test_equal_after_normalisation_is_no_difference() -> None:
    demo = {"revenue": "100.001", "as_of": datetime(2026, 3, 30, tzinfo=UTC), "rows": [{"id": 1, "qty": 2}]}
    sis = {"revenue": Decimal("100"), "as_of": "other", "rows": [{"id": "1", "qty": 2.0}]}
    assert compare(demo, sis) == []


def test_key_sets_lengths_types_and_values_ranked_shape_first() -> None:
    demo = {
        "revenue": "100.00",
        "orders": 10,
        "refunds": "5.00",
        "rows": [{"id": 1}, {"id": 2}],
        "currency": "EUR",
        "currency_code": "EUR",
        "only_demo": 1,
    }
    sis = {
        "revenue": "101.00",  # 1 % off
        "orders": 20,  # 50 % off
        "refunds": "5",  # still equal after rounding
        "currency_code": None,
        "rows": [{"id": 1}],  # length
        "currency": 978,  # type
        "only_sis": "x",
    }
    differences = compare(demo, sis)
    kinds = [(d.path, d.kind) for d in differences]
    assert kinds == [
        ("only_demo", "missing_in_sis"),
        ("only_sis", "missing_in_demo"),
        ("rows", "length"),
        ("currency", "type"),
        ("currency_code", "value"),  # a figure only one side has ranks first among values
        ("orders", "value"),  # then the bigger relative difference
        ("revenue", "value"),
    ]
    orders = differences[5]
    assert (orders.demo, orders.sis) == ("10", "20")
    assert orders.magnitude == 0.5
