"""Modes over the in-process simulator: SIS_HTTP answers with `sis:` provenance or NOT_SUPPORTED; AUTO
falls back to DEMO (labelled DEMO_FALLBACK, `demo:` provenance) when SIS hangs or is down, fast once the
breaker is open; the runtime override survives a restart (memory and real Redis)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolKind, ToolRequest, ToolResponse
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.base import UpstreamProvider
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.factory import build_provider
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT
from ownerbot.upstream.modes import (
    REASON_BREAKER_OPEN,
    REASON_OVERRIDE,
    AutoProvider,
    ToggleDisabled,
    UpstreamModeService,
    state_key_for,
)
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.provider import SisProvider
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin

TZ = "Europe/Berlin"
COVERED = {
    "access_summary",
    "chats_unanswered",
    "funnel_snapshot",
    "inventory_status",
    "kpi_compare",
    "kpi_snapshot",
    "orders_search",
    "revenue_trend",
    "top_products",
}
UNCOVERED = {
    "coupons_status",
    "coupons_top_used",
    "demand_forecast",
    "nudge_health",
    "refunds_anomalies",
    "renew_summary",
    "reorder_plan",
    "team_queue_summary",
}


def runner_for(provider: UpstreamProvider) -> ToolRunner:
    return ToolRunner(default_registry(), provider_for=lambda: provider, audit=None)


async def run(runner: ToolRunner, tool: str, payload: dict[str, Any] | None = None) -> ToolResponse:
    spec = runner.registry.get(tool)
    assert spec is not None
    example = dict(spec.examples[0]) if spec.examples else {}
    request = ToolRequest(
        tool=tool,
        correlation_id=f"cid-{tool}",
        actor=Actor(owner_user_id=1),
        tenant=Tenant(timezone=TZ, currency="EUR"),
        payload=payload if payload is not None else example,
    )
    return await runner.run(request)


def code_of(response: ToolResponse) -> ErrorCode | None:
    return response.error.code if response.error is not None else None


async def test_sis_mode_answers_covered_tools_from_sis_and_the_rest_not_supported(
    sim: RunningSimulator, make_client: Callable[..., SisClient]
) -> None:
    runner = runner_for(SisProvider(make_client(), tz=TZ, currency="EUR"))
    assert set(runner.registry.names(ToolKind.READ)) >= COVERED | UNCOVERED
    for tool in sorted(COVERED):
        response = await run(runner, tool)
        assert response.status == "ok", (tool, response.error)
        assert response.provenance.sources, tool
        assert all(s.startswith("sis:/ownerbot/v1/") for s in response.provenance.sources), tool
        assert DEMO_FALLBACK_CODE not in {w.code for w in response.warnings}
    for tool in sorted(UNCOVERED):
        response = await run(runner, tool)
        assert code_of(response) is ErrorCode.NOT_SUPPORTED, (tool, response.error)


async def test_sis_mode_with_sis_down_says_sis_unavailable(
    sim: RunningSimulator, make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    runner = runner_for(SisProvider(make_client(max_retries=0), tz=TZ, currency="EUR"))
    await admin.faults(error_rate=1.0, error_status=503)
    response = await run(runner, "kpi_snapshot")
    assert code_of(response) is ErrorCode.SIS_UNAVAILABLE


async def test_auto_uses_sis_while_up_and_labelled_demo_when_it_hangs(
    sim: RunningSimulator, make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    client = make_client(timeout_sec=0.5, max_retries=1, breaker_failures=1, breaker_cooldown_sec=60)
    demo = DemoProvider(sim.state.session_factory, tz=TZ, currency="EUR")
    runner = runner_for(AutoProvider(SisProvider(client, tz=TZ, currency="EUR"), demo))

    up = await run(runner, "kpi_snapshot")
    assert up.status == "ok"
    assert all(s.startswith("sis:") for s in up.provenance.sources)
    assert DEMO_FALLBACK_CODE not in {w.code for w in up.warnings}

    await admin.faults(hang=True)
    started = time.perf_counter()
    first = await run(runner, "kpi_snapshot")
    assert time.perf_counter() - started < 0.5 + 1.0  # SIS_TIMEOUT_SEC, then DEMO
    assert client.breaker.state is BreakerState.OPEN
    for _ in range(5):
        started = time.perf_counter()
        fallback = await run(runner, "kpi_snapshot")
        assert time.perf_counter() - started < 2.0
        assert fallback.status == "ok"
        assert fallback.provenance.sources and all(s.startswith("demo:") for s in fallback.provenance.sources)
        warning = next(w for w in fallback.warnings if w.code == DEMO_FALLBACK_CODE)
        assert warning.message == DEMO_FALLBACK_TEXT
        assert fallback.data == first.data
    # Tools the gateway lacks stay NOT_SUPPORTED in AUTO: DEMO stands in only for an unavailable SIS.
    await admin.faults()
    assert code_of(await run(runner, "coupons_status")) is ErrorCode.NOT_SUPPORTED


async def test_auto_with_sis_refusing_connections_falls_back(
    sim: RunningSimulator, make_client: Callable[..., SisClient], tmp_path: Path
) -> None:
    dead = SisClient("http://127.0.0.1:9", SIM_KEY, timeout_sec=0.5, max_retries=0, breaker_failures=1)
    try:
        demo = DemoProvider(sim.state.session_factory, tz=TZ, currency="EUR")
        runner = runner_for(AutoProvider(SisProvider(dead, tz=TZ, currency="EUR"), demo))
        for _ in range(3):
            started = time.perf_counter()
            response = await run(runner, "orders_search")
            assert time.perf_counter() - started < 2.0
            assert response.status == "ok"
            assert DEMO_FALLBACK_CODE in {w.code for w in response.warnings}
            assert all(s.startswith("demo:") for s in response.provenance.sources)
    finally:
        await dead.aclose()


def mode_settings(make_settings: Callable[..., Settings], sim: RunningSimulator, **extra: Any) -> Settings:
    return make_settings(
        upstream_mode=UpstreamMode.AUTO,
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
        shop_timezone=TZ,
        **extra,
    )


async def test_mode_service_effective_mode_and_providers(
    sim: RunningSimulator,
    make_client: Callable[..., SisClient],
    make_settings: Callable[..., Settings],
    admin: SimAdmin,
) -> None:
    client = make_client(timeout_sec=0.5, max_retries=0, breaker_failures=1, breaker_cooldown_sec=60)
    service = UpstreamModeService(
        mode_settings(make_settings, sim),
        MemoryStateStore(),
        session_factory=sim.state.session_factory,
        sis_client=client,
    )
    await service.load()
    state = service.state()
    assert (state.configured, state.effective, state.reason) == (UpstreamMode.AUTO, "SIS_HTTP", None)
    assert isinstance(service.provider(), AutoProvider)

    await admin.faults(hang=True)
    response = await run(
        ToolRunner(default_registry(), provider_for=service.provider, audit=None), "kpi_snapshot"
    )
    assert DEMO_FALLBACK_CODE in {w.code for w in response.warnings}
    state = service.state()
    assert state.effective == "DEMO" and state.reasons == (REASON_BREAKER_OPEN,)
    assert state.breaker is not None and state.breaker.state is BreakerState.OPEN

    await service.set_mode(UpstreamMode.DEMO)
    assert isinstance(service.provider(), DemoProvider)
    state = service.state()
    assert (state.selected, state.effective, state.reasons) == (UpstreamMode.DEMO, "DEMO", (REASON_OVERRIDE,))
    await service.set_mode(UpstreamMode.SIS_HTTP)
    assert isinstance(service.provider(), SisProvider)
    await admin.faults()


async def test_toggle_disabled_refuses_and_ignores_a_stored_override(
    sim: RunningSimulator, make_settings: Callable[..., Settings]
) -> None:
    store = MemoryStateStore()
    settings = mode_settings(make_settings, sim, upstream_runtime_toggle_enabled=False)
    service = UpstreamModeService(settings, store, session_factory=sim.state.session_factory)
    await store.set(service.key, "DEMO")
    await service.load()
    assert service.selected is UpstreamMode.AUTO
    with pytest.raises(ToggleDisabled):
        await service.set_mode(UpstreamMode.DEMO)


async def test_override_survives_a_restart_in_memory(
    sim: RunningSimulator, make_settings: Callable[..., Settings]
) -> None:
    store = MemoryStateStore()
    settings = mode_settings(make_settings, sim)
    first = UpstreamModeService(settings, store, session_factory=sim.state.session_factory)
    await first.load()
    assert await first.set_mode(UpstreamMode.DEMO) == (UpstreamMode.AUTO, UpstreamMode.DEMO)
    again = UpstreamModeService(settings, store, session_factory=sim.state.session_factory)
    assert await again.load() is UpstreamMode.DEMO
    assert again.selected is UpstreamMode.DEMO
    await store.set(again.key, "garbage")
    assert await again.load() is None


async def test_override_survives_a_restart_in_redis(
    sim: RunningSimulator, make_settings: Callable[..., Settings], redis_url: str
) -> None:
    import redis.asyncio as aioredis

    settings = mode_settings(make_settings, sim)
    store = RedisStateStore.from_url(redis_url)
    try:
        service = UpstreamModeService(settings, store, session_factory=sim.state.session_factory)
        await service.set_mode(UpstreamMode.SIS_HTTP)
    finally:
        await store.close()
    raw = aioredis.Redis.from_url(redis_url)
    try:
        # UPSTREAM_REDIS_KEY exactly as configured (the store adds the `ownerbot:` prefix).
        assert await raw.get(settings.upstream_redis_key) == b"SIS_HTTP"
    finally:
        await raw.aclose()
    store = RedisStateStore.from_url(redis_url)
    try:
        restarted = UpstreamModeService(settings, store, session_factory=sim.state.session_factory)
        assert await restarted.load() is UpstreamMode.SIS_HTTP
        assert restarted.state().selected is UpstreamMode.SIS_HTTP
    finally:
        await store.close()


def test_state_key_strips_the_store_prefix() -> None:
    assert state_key_for("ownerbot:upstream_mode") == "upstream_mode"
    assert state_key_for("custom:mode") == "custom:mode"


def test_build_provider_by_mode(sim: RunningSimulator, make_settings: Callable[..., Settings]) -> None:
    settings = mode_settings(make_settings, sim)
    client = SisClient(sim.base_url, SIM_KEY)
    factory = sim.state.session_factory
    assert isinstance(build_provider(settings, factory, sis_client=client), AutoProvider)
    assert isinstance(
        build_provider(settings, factory, mode=UpstreamMode.SIS_HTTP, sis_client=client), SisProvider
    )
    assert isinstance(build_provider(settings, factory, mode=UpstreamMode.DEMO), DemoProvider)
