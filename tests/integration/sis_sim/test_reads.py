"""Contract tests: the SIS client against the running simulator, every read gateway endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ownerbot.domain.windows import local_day
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.events import KNOWN_EVENT_NAMES
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin

TZ = "Europe/Berlin"


def _window() -> tuple[object, object]:
    today = local_day(datetime.now(UTC), TZ)
    return today - timedelta(days=29), today


async def test_every_read_endpoint_answers_an_envelope_without_drift(
    make_client: Callable[..., SisClient],
) -> None:
    client = make_client()
    start, end = _window()
    ping = await client.ping()
    assert ping.ok and ping.contract_version.startswith("1.")
    results = [
        await client.kpi_summary(start, end, TZ),  # type: ignore[arg-type]
        await client.revenue_trend(start, end, TZ),  # type: ignore[arg-type]
        await client.orders_search(limit=3),
        await client.products_top(start, end, TZ, metric="qty", limit=3),  # type: ignore[arg-type]
        await client.inventory_status(low_stock_lte=5, limit=3),
        await client.chats_unanswered(older_than_minutes=60, limit=3),
        await client.funnel(start, end, TZ),  # type: ignore[arg-type]
        await client.access_summary(start, end),  # type: ignore[arg-type]
        await client.events(limit=5),
    ]
    for result in results:
        assert result.provenance.sources and all(s.startswith("sis:") for s in result.provenance.sources)
        assert result.provenance.filters_hash
        assert result.as_of is not None
        assert result.drift == [], result.endpoint
    kpi, trend, orders = results[0], results[1], results[2]
    assert kpi.provenance.window == {"from": start.isoformat(), "to": end.isoformat(), "tz": TZ}  # type: ignore[attr-defined]
    assert kpi.data["currency"] == "EUR" and kpi.data["orders_created"] > 0
    assert len(trend.data["series"]) == 30
    assert trend.data["totals"]["orders_paid"] == kpi.data["orders_paid"]
    assert orders.data["count"] == 400 and len(orders.data["items"]) == 3
    order_id = orders.data["items"][0]["order_id"]
    detail = await client.order(order_id)
    assert detail.data["order_id"] == order_id and detail.drift == []
    assert client.drift_warnings() == []


async def test_orders_paging_with_the_gateway_cursor(make_client: Callable[..., SisClient]) -> None:
    client = make_client()
    first = await client.orders_search(limit=5)
    second = await client.orders_search(limit=5, cursor=first.data["next_cursor"])
    ids = [i["order_id"] for i in first.data["items"] + second.data["items"]]
    assert len(set(ids)) == 10
    with pytest.raises(SisError) as caught:
        await client.orders_search(cursor="forged")
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


async def test_missing_order_is_not_found(make_client: Callable[..., SisClient]) -> None:
    with pytest.raises(SisError) as caught:
        await make_client().order("999999999")
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert caught.value.owner_text == "order not found"


async def _source_rows(sim: RunningSimulator) -> int:
    """Rows behind the feed: one event per row of each source (`ownerbot/sis_sim/events.py`)."""
    from sqlalchemy import func, select

    from ownerbot.sis_sim.events import SOURCES

    async with sim.state.session_factory() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(src.select_from).where(*src.where))
            for src in SOURCES
        ]
    return sum(c or 0 for c in counts)


async def test_events_feed_pages_in_order_without_overlap(
    make_client: Callable[..., SisClient], sim: RunningSimulator
) -> None:
    client = make_client()
    first = await client.events(limit=7)
    second = await client.events(after=first.data["next_cursor"], limit=7)
    events = first.data["events"] + second.data["events"]
    keys = [(e["occurred_at"], e["event_id"]) for e in events]
    assert keys == sorted(keys) and len(set(keys)) == 14
    names = {e["event_name"] for e in events}
    assert names <= KNOWN_EVENT_NAMES
    # Walk to the end: the last page repeats the cursor so a poller can keep it.
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = await client.events(after=cursor, limit=97)
        seen.update(e["event_id"] for e in page.data["events"])
        if not page.data["events"]:
            assert page.data["next_cursor"] == cursor
            break
        cursor = page.data["next_cursor"]
    assert len(seen) == await _source_rows(sim)  # every row once, none skipped at page edges
    with pytest.raises(SisError) as caught:
        await client.events(after="!!not-a-cursor")
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [({}, 401, "X-API-Key header is missing"), ({"X-API-Key": "wrong"}, 403, "X-API-Key is invalid")],
)
async def test_key_check(sim: RunningSimulator, headers: dict[str, str], status: int, detail: str) -> None:
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        response = await http.get("/ownerbot/v1/ping", headers=headers)
        assert response.status_code == status
        assert response.json()["detail"] == detail
        # The actions key is not the read key's header.
        response = await http.get("/ownerbot/v1/ping", headers={"X-OWNERBOT-KEY": SIM_KEY})
        assert response.status_code == 401
        assert (await http.get("/_sim/stats")).status_code == 401


async def test_wrong_key_through_the_client(make_client: Callable[..., SisClient]) -> None:
    with pytest.raises(SisError) as caught:
        await make_client(api_key="not-the-key").ping()
    assert caught.value.code is ErrorCode.SIS_AUTH_ERROR
    assert caught.value.owner_text == "X-API-Key is invalid"


@pytest.mark.parametrize(
    ("faults", "code", "text"),
    [
        ({"auth_status": 401}, ErrorCode.SIS_AUTH_ERROR, "API key missing"),
        ({"auth_status": 403}, ErrorCode.SIS_AUTH_ERROR, "API key invalid (fault injected)"),
        ({"not_found_families": ["kpi"]}, ErrorCode.NOT_SUPPORTED, "Not Found"),
        ({"rate_limit": True}, ErrorCode.SIS_UNAVAILABLE, "SIS is busy (too many requests), try later"),
        (
            {"error_rate": 1.0, "error_status": 500},
            ErrorCode.SIS_UNAVAILABLE,
            "SIS is unavailable (HTTP 500), try later",
        ),
        (
            {"error_rate": 1.0, "error_status": 502},
            ErrorCode.SIS_UNAVAILABLE,
            "SIS is unavailable (HTTP 502), try later",
        ),
        ({"malformed_json": True}, ErrorCode.SIS_UNAVAILABLE, "SIS answered with malformed JSON"),
        (
            {"missing_provenance": True},
            ErrorCode.PROVENANCE_INCOMPLETE,
            "SIS answered without provenance; the data is not shown",
        ),
    ],
)
async def test_faults_map_to_codes_and_owner_texts(
    make_client: Callable[..., SisClient],
    admin: SimAdmin,
    faults: dict[str, object],
    code: ErrorCode,
    text: str,
) -> None:
    await admin.faults(**faults)
    start, end = _window()
    with pytest.raises(SisError) as caught:
        await make_client().kpi_summary(start, end, TZ)  # type: ignore[arg-type]
    assert caught.value.code is code
    assert caught.value.owner_text == text
    assert "<" not in caught.value.owner_text


async def test_faults_can_be_limited_to_families(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(error_rate=1.0, only_families=["funnel"])
    client = make_client(max_retries=0)
    start, end = _window()
    await client.kpi_summary(start, end, TZ)  # type: ignore[arg-type]
    with pytest.raises(SisError):
        await client.funnel(start, end, TZ)  # type: ignore[arg-type]
    await admin.faults()
    await client.funnel(start, end, TZ)  # type: ignore[arg-type]


async def test_bad_fault_sets_are_refused(sim: RunningSimulator) -> None:
    async with httpx.AsyncClient(base_url=sim.base_url, headers={"X-API-Key": SIM_KEY}) as http:
        response = await http.post("/_sim/faults", json={"not_found_families": ["nope"]})
        assert response.status_code == 422
        response = await http.post("/_sim/faults", json={"typo": True})
        assert response.status_code == 422


async def test_safe_reads_are_retried_and_counted_at_the_simulator(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(error_rate=1.0, error_status=503)
    with pytest.raises(SisError):
        await make_client(max_retries=2).ping()
    assert await admin.requests("ping") == 3
    await admin.faults(error_rate=1.0, error_status=500)  # not transient enough to retry
    with pytest.raises(SisError):
        await make_client(max_retries=2).ping()
    assert await admin.requests("ping") == 4


@pytest.mark.integration
async def test_simulator_over_postgresql(pg_url: str) -> None:
    from ownerbot.sis_sim.server import prepare_database, start_simulator
    from ownerbot.sis_sim.state import SimConfig

    assert (await prepare_database(pg_url, tz=TZ, currency="EUR", orders=200)).startswith("seeded")
    assert (await prepare_database(pg_url, tz=TZ, currency="EUR", orders=200)).startswith("anchored")
    running = await start_simulator(SimConfig(api_key=SIM_KEY), pg_url)
    client = SisClient(running.base_url, SIM_KEY, timeout_sec=5)
    try:
        page = await client.orders_search(limit=1)
        assert page.data["count"] == 200
        events = await client.events(limit=3)
        assert len(events.data["events"]) == 3
    finally:
        await client.aclose()
        await running.stop()
