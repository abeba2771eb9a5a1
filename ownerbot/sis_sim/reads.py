"""The read gateway (`/ownerbot/v1/...`) answered from the DEMO readers over the simulator's database.

Each answer is the contract envelope `{as_of, data, provenance{sources, window, filters_hash}, warnings}`;
money is serialised as decimal strings by pydantic's JSON mode.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.sis_sim.events import EventFeed, InvalidEventCursor
from ownerbot.sis_sim.state import STATE_KEY, SimState
from ownerbot.upstream.ops import InvalidCursor, OrderQuery
from ownerbot.upstream.sis.contract import CONTRACT_VERSION

SIM_VERSION = "ownerbot-sis-sim/1"
MAX_WINDOW_DAYS = 366


class BadQuery(ValueError):
    """A query parameter the gateway rejects (422)."""


def _dump(model: BaseModel, *, drop: tuple[str, ...] = ("sources",)) -> dict[str, Any]:
    data = model.model_dump(mode="json")
    for key in drop:
        data.pop(key, None)
    return data


def filters_hash(params: Mapping[str, str]) -> str:
    canonical = json.dumps(sorted(params.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def envelope(
    request: web.Request,
    data: dict[str, Any],
    sources: tuple[str, ...] | list[str],
    *,
    window: DayWindow | None = None,
    as_of: datetime | None = None,
    warnings: list[Any] | None = None,
) -> web.Response:
    body = {
        "as_of": (as_of or datetime.now(UTC)).isoformat(),
        "data": data,
        "provenance": {
            "sources": [f"sis:{source}" for source in sources],
            "window": window.as_provenance() if window is not None else None,
            "filters_hash": filters_hash(dict(request.query)),
        },
        "warnings": warnings or [],
    }
    return web.json_response(body)


def _int(query: Mapping[str, str], name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name}: an integer is required") from None
    if not lo <= value <= hi:
        raise BadQuery(f"{name}: must be within {lo}..{hi}")
    return value


def _bool(query: Mapping[str, str], name: str) -> bool | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise BadQuery(f"{name}: true or false")


def _window(state: SimState, query: Mapping[str, str]) -> DayWindow:
    tz = query.get("tz") or state.config.tz
    today = local_day(datetime.now(UTC), state.config.tz)
    try:
        start = date.fromisoformat(query["from"]) if query.get("from") else today
        end = date.fromisoformat(query["to"]) if query.get("to") else start
        window = DayWindow(start, end, tz)
    except (ValueError, KeyError) as exc:
        raise BadQuery(f"from/to/tz: {exc}") from None
    if window.n_days > MAX_WINDOW_DAYS:
        raise BadQuery(f"the window is longer than {MAX_WINDOW_DAYS} days")
    return window


def _choice(query: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = query.get(name) or default
    if value not in allowed:
        raise BadQuery(f"{name}: one of {', '.join(allowed)}")
    return value


async def ping(request: web.Request) -> web.Response:
    data = {"ok": True, "version": SIM_VERSION, "contract_version": CONTRACT_VERSION}
    return envelope(request, data, ["ping"])


async def kpi_summary(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    window = _window(state, request.query)
    kpi = await state.provider.sales.kpi_totals(window)
    data = {
        "from": window.start.isoformat(),
        "to": window.end.isoformat(),
        "tz": window.tz,
        "currency": kpi.currency,
        "revenue_gross": str(kpi.revenue_gross),
        "revenue_net": str(kpi.revenue_net),
        "refunds": str(kpi.refunds),
        "orders_created": kpi.orders_created,
        "orders_paid": kpi.orders_paid,
        "paid_orders_value": str(kpi.paid_orders_value),
        "aov": None if kpi.aov is None else str(kpi.aov),
        "days_covered": kpi.days_covered,
    }
    return envelope(request, data, kpi.sources, window=window)


async def revenue_trend(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    window = _window(state, request.query)
    series = await state.provider.sales.daily_series(window)
    points = [
        {"day": p.day.isoformat(), "revenue_gross": str(p.revenue_gross), "orders_paid": p.orders_paid}
        for p in series.points
    ]
    totals = {
        "revenue_gross": str(sum((p.revenue_gross for p in series.points), start=0)),
        "orders_paid": sum(p.orders_paid for p in series.points),
    }
    data = {"currency": series.currency, "series": points, "totals": totals}
    return envelope(request, data, series.sources, window=window)


async def orders_search(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    q = request.query
    try:
        query = OrderQuery(
            q=q.get("q") or None,
            status=q.get("status") or None,
            preset=q.get("preset") or None,
            flagged=_bool(q, "flagged"),
            since_hours=_int(q, "since_hours", None, 1, 720),
            limit=_int(q, "limit", 20, 0, 200) or 0,
            cursor=q.get("cursor") or None,
        )
    except ValidationError as exc:
        raise BadQuery(str(exc.errors()[0]["msg"])) from None
    try:
        page = await state.provider.ops.search_orders(query, datetime.now(UTC))
    except InvalidCursor:
        raise BadQuery("cursor: not issued by this gateway") from None
    data = {
        "count": page.count,
        "items": [_dump(item) for item in page.items],
        "next_cursor": page.next_cursor,
    }
    return envelope(request, data, page.sources, as_of=page.as_of)


async def order(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    detail = await state.provider.ops.order_detail(request.match_info["order_id"])
    if detail is None:
        return web.json_response({"detail": "order not found", "error_code": "NOT_FOUND"}, status=404)
    data = _dump(detail)
    data["problems"] = list(detail.problems(datetime.now(UTC)))
    return envelope(request, data, detail.sources)


async def products_top(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    q = request.query
    window = _window(state, q)
    ranking = await state.provider.sales.top_products(
        window,
        metric=_choice(q, "metric", "revenue", ("revenue", "qty")),  # type: ignore[arg-type]
        direction=_choice(q, "direction", "top", ("top", "bottom")),  # type: ignore[arg-type]
        group_by=_choice(q, "group_by", "product", ("product", "category")),  # type: ignore[arg-type]
        limit=_int(q, "limit", 10, 1, 100) or 10,
    )
    return envelope(request, _dump(ranking), ranking.sources, window=window)


async def inventory_status(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    q = request.query
    inventory = await state.provider.ops.inventory(
        _int(q, "low_stock_lte", 5, 0, 100_000) or 0, None, _int(q, "limit", 10, 0, 200) or 0
    )
    return envelope(request, _dump(inventory), inventory.sources)


async def chats_unanswered(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    q = request.query
    threads = await state.provider.ops.unanswered_threads(
        _int(q, "older_than_minutes", 60, 0, 525_600) or 0,
        _int(q, "limit", 20, 0, 200) or 0,
        datetime.now(UTC),
    )
    return envelope(request, _dump(threads), threads.sources)


async def funnel(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    window = _window(state, request.query)
    data = await state.provider.sales.funnel(window, datetime.now(UTC))
    return envelope(request, _dump(data), data.sources, window=window, as_of=data.as_of)


async def access_summary(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    window = _window(state, request.query)
    data = await state.provider.ops.access(window)
    return envelope(request, _dump(data), data.sources, window=window)


async def events(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE_KEY]
    limit = _int(request.query, "limit", 100, 1, 1000) or 100
    feed = EventFeed(
        state.session_factory, business_id=str(state.config.shop_id), fx_failures=state.fx_failures
    )
    try:
        page = await feed.page(request.query.get("after") or None, limit)
    except InvalidEventCursor:
        raise BadQuery("after: not a cursor issued by this gateway") from None
    return envelope(request, page, feed.sources)


READ_HANDLERS = {
    "ping": ping,
    "kpi_summary": kpi_summary,
    "revenue_trend": revenue_trend,
    "orders_search": orders_search,
    "order": order,
    "products_top": products_top,
    "inventory_status": inventory_status,
    "chats_unanswered": chats_unanswered,
    "funnel": funnel,
    "access_summary": access_summary,
    "events": events,
}
