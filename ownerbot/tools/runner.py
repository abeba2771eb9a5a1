"""The one way a read tool runs: validate, execute with a deadline, wrap, verify provenance, audit.

`ToolRunner.run` never raises: every outcome is a `ToolResponse` with a stable error code, and every
call leaves `tool_call_started` / `tool_call_finished` audit events. Action tools are refused here;
they run only through the ACTION pipeline (ACTIONS.md).
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from ownerbot.config.settings import Settings
from ownerbot.observability.correlation import correlation_scope, current_correlation_id, new_correlation_id
from ownerbot.services.audit_log import AuditLog
from ownerbot.tools.contract import (
    Actor,
    ErrorCode,
    Provenance,
    Tenant,
    ToolFailure,
    ToolKind,
    ToolRequest,
    ToolResponse,
    ToolResult,
    ToolWarning,
)
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec
from ownerbot.tools.validation import validate_payload
from ownerbot.tools.verifier import verify_response
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable, UpstreamProvider
from ownerbot.upstream.deadline import deadline_at
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT, fallback_scope

log = logging.getLogger(__name__)

EVENT_STARTED = "tool_call_started"
EVENT_FINISHED = "tool_call_finished"
# The owner-facing bound of one tool call (past ~10 s attention is lost, TELEGRAM.md). Upstream clients
# see it through `upstream.deadline` and end their own calls before it (SIS_TIMEOUT_SEC may be longer).
DEFAULT_TIMEOUT_SEC = 10.0
# Audit columns are bounded (action_name 128, correlation_id 64); names from outside may be anything.
_AUDIT_NAME_CHARS = 64
_REASON_CHARS = 200


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the runner's default clock)."""
    return datetime.now(UTC)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal payloads give equal text, hence equal hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def filters_hash(payload: BaseModel) -> str:
    """First 16 hex digits of the SHA-256 of the validated payload's canonical JSON."""
    dumped = payload.model_dump(mode="json", by_alias=True)
    return hashlib.sha256(canonical_json(dumped).encode()).hexdigest()[:16]


def make_request(
    tool: str,
    payload: Mapping[str, Any],
    *,
    settings: Settings,
    actor_id: int | None = None,
    correlation_id: str | None = None,
    role: Literal["owner", "system", "cli"] = "owner",
    idempotency_key: str | None = None,
) -> ToolRequest:
    """A `ToolRequest` for this shop (tenant from `settings`), in the current correlation scope by default."""
    return ToolRequest(
        tool=tool,
        correlation_id=correlation_id or current_correlation_id() or new_correlation_id(),
        idempotency_key=idempotency_key,
        actor=Actor(owner_user_id=actor_id, role=role),
        tenant=Tenant(
            shop_id=settings.shop_id,
            currency=settings.shop_currency,
            timezone=settings.shop_timezone,
            locale=settings.shop_locale,
        ),
        payload=dict(payload),
    )


class ToolRunner:
    """Executes read tools from a registry against the provider of the moment."""

    def __init__(
        self,
        registry: ToolRegistry,
        *,
        provider_for: Callable[[], UpstreamProvider],
        audit: AuditLog | None,
        clock: Callable[[], datetime] = utc_now,
        timeout_sec: float = DEFAULT_TIMEOUT_SEC,
        services: Mapping[str, Any] | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`clock` gives `ToolContext.now` and `as_of`; `timer` (seconds, monotonic) measures latency."""
        if timeout_sec <= 0:
            raise ValueError("timeout_sec must be positive")
        self._registry = registry
        self._provider_for = provider_for
        self._audit = audit
        self._clock = clock
        self._timeout_sec = timeout_sec
        self._services = dict(services or {})
        self._timer = timer

    @property
    def registry(self) -> ToolRegistry:
        return self._registry

    async def run(self, request: ToolRequest) -> ToolResponse:
        """Run `request` and answer with a `ToolResponse`; never raises (cancellation propagates)."""
        with correlation_scope(request.correlation_id):
            now = self._clock()
            payload_hash = _payload_hash(request.payload)
            await self._audit_event(
                EVENT_STARTED,
                request,
                started_at=now,
                payload_hash=payload_hash,
                details={"tool": _short(request.tool), "actor_role": request.actor.role},
            )
            started = self._timer()
            try:
                response = await self._respond(request, now)
            except Exception:
                # Only a bug in the runner itself lands here; the contract still holds.
                log.exception("tool_runner_failed", extra={"tool": _short(request.tool)})
                response = _crashed(request, now)
            latency_ms = round((self._timer() - started) * 1000, 2)
            code = response.error.code.value if response.error is not None else None
            log.info(
                "tool_call",
                extra={
                    "tool": _short(request.tool),
                    "status": response.status,
                    "error_code": code,
                    "latency_ms": latency_ms,
                },
            )
            await self._audit_event(
                EVENT_FINISHED,
                request,
                status=response.status,
                started_at=now,
                finished_at=self._clock(),
                payload_hash=payload_hash,
                details={
                    "tool": _short(request.tool),
                    "latency_ms": latency_ms,
                    "status": response.status,
                    "error_code": code,
                },
            )
            return response

    async def _respond(self, request: ToolRequest, now: datetime) -> ToolResponse:
        spec = self._registry.get(request.tool)
        if spec is None:
            return self._unknown_tool(request, now)
        if spec.kind is not ToolKind.READ:
            return ToolResponse.fail(
                spec.name,
                request.correlation_id,
                ErrorCode.PERMISSION_DENIED,
                "Action tools run only through the ACTION pipeline (preview, then confirm).",
                details={"kind": spec.kind.value},
                as_of=now,
            )
        try:
            payload = validate_payload(spec.payload_model, request.payload)
            context = ToolContext(
                correlation_id=request.correlation_id,
                actor=request.actor,
                tenant=request.tenant,
                now=now,
                provider=self._provider_for(),
                services=dict(self._services),
            )
            with fallback_scope() as fallback:
                result = await self._call_with_deadline(spec, payload, context)
            if fallback.happened:  # AUTO answered (part of) this from DEMO: say so
                result = result.model_copy(
                    update={
                        "warnings": [
                            *result.warnings,
                            ToolWarning(code=DEMO_FALLBACK_CODE, message=DEMO_FALLBACK_TEXT),
                        ]
                    }
                )
        except ToolFailure as failure:
            return ToolResponse.fail(
                spec.name, request.correlation_id, failure.code, failure.message, failure.details, as_of=now
            )
        except _DeadlineExceeded:
            return ToolResponse.fail(
                spec.name,
                request.correlation_id,
                ErrorCode.TIMEOUT,
                f"Tool {spec.name} did not answer within {self._timeout_sec:g} s; try again later.",
                details={"timeout_sec": self._timeout_sec},
                as_of=now,
            )
        except ProviderNotSupported as exc:
            return ToolResponse.fail(
                spec.name,
                request.correlation_id,
                ErrorCode.NOT_SUPPORTED,
                f"The data source cannot answer {spec.name}.",
                details={"reason": _short(str(exc), _REASON_CHARS)},
                as_of=now,
            )
        except ProviderUnavailable as exc:
            code = _provider_code(exc)
            return ToolResponse.fail(
                spec.name,
                request.correlation_id,
                code,
                "The data source is unavailable right now; try again later."
                if code in (ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.SIS_UNAVAILABLE)
                else _short(str(exc), _REASON_CHARS),
                details={"reason": _short(str(exc), _REASON_CHARS)},
                as_of=now,
            )
        except Exception:
            log.exception("tool_call_crashed", extra={"tool": spec.name})
            return _crashed(request, now, tool=spec.name)
        response = ToolResponse(
            status="ok",
            tool=spec.name,
            correlation_id=request.correlation_id,
            as_of=now,
            data=result.data,
            warnings=result.warnings,
            provenance=Provenance(
                sources=result.sources,
                window=result.window,
                filters_hash=result.filters_hash or filters_hash(payload),
            ),
        )
        return verify_response(response, windowless=spec.windowless)

    async def _call_with_deadline(
        self, spec: ToolSpec[Any], payload: BaseModel, context: ToolContext
    ) -> ToolResult:
        deadline = asyncio.timeout(self._timeout_sec)
        try:
            async with deadline:
                # Published so the SIS client fails (and tells its breaker) before this deadline cancels it.
                with deadline_at(deadline.when()):
                    result = await spec.handler(payload, context)
        except TimeoutError:
            # A TimeoutError raised by the tool itself (a driver's own timeout) is a failure, not ours.
            if deadline.expired():
                raise _DeadlineExceeded from None
            raise
        if deadline.expired():
            # The handler swallowed the cancellation and returned late: still a timeout.
            raise _DeadlineExceeded
        if not isinstance(result, ToolResult):
            raise TypeError(f"tool {spec.name} returned {type(result).__name__}, not ToolResult")
        return result

    def _unknown_tool(self, request: ToolRequest, now: datetime) -> ToolResponse:
        name = _short(request.tool)
        close = difflib.get_close_matches(request.tool[:128], self._registry.names(), n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return ToolResponse.fail(
            name,
            request.correlation_id,
            ErrorCode.UNKNOWN_TOOL,
            f"Unknown tool {name!r}.{hint}",
            details={"close_matches": close},
            as_of=now,
        )

    async def _audit_event(self, event_type: str, request: ToolRequest, **fields: Any) -> None:
        if self._audit is None:
            return
        await self._audit.record(
            event_type,
            correlation_id=request.correlation_id[:_AUDIT_NAME_CHARS],
            actor_tg_id=request.actor.owner_user_id,
            action_name=_short(request.tool),
            **fields,
        )


class _DeadlineExceeded(Exception):
    """The runner's own deadline fired (as opposed to a TimeoutError raised inside the tool)."""


def _crashed(request: ToolRequest, now: datetime, tool: str | None = None) -> ToolResponse:
    """The answer to an unexpected exception: the correlation id to look it up, never the exception text."""
    return ToolResponse.fail(
        tool or _short(request.tool),
        request.correlation_id,
        ErrorCode.TOOL_EXECUTION_FAILED,
        f"Tool failed unexpectedly; reference {request.correlation_id}.",
        details={"correlation_id": request.correlation_id},
        as_of=now,
    )


def _provider_code(exc: ProviderUnavailable) -> ErrorCode:
    """The code a provider asked for (`SIS_UNAVAILABLE`, `SIS_AUTH_ERROR`, ...), else UPSTREAM_UNAVAILABLE."""
    try:
        return ErrorCode(exc.code) if exc.code else ErrorCode.UPSTREAM_UNAVAILABLE
    except ValueError:
        return ErrorCode.UPSTREAM_UNAVAILABLE


def _payload_hash(payload: Mapping[str, Any]) -> str | None:
    """SHA-256 of the raw payload's canonical JSON for the audit trail (None if it cannot be encoded)."""
    try:
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    except (TypeError, ValueError, RecursionError):
        return None


def _short(text: str, limit: int = _AUDIT_NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
