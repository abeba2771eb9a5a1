"""CapabilityService against the running SIS simulator: real HTTP, real fault injection, real Redis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import redis

from ownerbot.config.settings import Settings
from ownerbot.services.sis_capabilities import CACHE_TTL_SEC, FAMILIES, PROBE_ENDPOINTS, CapabilityService
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore
from ownerbot.upstream.sis.client import SisClient
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        upstream_mode="SIS_HTTP", sis_base_url="http://127.0.0.1:1", sis_ownerbot_api_key=SIM_KEY
    )


async def _probe_counts(admin: SimAdmin) -> dict[str, int]:
    return {family: await admin.requests(endpoint) for family, endpoint in PROBE_ENDPOINTS.items()}


async def test_healthy_simulator_supports_every_family(
    settings: Settings, make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    service = CapabilityService(settings, MemoryStateStore(), sis_client=make_client(), clock=lambda: NOW)
    caps = await service.get()
    assert caps.source == "sis"
    assert {f: s.status for f, s in caps.families.items()} == dict.fromkeys(FAMILIES, "supported")
    assert await _probe_counts(admin) == dict.fromkeys(FAMILIES, 1)  # one probe per family


async def test_absent_families_answer_404(
    settings: Settings, make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(not_found_families=["discounts", "looks_publish"])
    caps = await CapabilityService(settings, MemoryStateStore(), sis_client=make_client()).get()
    assert caps.families["discounts"].status == "absent"
    assert caps.families["looks_publish"].status == "absent"
    assert not caps.supports("discounts")
    assert all(caps.supports(f) for f in ("fx", "prices_bump", "prices_rollback", "products_publish"))


@pytest.mark.parametrize("auth_status", [401, 403])
async def test_auth_failures_are_auth_error(
    settings: Settings, make_client: Callable[..., SisClient], admin: SimAdmin, auth_status: int
) -> None:
    await admin.faults(auth_status=auth_status)
    caps = await CapabilityService(settings, MemoryStateStore(), sis_client=make_client()).get()
    assert {s.status for s in caps.families.values()} == {"auth_error"}
    assert all(s.reason for s in caps.families.values())


async def test_a_wrong_key_is_auth_error(settings: Settings, make_client: Callable[..., SisClient]) -> None:
    client = make_client(api_key="not-the-key-0000000000")
    caps = await CapabilityService(settings, MemoryStateStore(), sis_client=client).get()
    assert {s.status for s in caps.families.values()} == {"auth_error"}
    assert "not-the-key" not in caps.model_dump_json()


async def test_network_down_is_unknown(settings: Settings) -> None:
    # Port 1 on loopback refuses connections: a SIS that is down.
    client = SisClient("http://127.0.0.1:1", SIM_KEY, timeout_sec=2.0, max_retries=0, backoff_base_sec=0.0)
    try:
        caps = await CapabilityService(settings, MemoryStateStore(), sis_client=client).get()
    finally:
        await client.aclose()
    assert {s.status for s in caps.families.values()} == {"unknown"}


async def test_redis_cache_survives_a_restart_and_force_refresh_probes(
    settings: Settings, make_client: Callable[..., SisClient], admin: SimAdmin, redis_url: str
) -> None:
    client = make_client()
    first_store = RedisStateStore.from_url(redis_url)
    try:
        first = await CapabilityService(settings, first_store, sis_client=client).get()
    finally:
        await first_store.close()
    raw = redis.Redis.from_url(redis_url)
    try:
        assert raw.exists("ownerbot:sis:capabilities:1") == 1
        ttl_ms = raw.pttl("ownerbot:sis:capabilities:1")
        assert isinstance(ttl_ms, int)
        assert CACHE_TTL_SEC * 1000 - 60_000 < ttl_ms <= CACHE_TTL_SEC * 1000
    finally:
        raw.close()
    assert await _probe_counts(admin) == dict.fromkeys(FAMILIES, 1)

    # A new process (new store, new service) reads the cache: no request reaches SIS.
    await admin.faults(not_found_families=["discounts"])
    second_store = RedisStateStore.from_url(redis_url)
    try:
        service = CapabilityService(settings, second_store, sis_client=client)
        assert await service.cached() == first
        assert await service.get() == first
        assert await _probe_counts(admin) == dict.fromkeys(FAMILIES, 1)
        refreshed = await service.get(force_refresh=True)
        assert refreshed.families["discounts"].status == "absent"
        assert await _probe_counts(admin) == dict.fromkeys(FAMILIES, 2)
        assert await service.cached() == refreshed
    finally:
        await second_store.close()
