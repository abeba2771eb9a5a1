"""CapabilityService without a network: SIS answers come from an httpx mock transport.

Covers the contract §4 mapping (200/422 → supported, 404 → absent, 401/403 → auth_error, network →
unknown), the cache (hit without any request, expiry by the store's TTL on a fake clock, force refresh,
a short TTL for unsettled answers), and the mode it follows (DEMO, SIS not configured, the toggle).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.services.sis_capabilities import (
    CACHE_TTL_SEC,
    FAMILIES,
    PROBE_ENDPOINTS,
    UNSETTLED_TTL_SEC,
    Capabilities,
    CapabilityService,
    cache_key,
)
from ownerbot.state.memory import MemoryStateStore
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.contract import ENDPOINTS, endpoint_url_path

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
KEY = "unit-key-0123456789"
PATH_FAMILY = {endpoint_url_path(ENDPOINTS[key]): family for family, key in PROBE_ENDPOINTS.items()}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class FakeSis:
    """Answers each family's probe with the status the test chose (default 422 for previews, 200 fx)."""

    def __init__(self) -> None:
        self.statuses: dict[str, int] = {}
        self.down = False
        self.calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        family = PATH_FAMILY[request.url.path]
        self.calls.append(family)
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        status = self.statuses.get(family, 200 if family == "fx" else 422)
        if status == 200:
            return httpx.Response(200, json={"mode": "manual", "provider": "ecb", "last_snapshot": None})
        return httpx.Response(status, json={"detail": f"answered {status}"})


@pytest.fixture
def fake_sis() -> FakeSis:
    return FakeSis()


@pytest.fixture
def client(fake_sis: FakeSis) -> SisClient:
    return SisClient(
        "http://sis.invalid",
        KEY,
        timeout_sec=2.0,
        max_retries=0,
        backoff_base_sec=0.0,
        breaker_failures=100,  # the breaker is not what these tests are about
        transport=httpx.MockTransport(fake_sis.handler),
    )


@pytest.fixture
def sis_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        upstream_mode="SIS_HTTP", sis_base_url="http://sis.invalid", sis_ownerbot_api_key=KEY
    )


def _service(settings: Settings, client: SisClient | None, **options: Any) -> CapabilityService:
    options.setdefault("clock", lambda: NOW)
    return CapabilityService(settings, options.pop("state", MemoryStateStore()), sis_client=client, **options)


async def test_healthy_sis_supports_every_family(sis_settings: Settings, client: SisClient) -> None:
    caps = await _service(sis_settings, client).get()
    assert caps.source == "sis"
    assert set(caps.families) == set(FAMILIES)
    assert all(caps.supports(f) for f in FAMILIES)
    assert caps.counts() == {"supported": 6, "absent": 0, "auth_error": 0, "unknown": 0}
    await client.aclose()


async def test_status_mapping(sis_settings: Settings, client: SisClient, fake_sis: FakeSis) -> None:
    fake_sis.statuses = {"discounts": 404, "looks_publish": 401, "prices_bump": 403, "fx": 404}
    caps = await _service(sis_settings, client).get()
    status = {f: s.status for f, s in caps.families.items()}
    assert status == {
        "fx": "absent",
        "prices_bump": "auth_error",
        "prices_rollback": "supported",
        "discounts": "absent",
        "products_publish": "supported",
        "looks_publish": "auth_error",
    }
    assert not caps.supports("discounts") and caps.supports("prices_rollback")
    assert caps.families["discounts"].reason  # the owner sees why
    assert KEY not in caps.model_dump_json()  # the key never lands in the cache or the answer
    await client.aclose()


async def test_network_down_is_unknown(sis_settings: Settings, client: SisClient, fake_sis: FakeSis) -> None:
    fake_sis.down = True
    caps = await _service(sis_settings, client).get()
    assert {s.status for s in caps.families.values()} == {"unknown"}
    assert not caps.settled
    await client.aclose()


async def test_cache_hit_without_network_then_expiry(
    sis_settings: Settings, client: SisClient, fake_sis: FakeSis
) -> None:
    clock = FakeClock()
    state = MemoryStateStore(clock=clock)
    service = _service(sis_settings, client, state=state)
    first = await service.get()
    assert len(fake_sis.calls) == len(FAMILIES)
    assert await state.ttl(cache_key("1")) == pytest.approx(CACHE_TTL_SEC)

    fake_sis.calls.clear()
    fake_sis.down = True  # a cache hit must not need SIS at all
    assert await service.get() == first
    assert await service.cached() == first
    assert fake_sis.calls == []

    clock.now += CACHE_TTL_SEC - 1  # still fresh one second before the end
    assert await service.get() == first and fake_sis.calls == []
    clock.now += 2  # expired: probes again (SIS down now → unknown)
    assert await service.cached() is None
    again = await service.get()
    assert len(fake_sis.calls) == len(FAMILIES)
    assert {s.status for s in again.families.values()} == {"unknown"}
    # An unsettled answer is kept briefly, so a recovered SIS is seen soon without a forced refresh.
    assert await state.ttl(cache_key("1")) == pytest.approx(UNSETTLED_TTL_SEC)
    await client.aclose()


async def test_force_refresh_probes_despite_the_cache(
    sis_settings: Settings, client: SisClient, fake_sis: FakeSis
) -> None:
    service = _service(sis_settings, client)
    assert (await service.get()).supports("discounts")
    fake_sis.statuses = {"discounts": 404}
    assert (await service.get()).supports("discounts")  # cached
    refreshed = await service.get(force_refresh=True)
    assert refreshed.families["discounts"].status == "absent"
    assert (await service.get()).families["discounts"].status == "absent"  # the refresh was stored
    await client.aclose()


async def test_callers_missing_the_cache_together_share_one_probe(
    sis_settings: Settings, client: SisClient, fake_sis: FakeSis
) -> None:
    service = _service(sis_settings, client)
    answers = await asyncio.gather(*(service.get() for _ in range(5)))
    assert all(a.supports("discounts") for a in answers)
    assert sorted(fake_sis.calls) == sorted(FAMILIES)  # each family probed once, not five times
    await client.aclose()


async def test_junk_in_the_cache_is_ignored(sis_settings: Settings, client: SisClient) -> None:
    state = MemoryStateStore()
    await state.set(cache_key("1"), "{not json")
    service = _service(sis_settings, client, state=state)
    assert await service.cached() is None
    assert (await service.get()).source == "sis"
    stored = await state.get(cache_key("1"))
    assert stored is not None and Capabilities.model_validate_json(stored).source == "sis"
    await client.aclose()


async def test_demo_mode_supports_everything_without_network(
    make_settings: Callable[..., Settings], client: SisClient, fake_sis: FakeSis
) -> None:
    state = MemoryStateStore()
    service = _service(make_settings(), client, state=state)
    caps = await service.get(force_refresh=True)
    assert caps.source == "demo" and all(caps.supports(f) for f in FAMILIES)
    assert await service.cached() == caps
    assert fake_sis.calls == [] and await state.get(cache_key("1")) is None
    await client.aclose()


async def test_sis_selected_but_not_configured(make_settings: Callable[..., Settings]) -> None:
    service = _service(make_settings(upstream_mode="SIS_HTTP"), None)
    caps = await service.get()
    assert caps.source == "sis"
    assert {s.status for s in caps.families.values()} == {"unknown"}
    assert "SIS_BASE_URL" in (caps.families["fx"].reason or "")


async def test_follows_the_toggled_mode(
    make_settings: Callable[..., Settings], client: SisClient, fake_sis: FakeSis
) -> None:
    settings = make_settings(sis_base_url="http://sis.invalid", sis_ownerbot_api_key=KEY)  # configured DEMO
    state = MemoryStateStore()
    modes = UpstreamModeService(settings, state, sis_client=client)
    service = CapabilityService(settings, state, modes=modes, clock=lambda: NOW)
    assert (await service.get()).source == "demo"
    await modes.set_mode(UpstreamMode.SIS_HTTP)
    fake_sis.statuses = {"looks_publish": 404}
    caps = await service.get()
    assert caps.source == "sis" and caps.families["looks_publish"].status == "absent"
    assert len(fake_sis.calls) == len(FAMILIES)
    await client.aclose()


async def test_slow_probe_becomes_unknown(sis_settings: Settings, fake_sis: FakeSis) -> None:
    """The probes share one deadline; a family that does not answer in time is unknown, not a hang."""
    import asyncio

    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if PATH_FAMILY[request.url.path] == "fx":
            await release.wait()
        return httpx.Response(422, json={"detail": "empty body"})

    slow = SisClient("http://sis.invalid", KEY, max_retries=0, transport=httpx.MockTransport(handler))
    caps = await _service(sis_settings, slow, probe_timeout_sec=0.05).get()
    release.set()
    assert caps.families["fx"].status == "unknown"
    assert caps.supports("discounts")
    await slow.aclose()
