"""The SIS HTTP client: one pooled `httpx.AsyncClient` per process, retries for safe calls, a breaker.

Reads go to `/ownerbot/v1/...` with `X-API-Key`, actions to `/ownerbot/v1/actions/...` with
`X-OWNERBOT-KEY`; every request carries `X-CORRELATION-ID`, writes `X-ACTOR-TG-ID`, `/fx/apply` an
`Idempotency-Key`. A whole call — retries included — is bounded by `SIS_TIMEOUT_SEC`, and also by
most of the time left until the caller's deadline (`upstream.deadline`, set by the tool runner), so the
client's own timeout fires first: the failure is counted by the breaker and AUTO keeps time to answer
from DEMO. A call cancelled after the caller's deadline passed counts as a failure too. The connect
timeout is shorter, so a dead host fails fast and leaves time for a retry.

Retries (tenacity, exponential backoff from `SIS_RETRY_BACKOFF_BASE_SEC` with jitter, at most
`SIS_MAX_RETRIES`) only for retryable failures (connect errors, timeouts, 429, 502/503/504) and only for
safe calls (reads, previews, ping, status). A write is retried only when it carries an
`Idempotency-Key`, or when the request provably never left (connect error); a write whose request was
sent but whose answer was lost fails with `outcome_unknown` set, and is never repeated.

Keys are never logged: log lines name the endpoint, status, attempt and correlation id only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ownerbot.config.settings import Settings
from ownerbot.observability.correlation import current_correlation_id, new_correlation_id
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.deadline import deadline_passed, time_left
from ownerbot.upstream.sis.breaker import BreakerSnapshot, BreakerState, CircuitBreaker
from ownerbot.upstream.sis.contract import (
    ENDPOINTS,
    READ_ENDPOINTS,
    ActionEnvelope,
    DriftWarning,
    Endpoint,
    PingData,
    Provenance,
    ReadEnvelope,
    check_drift,
    endpoint_url_path,
    is_action_envelope,
)
from ownerbot.upstream.sis.errors import SisError, error_for_status, shorten_detail

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_CAP_SEC = 3.0
MAX_DRIFT_WARNINGS = 50
MAX_BACKOFF_SEC = 5.0
CIRCUIT_OPEN_DETAIL = "SIS is unavailable (recent calls failed), try later"
# Of the time left until the caller's deadline, this share is kept for what follows a failed SIS call
# (AUTO's DEMO answer, the reply); the rest bounds the SIS call.
FALLBACK_RESERVE_SHARE = 0.2
NO_TIME_DETAIL = "no time left for SIS before the request's deadline"
CANCELLED_DETAIL = "SIS did not answer before the request's deadline"

Params = Mapping[str, str | int | float | bool | date | None]


@dataclass(frozen=True)
class ReadResult:
    """A read gateway answer with its provenance (checked present) and any contract drift."""

    endpoint: str
    as_of: datetime | None
    data: dict[str, Any]
    provenance: Provenance
    warnings: list[Any]
    drift: list[DriftWarning] = field(default_factory=list)


@dataclass(frozen=True)
class ActionResult:
    """An Actions API answer normalised from either body style."""

    endpoint: str
    style: Literal["envelope", "legacy"]
    data: dict[str, Any]
    status: str | None
    warnings: list[Any]
    correlation_id: str | None
    request_hash: str | None
    drift: list[DriftWarning] = field(default_factory=list)


@dataclass(frozen=True)
class SisClientStatus:
    """What `/systems` shows about SIS: where, the breaker, and recent contract drift."""

    base_url: str
    breaker: BreakerSnapshot
    drift: list[DriftWarning]


def connect_timeout_for(timeout_sec: float) -> float:
    """The connect timeout: a third of the call budget, at most 3 s (a refused or dead host fails fast)."""
    return min(CONNECT_TIMEOUT_CAP_SEC, timeout_sec / 3)


class SisClient:
    """Talks to one SIS. Create once per process (`get_sis_client`) and `aclose()` at shutdown."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_sec: float = 15.0,
        max_retries: int = 2,
        backoff_base_sec: float = 0.7,
        breaker_failures: int = 3,
        breaker_cooldown_sec: float = 30.0,
        contract_check: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self._timeout = timeout_sec
        self._max_retries = max_retries
        self._backoff = backoff_base_sec
        self._sleep = sleep
        self._contract_check = contract_check
        self.breaker = CircuitBreaker(breaker_failures, breaker_cooldown_sec, clock=clock)
        self._drift: deque[DriftWarning] = deque(maxlen=MAX_DRIFT_WARNINGS)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_sec, connect=connect_timeout_for(timeout_sec)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "OwnerBot-SIS-client"},
        )

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> SisClient:
        if not settings.sis_base_url or settings.sis_ownerbot_api_key is None:
            raise ValueError("SIS_BASE_URL and SIS_OWNERBOT_API_KEY are required for the SIS client")
        options: dict[str, Any] = {
            "timeout_sec": settings.sis_timeout_sec,
            "max_retries": settings.sis_max_retries,
            "backoff_base_sec": settings.sis_retry_backoff_base_sec,
            "breaker_failures": settings.sis_breaker_failures,
            "breaker_cooldown_sec": settings.sis_breaker_cooldown_sec,
            "contract_check": settings.sis_contract_check_enabled,
            **overrides,
        }
        return cls(settings.sis_base_url, settings.sis_ownerbot_api_key.get_secret_value(), **options)

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:  # never show the key
        return f"SisClient({self._http.base_url!s}, breaker={self.breaker.state.value})"

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    @property
    def breaker_state(self) -> BreakerState:
        return self.breaker.state

    def status(self) -> SisClientStatus:
        return SisClientStatus(
            base_url=self.base_url, breaker=self.breaker.snapshot(), drift=self.drift_warnings()
        )

    def drift_warnings(self) -> list[DriftWarning]:
        """Recent contract drift (newest last, one entry per endpoint and field) for `/systems`."""
        return list(self._drift)

    def _record_drift(self, found: list[DriftWarning]) -> None:
        for warning in found:
            if warning in self._drift:
                self._drift.remove(warning)
            self._drift.append(warning)
            log.warning("sis_contract_drift", extra={"endpoint": warning.endpoint, "field": warning.field})

    # -- the core ------------------------------------------------------------------------------------

    async def _send_once(
        self, endpoint: Endpoint, method: str, path: str, *, headers: dict[str, str], params: Any, body: Any
    ) -> tuple[httpx.Response, Any]:
        request_sent = False
        try:
            content = None if body is None else json.dumps(body, default=_json_default).encode()
            if content is not None:
                headers = {**headers, "Content-Type": "application/json"}
            request = self._http.build_request(method, path, headers=headers, params=params, content=content)
            request_sent = True  # from here on the bytes may reach SIS
            response = await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise self._network_error(endpoint, exc, sent=False) from None
        except httpx.TimeoutException as exc:
            raise self._network_error(endpoint, exc, sent=request_sent) from None
        except httpx.TransportError as exc:
            raise self._network_error(endpoint, exc, sent=request_sent) from None
        correlation_id = headers["X-CORRELATION-ID"]
        parsed: Any = None
        text = response.text
        try:
            parsed = json.loads(text) if text else None
            malformed = False
        except ValueError:
            malformed = True
        if response.status_code >= 400:
            error = error_for_status(
                response.status_code, parsed, endpoint=endpoint.key, correlation_id=correlation_id
            )
            error.request_sent = True
            if not endpoint.safe and response.status_code >= 500 and response.status_code != 503:
                error.outcome_unknown = True
            raise error
        if malformed or (parsed is None and response.status_code != 204):
            raise SisError(
                ErrorCode.SIS_UNAVAILABLE,
                "SIS answered with malformed JSON",
                endpoint=endpoint.key,
                status=response.status_code,
                transient=True,
                outcome_unknown=not endpoint.safe,
                correlation_id=correlation_id,
            )
        return response, parsed

    def _network_error(self, endpoint: Endpoint, exc: Exception, *, sent: bool) -> SisError:
        timeout = isinstance(exc, httpx.TimeoutException)
        detail = "SIS did not answer in time" if timeout else "SIS cannot be reached"
        error = SisError(
            ErrorCode.SIS_UNAVAILABLE,
            f"{detail}, try later",
            endpoint=endpoint.key,
            transient=True,
            retryable=True,
            outcome_unknown=sent and not endpoint.safe,
        )
        error.request_sent = sent
        log.info(
            "sis_network_error",
            extra={"endpoint": endpoint.key, "error": type(exc).__name__, "request_sent": sent},
        )
        return error

    async def _call(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        correlation_id: str | None = None,
        actor_tg_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        correlation_id = correlation_id or current_correlation_id() or new_correlation_id()
        is_read = endpoint in READ_ENDPOINTS
        headers = {"X-CORRELATION-ID": correlation_id}
        headers["X-API-Key" if is_read else "X-OWNERBOT-KEY"] = self._api_key
        if actor_tg_id is not None:
            headers["X-ACTOR-TG-ID"] = str(actor_tg_id)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        budget = self.call_budget()
        if budget <= 0:
            # The caller has no time left: SIS was never asked, so the breaker learns nothing.
            raise SisError(
                ErrorCode.SIS_UNAVAILABLE,
                NO_TIME_DETAIL,
                endpoint=endpoint.key,
                transient=True,
                correlation_id=correlation_id,
            )
        if not self.breaker.try_acquire():
            raise SisError(
                ErrorCode.SIS_UNAVAILABLE,
                CIRCUIT_OPEN_DETAIL,
                endpoint=endpoint.key,
                transient=True,
                correlation_id=correlation_id,
            )
        replay_safe = endpoint.safe or bool(idempotency_key)

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, SisError) or not exc.retryable:
                return False
            return replay_safe or not exc.request_sent

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            # base, 2×base, 4×base … (capped at 5 s) plus up to `base` of jitter; the call's deadline
            # still bounds the whole ladder.
            wait=wait_exponential_jitter(
                multiplier=self._backoff, jitter=self._backoff, max=max(self._backoff, MAX_BACKOFF_SEC)
            )
            if self._backoff > 0
            else (lambda _state: 0.0),
            retry=retry_if_exception(should_retry),
            reraise=True,
            sleep=self._sleep,
        )
        method = endpoint.method
        json_body = body if method != "GET" else None
        attempts = 0
        try:
            async with asyncio.timeout(budget):
                async for attempt in retrying:
                    with attempt:
                        attempts += 1
                        _response, parsed = await self._send_once(
                            endpoint, method, path, headers=headers, params=params, body=json_body
                        )
        except TimeoutError:
            error = SisError(
                ErrorCode.SIS_UNAVAILABLE,
                f"SIS did not answer within {budget:.3g} s, try later",
                endpoint=endpoint.key,
                transient=True,
                outcome_unknown=not endpoint.safe,
                correlation_id=correlation_id,
            )
            self.breaker.record_failure(error.detail)
            log.warning("sis_call_failed", extra=self._log_extra(endpoint, error, attempts, correlation_id))
            raise error from None
        except SisError as error:
            error.correlation_id = error.correlation_id or correlation_id
            if error.transient:
                self.breaker.record_failure(error.detail)
            else:
                self.breaker.record_success()  # SIS answered: it is up
            log.warning("sis_call_failed", extra=self._log_extra(endpoint, error, attempts, correlation_id))
            raise
        except asyncio.CancelledError:
            if deadline_passed():
                # The caller gave up on SIS at its deadline: as much a failure as our own timeout.
                self.breaker.record_failure(CANCELLED_DETAIL)
                log.warning(
                    "sis_call_cancelled_at_deadline",
                    extra={"endpoint": endpoint.key, "attempts": attempts, "correlation_id": correlation_id},
                )
            else:  # shutdown or the like: nothing learnt about SIS
                self.breaker.release_probe()
            raise
        except BaseException:
            self.breaker.release_probe()
            raise
        self.breaker.record_success()
        return parsed

    def call_budget(self) -> float:
        """Seconds one call may take: `SIS_TIMEOUT_SEC`, or less when the caller's deadline is nearer."""
        left = time_left()
        if left is None:
            return self._timeout
        return min(self._timeout, left * (1 - FALLBACK_RESERVE_SHARE))

    @staticmethod
    def _log_extra(endpoint: Endpoint, error: SisError, attempts: int, correlation_id: str) -> dict[str, Any]:
        return {
            "endpoint": endpoint.key,
            "code": error.code.value,
            "status": error.status,
            "attempts": attempts,
            "outcome_unknown": error.outcome_unknown,
            "correlation_id": correlation_id,
        }

    # -- reads ---------------------------------------------------------------------------------------

    async def read(
        self,
        key: str,
        params: Params | None = None,
        *,
        path_params: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> ReadResult:
        """Call a read gateway endpoint by its key (`kpi_summary`, ...) and check its envelope."""
        endpoint = ENDPOINTS[key]
        if endpoint not in READ_ENDPOINTS:
            raise ValueError(f"{key} is not a read gateway endpoint")
        path = endpoint_url_path(endpoint)
        if path_params:
            path = path.format(**{k: quote(v, safe="") for k, v in path_params.items()})
        query = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in (params or {}).items()
            if v is not None
        }
        query = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()}
        parsed = await self._call(endpoint, path, params=query, correlation_id=correlation_id)
        return self._envelope(endpoint, parsed)

    def _envelope(self, endpoint: Endpoint, parsed: Any) -> ReadResult:
        if not isinstance(parsed, dict):
            raise SisError(
                ErrorCode.PROVENANCE_INCOMPLETE, "SIS answered without an envelope", endpoint=endpoint.key
            )
        try:
            provenance = Provenance.model_validate(parsed.get("provenance"))
        except ValidationError:
            raise SisError(
                ErrorCode.PROVENANCE_INCOMPLETE,
                "SIS answered without provenance; the data is not shown",
                endpoint=endpoint.key,
            ) from None
        drift: list[DriftWarning] = []
        if self._contract_check:
            drift = check_drift(ReadEnvelope, parsed, endpoint=endpoint.key)
            if endpoint.data_model is not None and isinstance(parsed.get("data"), dict):
                drift += check_drift(
                    endpoint.data_model, parsed["data"], endpoint=endpoint.key, prefix="data."
                )
            self._record_drift(drift)
        as_of: datetime | None = None
        if isinstance(parsed.get("as_of"), str):
            try:
                as_of = datetime.fromisoformat(parsed["as_of"])
            except ValueError:
                as_of = None
        data = parsed.get("data")
        warnings = parsed.get("warnings")
        return ReadResult(
            endpoint=endpoint.key,
            as_of=as_of,
            data=data if isinstance(data, dict) else {},
            provenance=provenance,
            warnings=warnings if isinstance(warnings, list) else [],
            drift=drift,
        )

    async def ping(self, *, correlation_id: str | None = None) -> PingData:
        """`GET /ping`; accepts the envelope or the plain `{ok, version, contract_version}`."""
        endpoint = ENDPOINTS["ping"]
        parsed = await self._call(endpoint, endpoint_url_path(endpoint), correlation_id=correlation_id)
        payload = parsed.get("data") if isinstance(parsed, dict) and "provenance" in parsed else parsed
        try:
            return PingData.model_validate(payload)
        except ValidationError:
            if self._contract_check:
                self._record_drift(check_drift(PingData, payload, endpoint="ping"))
            raise SisError(
                ErrorCode.SIS_UNAVAILABLE, "SIS ping answer is malformed", endpoint="ping"
            ) from None

    async def kpi_summary(self, start: date, end: date, tz: str) -> ReadResult:
        return await self.read("kpi_summary", {"from": start, "to": end, "tz": tz})

    async def revenue_trend(self, start: date, end: date, tz: str) -> ReadResult:
        return await self.read("revenue_trend", {"from": start, "to": end, "tz": tz})

    async def orders_search(self, **params: str | int | bool | None) -> ReadResult:
        return await self.read("orders_search", params)

    async def order(self, order_id: str) -> ReadResult:
        return await self.read("order", path_params={"order_id": order_id})

    async def products_top(self, start: date, end: date, tz: str, **params: str | int | None) -> ReadResult:
        return await self.read("products_top", {"from": start, "to": end, "tz": tz, **params})

    async def inventory_status(
        self, *, low_stock_lte: int | None = None, limit: int | None = None
    ) -> ReadResult:
        return await self.read("inventory_status", {"low_stock_lte": low_stock_lte, "limit": limit})

    async def chats_unanswered(
        self, *, older_than_minutes: int | None = None, limit: int | None = None
    ) -> ReadResult:
        return await self.read("chats_unanswered", {"older_than_minutes": older_than_minutes, "limit": limit})

    async def funnel(self, start: date, end: date, tz: str) -> ReadResult:
        return await self.read("funnel", {"from": start, "to": end, "tz": tz})

    async def access_summary(self, start: date, end: date) -> ReadResult:
        return await self.read("access_summary", {"from": start, "to": end})

    async def events(self, *, after: str | None = None, limit: int | None = None) -> ReadResult:
        return await self.read("events", {"after": after, "limit": limit})

    # -- actions -------------------------------------------------------------------------------------

    async def action(
        self,
        key: str,
        body: Mapping[str, Any] | None = None,
        *,
        actor_tg_id: int | None = None,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> ActionResult:
        """Call an Actions API endpoint by key (`prices_bump_preview`, `fx_apply`, ...).

        `actor_tg_id` goes into the body (when absent there) and the `X-ACTOR-TG-ID` header.
        `/fx/apply` requires `idempotency_key`.
        """
        endpoint = ENDPOINTS[key]
        if endpoint in READ_ENDPOINTS:
            raise ValueError(f"{key} is not an Actions API endpoint")
        if endpoint.idempotency_key and not idempotency_key:
            raise ValueError(f"{key} requires an Idempotency-Key")
        payload: dict[str, Any] | None = None
        if endpoint.method != "GET":
            payload = dict(body or {})
            if actor_tg_id is not None:
                payload.setdefault("actor_tg_id", actor_tg_id)
        parsed = await self._call(
            endpoint,
            endpoint_url_path(endpoint),
            body=payload,
            correlation_id=correlation_id,
            actor_tg_id=actor_tg_id,
            idempotency_key=idempotency_key,
        )
        return self._action_result(endpoint, parsed)

    def _action_result(self, endpoint: Endpoint, parsed: Any) -> ActionResult:
        if not isinstance(parsed, dict):
            raise SisError(
                ErrorCode.SIS_UNAVAILABLE,
                "SIS answered with an unexpected body",
                endpoint=endpoint.key,
                outcome_unknown=not endpoint.safe,
            )
        if is_action_envelope(parsed):
            envelope = ActionEnvelope.model_validate(parsed)
            if not envelope.ok:
                raise _envelope_error(endpoint, envelope)
            data = envelope.data or {}
            style: Literal["envelope", "legacy"] = "envelope"
            status = envelope.status or (data.get("status") if isinstance(data.get("status"), str) else None)
            warnings = list(envelope.warnings)
            correlation_id, request_hash = envelope.correlation_id, envelope.request_hash
        else:
            data = parsed
            style = "legacy"
            status = data.get("status") if isinstance(data.get("status"), str) else None
            raw_warnings = data.get("warnings")
            warnings = raw_warnings if isinstance(raw_warnings, list) else []
            correlation_id = request_hash = None
        drift: list[DriftWarning] = []
        if self._contract_check and endpoint.data_model is not None:
            drift = check_drift(endpoint.data_model, data, endpoint=endpoint.key, prefix="data.")
            self._record_drift(drift)
        return ActionResult(
            endpoint=endpoint.key,
            style=style,
            data=data,
            status=status,
            warnings=warnings,
            correlation_id=correlation_id,
            request_hash=request_hash,
            drift=drift,
        )


def _json_default(value: object) -> str:
    """Decimals travel as strings (the contract's money format), dates as ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _envelope_error(endpoint: Endpoint, envelope: ActionEnvelope) -> SisError:
    error = envelope.error
    code_raw: object = None
    message: object = error
    if isinstance(error, dict):
        code_raw = error.get("code") or error.get("error_code")
        message = error.get("message") or error.get("detail")
    try:
        code = ErrorCode(code_raw) if isinstance(code_raw, str) else ErrorCode.VALIDATION_ERROR
    except ValueError:
        code = ErrorCode.VALIDATION_ERROR
    return SisError(
        code, shorten_detail(message), endpoint=endpoint.key, correlation_id=envelope.correlation_id
    )


# -- one client per process ---------------------------------------------------------------------------

# One client per SIS configuration in a process (in production exactly one): a runtime built from other
# settings (a test, a second tenant later) must never reuse a client aimed at another base URL or key.
_shared: dict[tuple[object, ...], SisClient] = {}


def _signature(settings: Settings) -> tuple[object, ...]:
    key = settings.sis_ownerbot_api_key.get_secret_value() if settings.sis_ownerbot_api_key else None
    return (
        settings.sis_base_url,
        hashlib.sha256((key or "").encode()).hexdigest(),
        settings.sis_timeout_sec,
        settings.sis_max_retries,
        settings.sis_retry_backoff_base_sec,
        settings.sis_breaker_failures,
        settings.sis_breaker_cooldown_sec,
        settings.sis_contract_check_enabled,
    )


def get_sis_client(settings: Settings) -> SisClient:
    """The process-wide client for these settings (created on first use)."""
    signature = _signature(settings)
    client = _shared.get(signature)
    if client is None:
        client = _shared[signature] = SisClient.from_settings(settings)
    return client


async def close_sis_client() -> None:
    """Close every shared client (at shutdown)."""
    clients = list(_shared.values())
    _shared.clear()
    for client in clients:
        await client.aclose()
