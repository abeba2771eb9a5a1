"""The contract every state backend honours: short-lived keys, counters and locks shared across processes."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

LOCK_KEY_PREFIX = "lock:"


class StateStoreUnavailable(Exception):
    """The state backend cannot be reached; the message never carries its URL or password."""


def ttl_to_ms(ttl_sec: float | None) -> int | None:
    """Convert a TTL in seconds to whole milliseconds (at least 1); refuse zero and negative TTLs."""
    if ttl_sec is None:
        return None
    if ttl_sec <= 0:
        raise ValueError(f"ttl_sec must be positive, got {ttl_sec!r}")
    return max(1, round(ttl_sec * 1000))


class StateStore(abc.ABC):
    """Key/value state with expiry, atomic counters and owner-checked locks.

    Values are strings; callers serialise anything richer. A TTL of `None` means "no expiry".
    """

    backend: str

    @abc.abstractmethod
    async def get(self, key: str) -> str | None:
        """Return the value of `key`, or None when it is absent or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: str, ttl_sec: float | None = None) -> None:
        """Store `value`, replacing any previous value and expiry."""

    @abc.abstractmethod
    async def set_if_absent(self, key: str, value: str, ttl_sec: float | None = None) -> bool:
        """Store `value` only when `key` is absent; True when this call stored it."""

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl_sec: float | None = None) -> int:
        """Add `amount` to an integer counter and return the new value.

        The TTL applies only when this call creates the key, so a window counter keeps its first expiry.
        Raises ValueError when the key holds something that is not an integer.
        """

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove `key`; True when it existed."""

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds left before `key` expires; None when the key is absent or never expires."""

    @abc.abstractmethod
    async def acquire_lock(self, name: str, ttl_sec: float) -> str | None:
        """Take the lock `name` for at most `ttl_sec`; return the owner token, or None when it is held."""

    @abc.abstractmethod
    async def release_lock(self, name: str, token: str) -> bool:
        """Release the lock `name` if `token` still holds it; True when released."""

    @abc.abstractmethod
    async def ping(self) -> float:
        """Round-trip latency in milliseconds; raises StateStoreUnavailable when the backend is down."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""

    @asynccontextmanager
    async def locked(self, name: str, ttl_sec: float) -> AsyncIterator[bool]:
        """Try the lock `name` for the block; yield whether it was acquired and release it on exit if so."""
        token = await self.acquire_lock(name, ttl_sec)
        try:
            yield token is not None
        finally:
            if token is not None:
                await self.release_lock(name, token)
