"""SIS hanging or slow: the first call fails within SIS_TIMEOUT_SEC, the breaker opens and then fails fast
without reaching the simulator, and after the cool-down (an injected clock, no sleeping) one probe closes
it once the fault is cleared."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import CIRCUIT_OPEN_DETAIL, SisClient
from ownerbot.upstream.sis.errors import SisError
from tests.integration.sis_sim.conftest import SimAdmin

TIMEOUT = 0.5
SLACK = 0.4  # scheduling noise on a loaded CI runner
pytestmark = pytest.mark.e2e


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_hang_timeout_then_open_breaker_then_probe_closes(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    clock = Clock()
    client = make_client(
        timeout_sec=TIMEOUT,
        max_retries=2,
        backoff_base_sec=0.05,
        breaker_failures=2,
        breaker_cooldown_sec=30,
        clock=clock,
    )
    await admin.faults(hang=True)
    for _ in range(2):
        started = time.perf_counter()
        with pytest.raises(SisError) as caught:
            await client.ping()
        elapsed = time.perf_counter() - started
        assert elapsed < TIMEOUT + SLACK, elapsed  # the whole retry ladder is bounded by the timeout
        assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert client.breaker.snapshot().state is BreakerState.OPEN
    reached = await admin.requests("ping")

    started = time.perf_counter()
    for _ in range(20):
        with pytest.raises(SisError) as caught:
            await client.ping()
        assert caught.value.detail == CIRCUIT_OPEN_DETAIL
    assert time.perf_counter() - started < 0.1  # ~0 ms each while open (20 calls)
    assert await admin.requests("ping") == reached  # SIS never touched

    await admin.faults()
    clock.now += 29.9
    with pytest.raises(SisError):
        await client.ping()
    clock.now += 0.1
    assert client.breaker.snapshot().state is BreakerState.HALF_OPEN
    assert (await client.ping()).ok  # the probe
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    assert await admin.requests("ping") == reached + 1
    snapshot = client.breaker.snapshot()
    assert snapshot.opened_count == 1 and snapshot.consecutive_failures == 0


async def test_failed_probe_reopens(make_client: Callable[..., SisClient], admin: SimAdmin) -> None:
    clock = Clock()
    client = make_client(
        timeout_sec=TIMEOUT, max_retries=0, breaker_failures=1, breaker_cooldown_sec=5, clock=clock
    )
    await admin.faults(error_rate=1.0, error_status=503)
    with pytest.raises(SisError):
        await client.ping()
    assert client.breaker.snapshot().state is BreakerState.OPEN
    clock.now += 5
    with pytest.raises(SisError) as caught:
        await client.ping()  # the probe reaches SIS and fails
    assert caught.value.detail != CIRCUIT_OPEN_DETAIL
    assert client.breaker.snapshot().state is BreakerState.OPEN
    assert await admin.requests("ping") == 2


@pytest.mark.parametrize(("latency_ms", "succeeds"), [(150, True), (900, False)])
async def test_slow_sis_just_under_and_over_the_timeout(
    make_client: Callable[..., SisClient], admin: SimAdmin, latency_ms: int, succeeds: bool
) -> None:
    client = make_client(timeout_sec=TIMEOUT, max_retries=0)
    await admin.faults(latency_ms=latency_ms)
    started = time.perf_counter()
    if succeeds:
        assert (await client.ping()).ok
    else:
        with pytest.raises(SisError) as caught:
            await client.ping()
        assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
        assert "did not answer" in caught.value.owner_text
    assert time.perf_counter() - started < TIMEOUT + SLACK


async def test_hanging_apply_is_not_repeated_and_its_outcome_is_unknown(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    client = make_client(timeout_sec=TIMEOUT, max_retries=3)
    await admin.faults(hang=True)
    with pytest.raises(SisError) as caught:
        await client.action("prices_bump_apply", {"bump_percent": "5"}, actor_tg_id=4242)
    assert caught.value.outcome_unknown
    assert await admin.requests("prices_bump_apply") == 1


async def test_connection_refused_fails_fast() -> None:
    client = SisClient("http://127.0.0.1:9", "k", timeout_sec=TIMEOUT, max_retries=2, backoff_base_sec=0.01)
    started = time.perf_counter()
    with pytest.raises(SisError) as caught:
        await client.ping()
    assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert caught.value.owner_text == "SIS cannot be reached, try later"
    assert time.perf_counter() - started < TIMEOUT
    await client.aclose()
