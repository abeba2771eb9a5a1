"""Payload building: date tokens in the shop's calendar, inputs at their keys, ranges into two keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ownerbot.templates.payload import PayloadTokenError, build_payload, resolve_token, shop_today
from ownerbot.templates.spec import TemplateSpec

TODAY = date(2026, 3, 1)


def _spec(**fields: object) -> TemplateSpec:
    base: dict[str, object] = {
        "id": "RPT_TEST",
        "category": "reports",
        "title": "Тест",
        "button": "Тест",
        "kind": "report",
        "tool": "kpi_snapshot",
    }
    base.update(fields)
    return TemplateSpec.model_validate(base)


def test_tokens_resolve_against_the_given_day() -> None:
    spec = _spec(
        payload={"range": "custom", "from": "@days_ago:7", "to": "@yesterday", "day": "@today", "note": "@x"}
        | {"nested": {"list": ["@today", 3]}},
    )
    with pytest.raises(PayloadTokenError):
        build_payload(spec, {}, today=TODAY)
    spec = _spec(payload={"from": "@days_ago:7", "to": "@yesterday", "nested": {"list": ["@today", 3]}})
    payload = build_payload(spec, {}, today=TODAY)
    # 2026-03-01 minus 7 days crosses February's end (28 days).
    assert payload == {"from": "2026-02-22", "to": "2026-02-28", "nested": {"list": ["2026-03-01", 3]}}
    assert spec.payload["from"] == "@days_ago:7"  # the spec itself is never changed


def test_shop_today_uses_the_shop_timezone() -> None:
    late_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert shop_today("Europe/Berlin", late_utc) == date(2026, 3, 2)
    assert shop_today("America/New_York", late_utc) == date(2026, 3, 1)
    assert resolve_token("plain", TODAY) == "plain"


def test_inputs_go_to_keys_nested_keys_and_range_ends() -> None:
    spec = _spec(
        tool="kpi_compare",
        payload={"preset": "custom", "updates": {"keep": 1}},
        inputs=[
            {"key": "days", "prompt": "?", "parser": "int"},
            {"key": "updates.min_rate_delta_percent", "prompt": "?", "parser": "decimal"},
            {"key": "a", "prompt": "?", "parser": "date_range", "into": ["a_start", "a_end"]},
            {"key": "span", "prompt": "?", "parser": "date_range"},
            {"key": "ids", "prompt": "?", "parser": "ids", "optional": True},
        ],
    )
    parsed = {
        "days": 14,
        "updates.min_rate_delta_percent": "0.5",
        "a": ("2026-02-01", "2026-02-07"),
        "span": ["2026-01-01", "2026-01-31"],
    }
    payload = build_payload(spec, parsed, today=TODAY)
    assert payload == {
        "preset": "custom",
        "days": 14,
        "updates": {"keep": 1, "min_rate_delta_percent": "0.5"},
        "a_start": "2026-02-01",
        "a_end": "2026-02-07",
        "span": ["2026-01-01", "2026-01-31"],
    }
    assert "ids" not in payload  # a skipped optional input is left out
