"""One behaviour contract, run against every StateStore backend.

Time: the memory store runs on a fake clock that tests advance; Redis runs on real time, so expiry is
awaited by polling with a deadline, and TTLs are checked against bounds instead of exact values.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from ownerbot.state import MemoryStateStore, RedisStateStore, StateStore

SHORT_TTL_SEC = 0.15
EXPIRY_DEADLINE_SEC = 5.0


class FakeClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Backend:
    """A store under test plus the means to let time pass for it."""

    store: StateStore
    clock: FakeClock | None

    async def expire(self, seconds: float, until: Callable[[], Awaitable[bool]]) -> None:
        """Let `seconds` pass, then require `until()`: instantly on the fake clock, by polling on Redis."""
        if self.clock is not None:
            self.clock.advance(seconds)
            assert await until()
            return
        deadline = time.monotonic() + seconds + EXPIRY_DEADLINE_SEC
        while not await until():
            if time.monotonic() > deadline:
                pytest.fail(f"condition still false {seconds + EXPIRY_DEADLINE_SEC:.1f}s after expiry")
            await asyncio.sleep(0.01)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        clock = FakeClock()
        memory = MemoryStateStore(clock=clock)
        yield Backend(memory, clock)
        await memory.close()
        return
    url: str = request.getfixturevalue("redis_url")
    store = RedisStateStore.from_url(url, prefix="ownerbot-test:")
    yield Backend(store, None)
    await store.close()


async def test_backend_name(backend: Backend) -> None:
    assert backend.store.backend in {"memory", "redis"}
    assert isinstance(backend.store, MemoryStateStore if backend.clock else RedisStateStore)


async def test_get_missing_returns_none(backend: Backend) -> None:
    assert await backend.store.get("nope") is None
    assert await backend.store.ttl("nope") is None


async def test_set_get_without_ttl(backend: Backend) -> None:
    store = backend.store
    await store.set("k", "v")
    assert await store.get("k") == "v"
    assert await store.ttl("k") is None


async def test_set_overwrites_value_and_expiry(backend: Backend) -> None:
    store = backend.store
    await store.set("k", "v1", ttl_sec=60)
    await store.set("k", "v2")
    assert await store.get("k") == "v2"
    assert await store.ttl("k") is None


async def test_ttl_is_reported_within_bounds(backend: Backend) -> None:
    store = backend.store
    await store.set("k", "v", ttl_sec=60)
    ttl = await store.ttl("k")
    assert ttl is not None
    assert 55 < ttl <= 60
    if backend.clock is not None:
        backend.clock.advance(20)
        ttl = await store.ttl("k")
        assert ttl == pytest.approx(40)


async def test_value_expires(backend: Backend) -> None:
    store = backend.store
    await store.set("k", "v", ttl_sec=SHORT_TTL_SEC)

    async def gone() -> bool:
        return await store.get("k") is None

    await backend.expire(SHORT_TTL_SEC, gone)
    assert await store.ttl("k") is None


async def test_memory_value_lives_exactly_until_its_ttl() -> None:
    clock = FakeClock()
    store = MemoryStateStore(clock=clock)
    await store.set("k", "v", ttl_sec=10)
    clock.advance(9.99)
    assert await store.get("k") == "v"
    clock.advance(0.01)
    assert await store.get("k") is None


@pytest.mark.parametrize("ttl", [0, -1])
async def test_non_positive_ttl_is_refused(backend: Backend, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl_sec"):
        await backend.store.set("k", "v", ttl_sec=ttl)
    with pytest.raises(ValueError, match="ttl_sec"):
        await backend.store.set_if_absent("k", "v", ttl_sec=ttl)
    assert await backend.store.get("k") is None


async def test_set_if_absent(backend: Backend) -> None:
    store = backend.store
    assert await store.set_if_absent("k", "first", ttl_sec=60) is True
    assert await store.set_if_absent("k", "second", ttl_sec=60) is False
    assert await store.get("k") == "first"
    ttl = await store.ttl("k")
    assert ttl is not None and 55 < ttl <= 60


async def test_set_if_absent_after_expiry(backend: Backend) -> None:
    store = backend.store
    assert await store.set_if_absent("k", "first", ttl_sec=SHORT_TTL_SEC)

    async def claimed_again() -> bool:
        return await store.set_if_absent("k", "second")

    await backend.expire(SHORT_TTL_SEC, claimed_again)
    assert await store.get("k") == "second"


async def test_set_if_absent_is_exclusive_under_concurrency(backend: Backend) -> None:
    results = await asyncio.gather(
        *(backend.store.set_if_absent("race", f"worker-{i}", ttl_sec=60) for i in range(50))
    )
    assert results.count(True) == 1
    winner = results.index(True)
    assert await backend.store.get("race") == f"worker-{winner}"


async def test_incr_creates_and_adds(backend: Backend) -> None:
    store = backend.store
    assert await store.incr("n") == 1
    assert await store.incr("n") == 2
    assert await store.incr("n", 5) == 7
    assert await store.incr("n", -10) == -3
    assert await store.get("n") == "-3"
    assert await store.ttl("n") is None


async def test_incr_applies_ttl_only_when_creating(backend: Backend) -> None:
    store = backend.store
    assert await store.incr("window", ttl_sec=60) == 1
    first_ttl = await store.ttl("window")
    assert first_ttl is not None and 55 < first_ttl <= 60
    assert await store.incr("window", ttl_sec=1000) == 2
    second_ttl = await store.ttl("window")
    assert second_ttl is not None and second_ttl <= 60


async def test_incr_without_ttl_keeps_existing_key_without_expiry(backend: Backend) -> None:
    store = backend.store
    await store.set("n", "0")
    assert await store.incr("n", ttl_sec=60) == 1
    assert await store.ttl("n") is None


async def test_incr_counter_restarts_after_expiry(backend: Backend) -> None:
    store = backend.store
    assert await store.incr("window", ttl_sec=SHORT_TTL_SEC) == 1

    async def gone() -> bool:
        return await store.get("window") is None

    await backend.expire(SHORT_TTL_SEC, gone)
    assert await store.incr("window", ttl_sec=60) == 1


async def test_incr_on_non_integer_raises_value_error(backend: Backend) -> None:
    await backend.store.set("k", "not a number")
    with pytest.raises(ValueError, match="not an integer"):
        await backend.store.incr("k")
    assert await backend.store.get("k") == "not a number"


async def test_incr_is_atomic_under_concurrency(backend: Backend) -> None:
    await asyncio.gather(*(backend.store.incr("n", ttl_sec=60) for _ in range(50)))
    assert await backend.store.get("n") == "50"


async def test_delete(backend: Backend) -> None:
    store = backend.store
    await store.set("k", "v")
    assert await store.delete("k") is True
    assert await store.get("k") is None
    assert await store.delete("k") is False


async def test_lock_is_exclusive(backend: Backend) -> None:
    store = backend.store
    token = await store.acquire_lock("job", ttl_sec=60)
    assert token
    assert await store.acquire_lock("job", ttl_sec=60) is None
    assert await store.acquire_lock("other-job", ttl_sec=60) is not None


async def test_lock_release_needs_the_holders_token(backend: Backend) -> None:
    store = backend.store
    token = await store.acquire_lock("job", ttl_sec=60)
    assert token is not None
    assert await store.release_lock("job", "not-the-token") is False
    assert await store.acquire_lock("job", ttl_sec=60) is None
    assert await store.release_lock("job", token) is True
    assert await store.release_lock("job", token) is False
    assert await store.acquire_lock("job", ttl_sec=60) is not None


async def test_lock_expiry_frees_it_and_the_old_token_is_dead(backend: Backend) -> None:
    store = backend.store
    stale = await store.acquire_lock("job", ttl_sec=SHORT_TTL_SEC)
    assert stale is not None
    tokens: list[str] = []

    async def reacquired() -> bool:
        token = await store.acquire_lock("job", ttl_sec=60)
        if token is not None:
            tokens.append(token)
        return token is not None

    await backend.expire(SHORT_TTL_SEC, reacquired)
    assert await store.release_lock("job", stale) is False
    assert await store.acquire_lock("job", ttl_sec=60) is None
    assert await store.release_lock("job", tokens[0]) is True


async def test_lock_is_exclusive_under_concurrency(backend: Backend) -> None:
    tokens = await asyncio.gather(*(backend.store.acquire_lock("job", ttl_sec=60) for _ in range(50)))
    assert sum(token is not None for token in tokens) == 1


async def test_locked_context_manager(backend: Backend) -> None:
    store = backend.store
    async with store.locked("job", ttl_sec=60) as acquired:
        assert acquired is True
        async with store.locked("job", ttl_sec=60) as again:
            assert again is False
        # The failed inner attempt must not have released the outer holder's lock.
        assert await store.acquire_lock("job", ttl_sec=60) is None
    async with store.locked("job", ttl_sec=60) as after:
        assert after is True


async def test_locked_releases_on_error(backend: Backend) -> None:
    store = backend.store
    with pytest.raises(RuntimeError, match="boom"):
        async with store.locked("job", ttl_sec=60) as acquired:
            assert acquired
            raise RuntimeError("boom")
    assert await store.acquire_lock("job", ttl_sec=60) is not None


async def test_ping_reports_latency(backend: Backend) -> None:
    latency = await backend.store.ping()
    assert isinstance(latency, float)
    assert latency >= 0
