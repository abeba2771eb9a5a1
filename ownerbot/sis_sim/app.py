"""The simulator's aiohttp application: routes, key checks, fault injection, stats and the admin API.

- Read gateway under `/ownerbot/v1/` needs `X-API-Key`; actions under `/ownerbot/v1/actions/` need
  `X-OWNERBOT-KEY`; `/_sim/*` accepts either. Missing key → 401, wrong key → 403 (timing-safe compare).
- `GET /_sim/stats` → `{requests: {endpoint: n}, applies: {endpoint: n}}` (requests counted on arrival,
  before any fault; applies only when an apply changed something); `POST /_sim/stats/reset`.
- `GET /_sim/faults`, `POST /_sim/faults` (a `Faults` object replaces the current set; `{}` clears).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from ownerbot.sis_sim.actions import action_handler
from ownerbot.sis_sim.faults import Faults
from ownerbot.sis_sim.reads import READ_HANDLERS, BadQuery
from ownerbot.sis_sim.state import STATE_KEY, SimState
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.sis.contract import ACTION_ENDPOINTS, ENDPOINTS, READ_ENDPOINTS, endpoint_url_path

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HTML_ERROR_PAGE = (
    "<html><head><title>{status}</title></head><body><h1>{status} Server Error</h1></body></html>"
)


def _key_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _auth_error(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail, "error_code": "SIS_AUTH_ERROR"}, status=status)


def _check_key(request: web.Request, headers: tuple[str, ...]) -> web.Response | None:
    state: SimState = request.app[STATE_KEY]
    given = next((request.headers[h] for h in headers if h in request.headers), None)
    if not given:
        return _auth_error(401, f"{headers[0]} header is missing")
    if not _key_matches(given, state.config.api_key):
        return _auth_error(403, f"{headers[0]} is invalid")
    return None


async def _hang(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    await state.faults.released.wait()
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=503)


@web.middleware
async def sim_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state: SimState = request.app[STATE_KEY]
    route_name = request.match_info.route.name
    if request.path.startswith("/_sim/"):
        refused = _check_key(request, ("X-OWNERBOT-KEY", "X-API-Key"))
        return refused if refused is not None else await handler(request)
    endpoint = ENDPOINTS.get(route_name or "")
    if endpoint is None:
        return web.json_response({"detail": "no such endpoint"}, status=404)
    state.stats.requests[endpoint.key] += 1
    faults = state.faults.faults if state.faults.faults.applies_to(endpoint.family) else Faults()
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.hang:
        return await _hang(request)
    if faults.rate_limit:
        return web.json_response({"detail": "rate limited"}, status=429, headers={"Retry-After": "1"})
    if faults.error_rate and state.faults.roll_error():
        status = faults.error_status
        return web.Response(
            text=HTML_ERROR_PAGE.format(status=status), status=status, content_type="text/html"
        )
    if faults.auth_status is not None:
        detail = "API key missing" if faults.auth_status == 401 else "API key invalid (fault injected)"
        return _auth_error(faults.auth_status, detail)
    if endpoint.family in faults.not_found_families:
        return web.json_response({"detail": "Not Found"}, status=404)
    header = "X-API-Key" if endpoint in READ_ENDPOINTS else "X-OWNERBOT-KEY"
    refused = _check_key(request, (header,))
    if refused is not None:
        return refused
    try:
        response = await handler(request)
    except BadQuery as exc:
        return web.json_response({"detail": str(exc), "error_code": "VALIDATION_ERROR"}, status=422)
    except ProviderNotSupported as exc:
        return web.json_response({"detail": str(exc) or "not supported"}, status=404)
    if faults.reset:
        if request.transport is not None:
            request.transport.abort()
        return response
    if isinstance(response, web.Response) and response.status < 400:
        if faults.malformed_json:
            return web.Response(
                text='{"as_of": "2026-', status=response.status, content_type="application/json"
            )
        if faults.missing_provenance and endpoint in READ_ENDPOINTS and response.body is not None:
            assert isinstance(response.body, bytes)
            body: dict[str, Any] = json.loads(response.body)
            body.pop("provenance", None)
            return web.json_response(body, status=response.status)
    return response


async def get_stats(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    return web.json_response(state.stats.as_dict())


async def reset_stats(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    state.stats.reset()
    return web.json_response(state.stats.as_dict())


async def get_faults(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    return web.json_response(state.faults.faults.model_dump(mode="json"))


async def set_faults(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    try:
        faults = Faults.model_validate_json(await request.read() or b"{}")
    except ValidationError as exc:
        detail = [{"loc": list(map(str, e["loc"])), "msg": e["msg"]} for e in exc.errors()]
        return web.json_response({"detail": detail, "error_code": "VALIDATION_ERROR"}, status=422)
    state.faults.set(faults)
    return web.json_response(faults.model_dump(mode="json"))


async def _release_hangs(app: web.Application) -> None:
    app[STATE_KEY].faults.released.set()


def build_app(state: SimState) -> web.Application:
    app = web.Application(middlewares=[sim_middleware])
    app[STATE_KEY] = state
    for endpoint in READ_ENDPOINTS:
        app.router.add_route(
            endpoint.method, endpoint_url_path(endpoint), READ_HANDLERS[endpoint.key], name=endpoint.key
        )
    for endpoint in ACTION_ENDPOINTS:
        app.router.add_route(
            endpoint.method, endpoint_url_path(endpoint), action_handler(endpoint.key), name=endpoint.key
        )
    app.router.add_get("/_sim/stats", get_stats, name="sim_stats")
    app.router.add_post("/_sim/stats/reset", reset_stats, name="sim_stats_reset")
    app.router.add_get("/_sim/faults", get_faults, name="sim_faults")
    app.router.add_post("/_sim/faults", set_faults, name="sim_faults_set")
    app.on_shutdown.append(_release_hangs)
    return app
