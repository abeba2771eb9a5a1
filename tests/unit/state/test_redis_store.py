"""Redis specifics: key prefixing, unavailability without leaking credentials, the factory."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis.asyncio as aioredis

from ownerbot.config.settings import Settings
from ownerbot.state import MemoryStateStore, RedisStateStore, StateStoreUnavailable, build_state_store

# Port 1 on loopback: nothing listens there, so connecting fails at once.
DEAD_REDIS_URL = "redis://:hunter2-very-secret@127.0.0.1:1/0"


@pytest.mark.integration
async def test_keys_are_prefixed(redis_url: str) -> None:
    store = RedisStateStore.from_url(redis_url, prefix="shop42:")
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await store.set("confirm:abc", "payload", ttl_sec=60)
        assert await raw.get("shop42:confirm:abc") == "payload"
        assert await raw.get("confirm:abc") is None
        assert await store.acquire_lock("job", ttl_sec=60) is not None
        assert await raw.exists("shop42:lock:job") == 1
    finally:
        await raw.aclose()
        await store.close()


@pytest.mark.integration
async def test_works_with_a_client_that_returns_bytes(redis_url: str) -> None:
    store = RedisStateStore(aioredis.Redis.from_url(redis_url))
    try:
        await store.set("k", "värde")
        assert await store.get("k") == "värde"
        token = await store.acquire_lock("job", ttl_sec=60)
        assert token is not None
        assert await store.release_lock("job", token) is True
    finally:
        await store.close()


async def test_unreachable_redis_raises_without_leaking_the_url() -> None:
    store = RedisStateStore.from_url(DEAD_REDIS_URL, timeout_sec=1.0)
    try:
        for call in (store.ping(), store.get("k"), store.set_if_absent("k", "v"), store.incr("n")):
            with pytest.raises(StateStoreUnavailable) as caught:
                await call
            message = str(caught.value)
            assert "hunter2" not in message
            assert DEAD_REDIS_URL not in message
            assert "127.0.0.1" not in message
    finally:
        await store.close()


def test_factory_picks_memory_without_redis_url(make_settings: Callable[..., Settings]) -> None:
    store = build_state_store(make_settings())
    assert isinstance(store, MemoryStateStore)
    assert store.backend == "memory"


async def test_factory_picks_redis_with_redis_url(make_settings: Callable[..., Settings]) -> None:
    store = build_state_store(make_settings(redis_url="redis://127.0.0.1:6379/13"))
    try:
        assert isinstance(store, RedisStateStore)
        assert store.backend == "redis"
        assert store.prefix == "ownerbot:"
    finally:
        await store.close()
