"""SIS failures as stable error codes with a short, safe text for the owner.

HTTP statuses map to codes as in `SIS_CONTRACT.md` §3. The owner sees SIS's `detail`, shortened, with
markup stripped: an HTML error page from a proxy is never shown, a generic text replaces it.
"""

from __future__ import annotations

import html
import re

from ownerbot.tools.contract import ErrorCode

DETAIL_MAX_CHARS = 160
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HTML_MARKERS = ("<!doctype", "<html", "<body", "<head", "<title")

# What the owner reads when SIS gave no usable detail.
DEFAULT_DETAILS: dict[ErrorCode, str] = {
    ErrorCode.SIS_AUTH_ERROR: "SIS rejected OwnerBot's key",
    ErrorCode.NOT_SUPPORTED: "SIS does not support this",
    ErrorCode.NOT_FOUND: "SIS has no such record",
    ErrorCode.ANOMALY_FORCE_REQUIRED: "the change is unusually large and needs an explicit force",
    ErrorCode.VALIDATION_ERROR: "SIS rejected the request's data",
    ErrorCode.SIS_RATE_MISSING: "SIS has no exchange rate for this",
    ErrorCode.SIS_UNAVAILABLE: "SIS is unavailable, try later",
    ErrorCode.PROVENANCE_INCOMPLETE: "SIS answered without provenance; the data is not shown",
}
AUTH_MISSING_DETAIL = "SIS: the API key is missing"
AUTH_INVALID_DETAIL = "SIS: the API key is invalid or the shop/actor is not allowed"


def shorten_detail(raw: object, limit: int = DETAIL_MAX_CHARS) -> str | None:
    """SIS's `detail` made fit for a chat: plain text, one line, at most `limit` characters.

    Returns None for nothing usable (empty, not text, or an HTML page). FastAPI-style validation
    lists (`[{"loc": [...], "msg": "..."}]`) become `field: message; ...`.
    """
    if isinstance(raw, list):
        parts = []
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("msg"), str):
                loc = item.get("loc")
                field = ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list) else ""
                parts.append(f"{field}: {item['msg']}" if field else item["msg"])
        raw = "; ".join(parts)
    if not isinstance(raw, str):
        return None
    lowered = raw.lstrip().lower()
    if any(lowered.startswith(marker) for marker in _HTML_MARKERS):
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", raw))).strip()
    if not text:
        return None
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


class SisError(Exception):
    """A SIS call that did not succeed.

    - `code`: the stable `ErrorCode` (the owner's text is looked up by it, `detail` is added);
    - `detail`: short owner-safe text (SIS's own detail when it gave one);
    - `status`: the HTTP status, None for network failures and timeouts;
    - `transient`: SIS is unavailable (counted by the circuit breaker);
    - `retryable`: worth retrying for a safe call (connect errors, timeouts, 429, 502/503/504);
    - `outcome_unknown`: a write whose request may have reached SIS but whose answer never came;
      it must not be repeated blindly — the owner is told to check.
    """

    def __init__(
        self,
        code: ErrorCode,
        detail: str | None = None,
        *,
        endpoint: str = "",
        status: int | None = None,
        transient: bool = False,
        retryable: bool = False,
        outcome_unknown: bool = False,
        correlation_id: str | None = None,
    ) -> None:
        self.code = code
        self.detail = detail or DEFAULT_DETAILS.get(code, "SIS call failed")
        self.endpoint = endpoint
        self.status = status
        self.transient = transient
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        # The parsed error body (e.g. the `anomaly` of a 409), for the force step to show numbers.
        self.payload: dict[str, object] | None = None
        # False only when the request provably never left (connect error): then even a write may be retried.
        self.request_sent = True
        self.correlation_id = correlation_id
        super().__init__(f"{code.value} {endpoint} (HTTP {status}): {self.detail}")

    @property
    def owner_text(self) -> str:
        """What the owner reads: the detail, and for an unknown outcome that it must be checked."""
        if self.outcome_unknown:
            return f"{self.detail}; SIS may or may not have applied it — check before repeating"
        return self.detail


def _looks_like_rate_problem(detail: str) -> bool:
    """A detail without `error_code` saying a rate is missing (not that a rate_set_id is unknown)."""
    lowered = detail.lower()
    if "rate_set_id" in lowered:
        return False
    return any(phrase in lowered for phrase in ("rate missing", "missing rate", "no rate", "no fx snapshot"))


def error_for_status(
    status: int,
    body: object,
    *,
    endpoint: str,
    correlation_id: str | None = None,
) -> SisError:
    """Map an HTTP error answer to a `SisError` (contract §3 table); `body` is the parsed JSON or None."""
    detail_raw: object = None
    sis_code: str | None = None
    if isinstance(body, dict):
        detail_raw = body.get("detail")
        if isinstance(body.get("error_code"), str):
            sis_code = body["error_code"]
        if correlation_id is None and isinstance(body.get("correlation_id"), str):
            correlation_id = body["correlation_id"]
    detail = shorten_detail(detail_raw)

    def fail(code: ErrorCode, text: str | None, *, retryable: bool = False) -> SisError:
        error = SisError(
            code,
            text,
            endpoint=endpoint,
            status=status,
            transient=code is ErrorCode.SIS_UNAVAILABLE,
            retryable=retryable,
            correlation_id=correlation_id,
        )
        error.payload = body if isinstance(body, dict) else None
        return error

    if status == 401:
        return fail(ErrorCode.SIS_AUTH_ERROR, detail or AUTH_MISSING_DETAIL)
    if status == 403:
        return fail(ErrorCode.SIS_AUTH_ERROR, detail or AUTH_INVALID_DETAIL)
    if status == 404:
        return fail(
            ErrorCode.NOT_FOUND if sis_code == ErrorCode.NOT_FOUND else ErrorCode.NOT_SUPPORTED, detail
        )
    if status == 409:
        lowered = (detail or "").lower()
        if sis_code in (ErrorCode.ANOMALY_FORCE_REQUIRED, ErrorCode.VALIDATION_ERROR):
            code = ErrorCode(sis_code)
        elif "rollback" not in endpoint and ("anomal" in lowered or "force" in lowered):
            code = ErrorCode.ANOMALY_FORCE_REQUIRED
        else:
            code = ErrorCode.VALIDATION_ERROR
        return fail(code, detail)
    if sis_code == ErrorCode.IDEMPOTENCY_CONFLICT and status in (409, 422):
        return fail(ErrorCode.IDEMPOTENCY_CONFLICT, detail)
    if status in (400, 422):
        if sis_code == ErrorCode.SIS_RATE_MISSING or (detail and _looks_like_rate_problem(detail)):
            return fail(ErrorCode.SIS_RATE_MISSING, detail)
        return fail(ErrorCode.VALIDATION_ERROR, detail)
    if status == 429:
        return fail(ErrorCode.SIS_UNAVAILABLE, "SIS is busy (too many requests), try later", retryable=True)
    if status >= 500:
        # A proxy's 502 page or a stack trace is not for the owner: keep a generic text.
        return fail(
            ErrorCode.SIS_UNAVAILABLE,
            f"SIS is unavailable (HTTP {status}), try later",
            retryable=status in RETRYABLE_STATUSES,
        )
    return fail(ErrorCode.VALIDATION_ERROR, detail or f"SIS answered HTTP {status}")
