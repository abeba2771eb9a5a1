"""Redis-backed state store, shared by every bot process that points at the same Redis."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ownerbot.state.base import LOCK_KEY_PREFIX, StateStore, StateStoreUnavailable, ttl_to_ms

DEFAULT_PREFIX = "ownerbot:"

# INCRBY, and PEXPIRE only when this call created the key: checked with EXISTS inside the script, so a key
# that existed with value 0 keeps its expiry, and no other client can run between the two commands.
_INCR_SCRIPT = """
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl_ms = tonumber(ARGV[2])
if created and ttl_ms > 0 then
    redis.call('PEXPIRE', KEYS[1], ttl_ms)
end
return value
"""

# Compare-and-delete: only the holder of the token may release the lock.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


@contextmanager
def _unavailable_on_error(operation: str) -> Iterator[None]:
    """Turn connection failures into StateStoreUnavailable without echoing the URL or credentials."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise StateStoreUnavailable(f"Redis is unavailable ({operation}: {type(exc).__name__})") from exc


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


class RedisStateStore(StateStore):
    """State in Redis under a key prefix; counters and lock release run as Lua scripts, so they are atomic."""

    backend = "redis"

    def __init__(self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._incr = client.register_script(_INCR_SCRIPT)
        self._release = client.register_script(_RELEASE_SCRIPT)

    @classmethod
    def from_url(cls, url: str, prefix: str = DEFAULT_PREFIX, *, timeout_sec: float = 5.0) -> RedisStateStore:
        """Build a store with its own connection pool; nothing connects until the first command."""
        client = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=timeout_sec,
            socket_timeout=timeout_sec,
        )
        return cls(client, prefix)

    @property
    def prefix(self) -> str:
        """The prefix put before every key in Redis."""
        return self._prefix

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> str | None:
        """Return the value of `key`, or None when it is absent or expired."""
        with _unavailable_on_error("GET"):
            return _text(await self._client.get(self._key(key)))

    async def set(self, key: str, value: str, ttl_sec: float | None = None) -> None:
        """Store `value`, replacing any previous value and expiry."""
        ttl_ms = ttl_to_ms(ttl_sec)
        with _unavailable_on_error("SET"):
            await self._client.set(self._key(key), value, px=ttl_ms)

    async def set_if_absent(self, key: str, value: str, ttl_sec: float | None = None) -> bool:
        """Store `value` only when `key` is absent (SET NX PX); True when this call stored it."""
        ttl_ms = ttl_to_ms(ttl_sec)
        with _unavailable_on_error("SET NX"):
            return bool(await self._client.set(self._key(key), value, px=ttl_ms, nx=True))

    async def incr(self, key: str, amount: int = 1, ttl_sec: float | None = None) -> int:
        """Add `amount` to a counter; the TTL applies only when this call creates the key."""
        ttl_ms = ttl_to_ms(ttl_sec) or 0
        with _unavailable_on_error("INCRBY"):
            try:
                result = await self._incr(keys=[self._key(key)], args=[amount, ttl_ms])
            except ResponseError as exc:
                raise ValueError(f"value of {key!r} is not an integer") from exc
        return int(result)

    async def delete(self, key: str) -> bool:
        """Remove `key`; True when it existed."""
        with _unavailable_on_error("DEL"):
            return int(await self._client.delete(self._key(key))) > 0

    async def ttl(self, key: str) -> float | None:
        """Seconds left before `key` expires (PTTL); None when absent or without expiry."""
        with _unavailable_on_error("PTTL"):
            ttl_ms = int(await self._client.pttl(self._key(key)))
        return None if ttl_ms < 0 else ttl_ms / 1000

    async def acquire_lock(self, name: str, ttl_sec: float) -> str | None:
        """Take the lock `name` for at most `ttl_sec`; return the owner token, or None when held."""
        token = secrets.token_hex(16)
        if await self.set_if_absent(LOCK_KEY_PREFIX + name, token, ttl_sec):
            return token
        return None

    async def release_lock(self, name: str, token: str) -> bool:
        """Release the lock `name` if `token` still holds it (atomic compare-and-delete)."""
        with _unavailable_on_error("release lock"):
            result = await self._release(keys=[self._key(LOCK_KEY_PREFIX + name)], args=[token])
        return int(result) == 1

    async def ping(self) -> float:
        """Round-trip latency of PING in milliseconds."""
        started = time.perf_counter()
        with _unavailable_on_error("PING"):
            # redis-py types ping() as "bool or awaitable" (shared with the sync client); here it awaits.
            await cast("Awaitable[bool]", self._client.ping())
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        """Close the client and its connection pool."""
        await self._client.aclose()
