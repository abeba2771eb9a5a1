"""The provenance rule: numbers only with sources, window (unless windowless) and as_of."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from ownerbot.tools.contract import ErrorCode, Provenance, ToolResponse, Window
from ownerbot.tools.verifier import has_numeric_facts, numeric_fact_paths, verify_response

AS_OF = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
WINDOW = Window(from_="2025-03-01", to="2025-03-10", tz="Europe/Berlin")


def response(
    data: dict[str, Any],
    *,
    sources: list[str] | None = None,
    window: Window | None = None,
    as_of: datetime | None = AS_OF,
) -> ToolResponse:
    return ToolResponse(
        status="ok",
        tool="kpi_snapshot",
        correlation_id="cid-1",
        as_of=as_of,
        data=data,
        provenance=Provenance(sources=sources or [], window=window, filters_hash="abcd"),
    )


class Totals(BaseModel):
    revenue: Decimal


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"revenue": 10}, True),
        ({"revenue": 1.5}, True),
        ({"revenue": Decimal("0.00")}, True),
        ({"rows": [{"name": "a"}, {"name": "b", "qty": 3}]}, True),
        ({"nested": {"deeper": {"values": (1,)}}}, True),
        ({"totals": Totals(revenue=Decimal("2.50"))}, True),
        ({"flagged": True, "done": False}, False),
        ({"revenue": "12.50", "currency": "EUR", "note": None}, False),
        ({}, False),
    ],
)
def test_numeric_facts_are_real_numbers_and_decimals_never_bools_or_strings(
    data: dict[str, Any], expected: bool
) -> None:
    assert has_numeric_facts(data) is expected


def test_numeric_fact_paths_point_at_the_numbers() -> None:
    data = {"rows": [{"name": "a"}, {"name": "b", "qty": 3}], "total": Decimal(3), "ok": True}
    assert numeric_fact_paths(data) == ["rows[1].qty", "total"]
    assert numeric_fact_paths(data, limit=1) == ["rows[1].qty"]


def test_complete_provenance_passes_unchanged() -> None:
    resp = response({"revenue": 10}, sources=["demo:orders"], window=WINDOW)
    assert verify_response(resp) is resp


def test_answer_without_numbers_needs_no_provenance() -> None:
    resp = response({"items": [], "status": "quiet"}, as_of=None)
    assert verify_response(resp) is resp


def test_error_responses_pass_through() -> None:
    resp = ToolResponse.fail("kpi_snapshot", "cid-1", ErrorCode.NOT_FOUND, "no such order")
    resp.data = {"count": 0}
    assert verify_response(resp) is resp


def test_no_sources_and_no_window_is_missing_and_drops_the_numbers() -> None:
    checked = verify_response(response({"revenue": 10}))
    assert checked.status == "error"
    assert checked.error is not None
    assert checked.error.code is ErrorCode.PROVENANCE_MISSING
    assert checked.error.details["missing"] == ["sources", "window"]
    assert checked.error.details["numeric_facts"] == ["revenue"]
    assert checked.data == {}
    assert checked.correlation_id == "cid-1"
    assert checked.tool == "kpi_snapshot"


def test_nothing_at_all_lists_as_of_too() -> None:
    checked = verify_response(response({"revenue": 10}, as_of=None))
    assert checked.error is not None
    assert checked.error.code is ErrorCode.PROVENANCE_MISSING
    assert checked.error.details["missing"] == ["sources", "window", "as_of"]


@pytest.mark.parametrize(
    ("sources", "window", "as_of", "missing"),
    [
        (["demo:orders"], None, AS_OF, ["window"]),
        ([], WINDOW, AS_OF, ["sources"]),
        (["demo:orders"], WINDOW, None, ["as_of"]),
        (["demo:orders"], None, None, ["window", "as_of"]),
    ],
)
def test_partial_provenance_is_incomplete_and_says_what_is_missing(
    sources: list[str], window: Window | None, as_of: datetime | None, missing: list[str]
) -> None:
    checked = verify_response(response({"revenue": 10}, sources=sources, window=window, as_of=as_of))
    assert checked.error is not None
    assert checked.error.code is ErrorCode.PROVENANCE_INCOMPLETE
    assert checked.error.details["missing"] == missing
    for part in missing:
        assert part in checked.error.message


def test_windowless_tools_need_sources_and_as_of_only() -> None:
    resp = response({"out_of_stock": 4}, sources=["demo:products"])
    assert verify_response(resp, windowless=True) is resp
    assert verify_response(resp).status == "error"


def test_windowless_without_sources_is_missing() -> None:
    checked = verify_response(response({"out_of_stock": 4}), windowless=True)
    assert checked.error is not None
    assert checked.error.code is ErrorCode.PROVENANCE_MISSING
    assert checked.error.details["missing"] == ["sources"]


def test_windowless_without_as_of_is_incomplete() -> None:
    checked = verify_response(
        response({"out_of_stock": 4}, sources=["demo:products"], as_of=None), windowless=True
    )
    assert checked.error is not None
    assert checked.error.code is ErrorCode.PROVENANCE_INCOMPLETE
    assert checked.error.details["missing"] == ["as_of"]
