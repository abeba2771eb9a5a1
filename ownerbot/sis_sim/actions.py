"""Actions API v1 (`/ownerbot/v1/actions/...`) over the simulator's own catalog via `CatalogActions`.

The same DEMO implementation OwnerBot uses in DEMO mode (`upstream/demo/catalog_ops/`) acts on the
simulator's database, so prices really change, reprices keep backups and roll back, publish states and
discounts stick. When that module is not available every action family answers 404 (`NOT_SUPPORTED`).

Checks in order: body is a JSON object (422) → common fields (422) → `shop_id` allowed (403) →
`actor_tg_id` allowed (403) → family parameters (422) → the operation. Catalog failures map to the
contract's statuses: validation 422 (`SIS_RATE_MISSING` when a rate is missing), anomaly 409
`ANOMALY_FORCE_REQUIRED`, impossible rollback 409, Idempotency-Key reused for another request 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ownerbot.sis_sim.state import STATE_KEY, SimState
from ownerbot.upstream.catalog import (
    BumpParams,
    CatalogConflict,
    CatalogError,
    CatalogForceRequired,
    CatalogIdempotencyConflict,
    CatalogValidationError,
    DiscountClearParams,
    DiscountSetParams,
    FxAutoParams,
    LooksPublishParams,
    ProductsPublishParams,
    RepriceParams,
)
from ownerbot.upstream.sis.contract import ENDPOINTS, ActionBody

P = TypeVar("P", bound=BaseModel)
FX_REPRICE_APPLIES = frozenset({"fx_apply", "reprice_apply"})
Handler = Callable[[web.Request], Awaitable[web.Response]]


class ActionRefused(Exception):
    """An error answer `{detail, error_code?}` with an HTTP status."""

    def __init__(self, status: int, detail: Any, error_code: str | None = None, **extra: Any) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.error_code = error_code
        self.extra = extra


def error_response(request: web.Request, refused: ActionRefused) -> web.Response:
    body: dict[str, Any] = {"detail": refused.detail, **refused.extra}
    if refused.error_code:
        body["error_code"] = refused.error_code
    cid = request.headers.get("X-CORRELATION-ID")
    if cid:
        body["correlation_id"] = cid
    return web.json_response(body, status=refused.status)


def _validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


async def _body(request: web.Request) -> dict[str, Any]:
    if request.method == "GET":
        return {}
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise ActionRefused(422, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ActionRefused(422, "the body must be a JSON object")
    return body


def _actor(request: web.Request, body: dict[str, Any], *, required: bool) -> tuple[int, int | None]:
    """Check the common fields and the allowlists; returns (shop_id, actor_tg_id)."""
    state: SimState = request.app[STATE_KEY]
    if "actor_tg_id" not in body and request.headers.get("X-ACTOR-TG-ID", "").lstrip("-").isdigit():
        body = {**body, "actor_tg_id": int(request.headers["X-ACTOR-TG-ID"])}
    if not required and "actor_tg_id" not in body:
        shop_id = body.get("shop_id", 1)
        actor = None
    else:
        try:
            common = ActionBody.model_validate(body)
        except ValidationError as exc:
            raise ActionRefused(422, _validation_detail(exc), "VALIDATION_ERROR") from None
        shop_id, actor = common.shop_id, common.actor_tg_id
    if not isinstance(shop_id, int) or shop_id not in state.config.allowed_shops:
        raise ActionRefused(403, f"shop_id {shop_id} is not allowed for this key", "SIS_AUTH_ERROR")
    allowed = state.config.allowed_actors
    if actor is not None and allowed is not None and actor not in allowed:
        raise ActionRefused(403, f"actor {actor} is not an admin of this shop", "SIS_AUTH_ERROR")
    return shop_id, actor


def _params(model: type[P], body: dict[str, Any]) -> P:
    fields = {k: v for k, v in body.items() if k in model.model_fields}
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise ActionRefused(422, _validation_detail(exc), "VALIDATION_ERROR") from None


def _request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _success(request: web.Request, data: dict[str, Any], body: dict[str, Any]) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    if state.config.body_style == "legacy":
        return web.json_response(data)
    status = data.get("status") if isinstance(data.get("status"), str) else "ok"
    warnings = data.get("warnings") if isinstance(data.get("warnings"), list) else []
    return web.json_response(
        {
            "ok": True,
            "status": status,
            "correlation_id": request.headers.get("X-CORRELATION-ID"),
            "request_hash": _request_hash(body),
            "warnings": warnings,
            "data": data,
            "error": None,
        }
    )


def _catalog_refusal(exc: CatalogError) -> ActionRefused:
    if isinstance(exc, CatalogForceRequired):
        return ActionRefused(409, exc.message, "ANOMALY_FORCE_REQUIRED", anomaly=exc.details.get("anomaly"))
    if isinstance(exc, CatalogConflict):
        return ActionRefused(409, exc.message, "VALIDATION_ERROR")
    if isinstance(exc, CatalogIdempotencyConflict):
        return ActionRefused(422, exc.message, "IDEMPOTENCY_CONFLICT")
    if isinstance(exc, CatalogValidationError):
        return ActionRefused(422, exc.message, exc.code)
    return ActionRefused(422, exc.message, exc.code)


def action_handler(key: str) -> Handler:
    """The aiohttp handler of one action endpoint."""
    endpoint = ENDPOINTS[key]

    async def handle(request: web.Request) -> web.Response:
        state: SimState = request.app[STATE_KEY]
        try:
            body = await _body(request)
            _shop, actor = _actor(request, body, required=endpoint.method != "GET")
            if state.catalog is None:
                raise ActionRefused(404, f"{endpoint.family} actions are not available in this simulator")
            now = datetime.now(UTC)
            data, applied = await _OPERATIONS[key](state, request, body, actor or 0, now)
        except ActionRefused as refused:
            return error_response(request, refused)
        except CatalogError as exc:
            # A reprice that failed (not a reused key) is reported by the feed as FX_REPRICE_FAILED.
            if key in FX_REPRICE_APPLIES and not isinstance(exc, CatalogIdempotencyConflict):
                state.fx_failures.record(
                    key,
                    error_code=exc.code,
                    detail=exc.message,
                    actor_id=actor,
                    idempotency_key=request.headers.get("Idempotency-Key", "").strip() or None,
                    at=datetime.now(UTC),
                )
            return error_response(request, _catalog_refusal(exc))
        if applied:
            state.stats.applies[key] += 1
        return _success(request, data, body)

    return handle


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


Operation = Callable[
    [SimState, web.Request, dict[str, Any], int, datetime], Awaitable[tuple[dict[str, Any], bool]]
]


async def _reprice_preview(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.reprice_preview(_params(RepriceParams, b))), False


async def _reprice_apply(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    result = await s.catalog.reprice_apply(
        _params(RepriceParams, b), force=bool(b.get("force")), actor_id=a, now=now
    )
    return _dump(result), True


async def _bump_preview(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.prices_bump_preview(_params(BumpParams, b))), False


async def _bump_apply(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.prices_bump_apply(_params(BumpParams, b), actor_id=a, now=now)), True


async def _rollback_preview(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.rollback_preview()), False


async def _rollback_apply(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    job_id = b.get("job_id")
    if job_id is not None and not isinstance(job_id, int):
        raise ActionRefused(422, "job_id: an integer is required", "VALIDATION_ERROR")
    result = await s.catalog.rollback_apply(job_id, actor_id=a, now=now)
    return _dump(result), result.status == "committed"


async def _fx_status(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.fx_status()), False


async def _fx_preview(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    return _dump(await s.catalog.fx_auto_preview(_params(FxAutoParams, b), now=now)), False


async def _fx_apply(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    key = r.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ActionRefused(422, "the Idempotency-Key header is required", "VALIDATION_ERROR")
    if len(key) > 200:
        raise ActionRefused(422, "Idempotency-Key is longer than 200 characters", "VALIDATION_ERROR")
    result = await s.catalog.fx_auto_apply(
        _params(FxAutoParams, b), idempotency_key=key, force=bool(b.get("force")), actor_id=a, now=now
    )
    return _dump(result), result.status == "committed" and not result.replayed


async def _fx_settings(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
    assert s.catalog is not None
    updates = b.get("updates")
    if not isinstance(updates, dict) or not updates:
        raise ActionRefused(422, "updates: a non-empty object is required", "VALIDATION_ERROR")
    change = await s.catalog.fx_settings_update(updates, actor_id=a, now=now)
    data = {**_dump(change), "settings": change.after, "status": "committed"}
    return data, bool(change.changed_keys)


def _state_ops(params: type[BaseModel], preview: str, apply: str) -> tuple[Operation, Operation]:
    async def do_preview(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
        method = getattr(s.catalog, preview)
        return _dump(await method(_params(params, b))), False

    async def do_apply(s: SimState, r: web.Request, b: dict[str, Any], a: int, now: datetime) -> Any:
        method = getattr(s.catalog, apply)
        result = await method(_params(params, b), actor_id=a, now=now)
        return _dump(result), result.affected_count > 0

    return do_preview, do_apply


_products = _state_ops(ProductsPublishParams, "products_publish_preview", "products_publish_apply")
_looks = _state_ops(LooksPublishParams, "looks_publish_preview", "looks_publish_apply")
_dset = _state_ops(DiscountSetParams, "discounts_set_preview", "discounts_set_apply")
_dclear = _state_ops(DiscountClearParams, "discounts_clear_preview", "discounts_clear_apply")

_OPERATIONS: dict[str, Operation] = {
    "reprice_preview": _reprice_preview,
    "reprice_apply": _reprice_apply,
    "prices_bump_preview": _bump_preview,
    "prices_bump_apply": _bump_apply,
    "rollback_preview": _rollback_preview,
    "rollback_apply": _rollback_apply,
    "fx_status": _fx_status,
    "fx_preview": _fx_preview,
    "fx_apply": _fx_apply,
    "fx_settings": _fx_settings,
    "products_publish_preview": _products[0],
    "products_publish_apply": _products[1],
    "looks_publish_preview": _looks[0],
    "looks_publish_apply": _looks[1],
    "discounts_set_preview": _dset[0],
    "discounts_set_apply": _dset[1],
    "discounts_clear_preview": _dclear[0],
    "discounts_clear_apply": _dclear[1],
}
