"""HTTP status → stable error code and a short owner text (never HTML)."""

from __future__ import annotations

import pytest

from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.errors import (
    AUTH_INVALID_DETAIL,
    AUTH_MISSING_DETAIL,
    DETAIL_MAX_CHARS,
    SisError,
    error_for_status,
    shorten_detail,
)


@pytest.mark.parametrize(
    ("status", "body", "endpoint", "code"),
    [
        (401, {"detail": "key missing"}, "kpi_summary", ErrorCode.SIS_AUTH_ERROR),
        (403, {"detail": "actor 5 not allowed"}, "prices_bump_apply", ErrorCode.SIS_AUTH_ERROR),
        (404, {"detail": "Not Found"}, "funnel", ErrorCode.NOT_SUPPORTED),
        (404, {"detail": "order not found", "error_code": "NOT_FOUND"}, "order", ErrorCode.NOT_FOUND),
        (
            409,
            {"detail": "x", "error_code": "ANOMALY_FORCE_REQUIRED"},
            "reprice_apply",
            ErrorCode.ANOMALY_FORCE_REQUIRED,
        ),
        (409, {"detail": "Anomaly: 12 prices over 25 %"}, "reprice_apply", ErrorCode.ANOMALY_FORCE_REQUIRED),
        (409, {"detail": "nothing to roll back"}, "rollback_apply", ErrorCode.VALIDATION_ERROR),
        (422, {"detail": "unknown rate_set_id"}, "reprice_preview", ErrorCode.VALIDATION_ERROR),
        (422, {"detail": "rate missing for USD"}, "reprice_preview", ErrorCode.SIS_RATE_MISSING),
        (
            422,
            {"detail": "x", "error_code": "SIS_RATE_MISSING"},
            "reprice_preview",
            ErrorCode.SIS_RATE_MISSING,
        ),
        (
            422,
            {"detail": "x", "error_code": "IDEMPOTENCY_CONFLICT"},
            "fx_apply",
            ErrorCode.IDEMPOTENCY_CONFLICT,
        ),
        (429, None, "kpi_summary", ErrorCode.SIS_UNAVAILABLE),
        (500, None, "kpi_summary", ErrorCode.SIS_UNAVAILABLE),
        (503, "<html>down</html>", "kpi_summary", ErrorCode.SIS_UNAVAILABLE),
    ],
)
def test_status_maps_to_code(status: int, body: object, endpoint: str, code: ErrorCode) -> None:
    error = error_for_status(status, body, endpoint=endpoint)
    assert error.code is code
    assert error.status == status
    assert "<" not in error.owner_text


def test_retryable_only_for_transient_statuses() -> None:
    assert error_for_status(429, None, endpoint="e").retryable
    assert error_for_status(503, None, endpoint="e").retryable
    assert error_for_status(504, None, endpoint="e").retryable
    assert not error_for_status(500, None, endpoint="e").retryable
    assert error_for_status(500, None, endpoint="e").transient
    assert not error_for_status(422, {"detail": "x"}, endpoint="e").transient


def test_auth_detail_says_which() -> None:
    assert error_for_status(401, {}, endpoint="e").detail == AUTH_MISSING_DETAIL
    assert error_for_status(403, None, endpoint="e").detail == AUTH_INVALID_DETAIL
    assert error_for_status(403, {"detail": "shop_id 2 is not allowed"}, endpoint="e").detail == (
        "shop_id 2 is not allowed"
    )


def test_shorten_detail() -> None:
    assert shorten_detail("<!DOCTYPE html><html><body>502</body></html>") is None
    assert shorten_detail("  a\n\n b <b>c</b> &amp; d ") == "a b c & d"
    long = shorten_detail("x" * 500)
    assert long is not None and len(long) == DETAIL_MAX_CHARS and long.endswith("…")
    assert shorten_detail(None) is None
    assert shorten_detail(42) is None
    fastapi = [{"loc": ["body", "bump_percent"], "msg": "Field required", "type": "missing"}]
    assert shorten_detail(fastapi) == "bump_percent: Field required"


def test_unknown_outcome_tells_the_owner_to_check() -> None:
    error = SisError(ErrorCode.SIS_UNAVAILABLE, "SIS did not answer in time", outcome_unknown=True)
    assert "check" in error.owner_text
