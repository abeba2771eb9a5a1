"""`sys_health`: OwnerBot, database, state store, data source, SIS ping and breaker, capabilities, drift."""

from __future__ import annotations

import asyncio
import platform
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot import __version__
from ownerbot.services.diagnostics import sis_events_status
from ownerbot.services.upstream_status import describe_upstream
from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.storage.engine import ping_database
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.system.common import (
    DATABASE_ENGINE_SERVICE,
    OWNERBOT_SOURCE,
    STATE_STORE_SERVICE,
    UPSTREAM_MODES_SERVICE,
    SystemPayload,
    capability_service,
    sis_client_of,
)
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sis.contract import ENDPOINTS, endpoint_url_path
from ownerbot.upstream.sis.errors import SisError

PING_TIMEOUT_SEC = 4.0  # leaves room under the runner's deadline for the other probes
SHOWN_DRIFT = 5
DRIFT_WARNING = "SIS_CONTRACT_DRIFT"
PING_SOURCE = "sis:" + endpoint_url_path(ENDPOINTS["ping"])


class SysHealthPayload(SystemPayload):
    pass


async def _database(engine: object) -> dict[str, Any]:
    if not isinstance(engine, AsyncEngine):
        return {"reachable": None, "error": "not available in this process"}
    try:
        return {"reachable": True, "latency_ms": round(await ping_database(engine), 1)}
    except Exception as exc:  # any driver failure means "unreachable"; the type names it
        return {"reachable": False, "error": type(exc).__name__}


async def _state(state: object) -> dict[str, Any]:
    if not isinstance(state, StateStore):
        return {"backend": None, "reachable": None, "error": "not available in this process"}
    try:
        return {"backend": state.backend, "reachable": True, "latency_ms": round(await state.ping(), 1)}
    except StateStoreUnavailable as exc:
        return {"backend": state.backend, "reachable": False, "error": str(exc)[:120]}


async def _sis(ctx: ToolContext) -> dict[str, Any]:
    client = sis_client_of(ctx)
    if client is None:
        return {"configured": False}
    result: dict[str, Any] = {"configured": True, "base_url": client.base_url}
    started = asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(PING_TIMEOUT_SEC):
            ping = await client.ping(correlation_id=ctx.correlation_id)
        result["ping"] = {
            "ok": ping.ok,
            "version": ping.version,
            "contract_version": ping.contract_version,
            "latency_ms": round((asyncio.get_running_loop().time() - started) * 1000, 1),
        }
    except SisError as error:
        result["ping"] = {"ok": False, "error": error.code.value, "detail": error.detail}
    except TimeoutError:
        result["ping"] = {
            "ok": False,
            "error": "TIMEOUT",
            "detail": f"no answer within {PING_TIMEOUT_SEC:g} s",
        }
    snapshot = client.breaker.snapshot()
    result["breaker"] = {
        "state": snapshot.state.value,
        "consecutive_failures": snapshot.consecutive_failures,
        "failure_threshold": snapshot.failure_threshold,
        "opened_count": snapshot.opened_count,
    }
    drift = client.drift_warnings()
    result["contract_drift"] = {
        "count": len(drift),
        "recent": [
            {"endpoint": w.endpoint, "field": w.field, "problem": w.problem}
            for w in reversed(drift[-SHOWN_DRIFT:])
        ],
    }
    return result


async def _capabilities(ctx: ToolContext) -> dict[str, Any]:
    """The cached answer only: a health check must not fire six probes at SIS."""
    cached = await capability_service(ctx).cached()
    if cached is None:
        return {"checked": False}
    return {
        "checked": True,
        "source": cached.source,
        "checked_at": cached.checked_at.isoformat(),
        "counts": cached.counts(),
        "not_supported": sorted(f for f, s in cached.families.items() if s.status != "supported"),
    }


async def _sis_events(ctx: ToolContext) -> dict[str, Any] | None:
    """Event ingestion (rows, cursor, last successful pull, pull/push switches); None without a database."""
    engine = ctx.services.get(DATABASE_ENGINE_SERVICE)
    if not isinstance(engine, AsyncEngine):
        return None
    status = await sis_events_status(capability_service(ctx).settings, engine)
    return None if status is None else status.model_dump(mode="json")


async def sys_health(payload: SysHealthPayload, ctx: ToolContext) -> ToolResult:
    modes = ctx.services.get(UPSTREAM_MODES_SERVICE)
    sis = await _sis(ctx)
    data: dict[str, Any] = {
        "ownerbot": {"version": __version__, "python": platform.python_version()},
        "database": await _database(ctx.services.get(DATABASE_ENGINE_SERVICE)),
        "state": await _state(ctx.services.get(STATE_STORE_SERVICE)),
        "upstream": describe_upstream(capability_service(ctx).settings, modes).model_dump(),
        "sis": sis,
        "capabilities": await _capabilities(ctx),
        "contract_drift_count": sis.get("contract_drift", {}).get("count", 0),
        "sis_events": await _sis_events(ctx),
        "as_of": ctx.now,
    }
    sources = [OWNERBOT_SOURCE, "ownerbot:database", "ownerbot:state"]
    warnings: list[ToolWarning] = []
    if "ping" in sis:
        sources.append(PING_SOURCE)
    if data["contract_drift_count"]:
        warnings.append(
            ToolWarning(
                code=DRIFT_WARNING,
                message=f"SIS answers differ from the contract in {data['contract_drift_count']} field(s)",
                params={"count": data["contract_drift_count"]},
            )
        )
    return ToolResult(data=data, sources=sources, warnings=warnings)


SPEC: ToolSpec[SysHealthPayload] = ToolSpec(
    name="sys_health",
    kind=ToolKind.READ,
    payload_model=SysHealthPayload,
    description="Health: OwnerBot version, database, Redis/state, data source, SIS ping and breaker, "
    "capabilities, contract drift",
    handler=sys_health,
    risk=Risk.LOW,
    examples=({},),
    windowless=True,
)
