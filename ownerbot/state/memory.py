"""In-process state store for a single bot process (no Redis configured) and for tests."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from ownerbot.state.base import LOCK_KEY_PREFIX, StateStore, ttl_to_ms

# Expired entries are dropped lazily on access; a sweep every N writes bounds memory for keys never read.
_SWEEP_EVERY_WRITES = 1000


@dataclass(slots=True)
class _Entry:
    value: str
    expires_at: float | None


class MemoryStateStore(StateStore):
    """A dict with lazy expiry against an injectable clock (tests advance a fake clock instead of sleeping).

    Every operation runs to completion without awaiting, and asyncio runs one coroutine at a time, so each
    method is atomic with respect to other tasks; no asyncio.Lock is needed (and none would bind to a loop).
    The store is not thread-safe: use it from one event loop.
    """

    backend = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, _Entry] = {}
        self._writes = 0

    def _live(self, key: str) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._data[key]
            return None
        return entry

    def _expiry(self, ttl_sec: float | None) -> float | None:
        ttl_ms = ttl_to_ms(ttl_sec)
        return None if ttl_ms is None else self._clock() + ttl_ms / 1000

    def _put(self, key: str, value: str, expires_at: float | None) -> None:
        self._data[key] = _Entry(value, expires_at)
        self._writes += 1
        if self._writes % _SWEEP_EVERY_WRITES == 0:
            now = self._clock()
            expired = [k for k, e in self._data.items() if e.expires_at is not None and e.expires_at <= now]
            for k in expired:
                del self._data[k]

    async def get(self, key: str) -> str | None:
        """Return the value of `key`, or None when it is absent or expired."""
        entry = self._live(key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: str, ttl_sec: float | None = None) -> None:
        """Store `value`, replacing any previous value and expiry."""
        self._put(key, value, self._expiry(ttl_sec))

    async def set_if_absent(self, key: str, value: str, ttl_sec: float | None = None) -> bool:
        """Store `value` only when `key` is absent; True when this call stored it."""
        expires_at = self._expiry(ttl_sec)
        if self._live(key) is not None:
            return False
        self._put(key, value, expires_at)
        return True

    async def incr(self, key: str, amount: int = 1, ttl_sec: float | None = None) -> int:
        """Add `amount` to a counter; the TTL applies only when this call creates the key."""
        expires_at = self._expiry(ttl_sec)
        entry = self._live(key)
        if entry is None:
            self._put(key, str(amount), expires_at)
            return amount
        try:
            current = int(entry.value)
        except ValueError:
            raise ValueError(f"value of {key!r} is not an integer") from None
        entry.value = str(current + amount)
        return current + amount

    async def delete(self, key: str) -> bool:
        """Remove `key`; True when it existed."""
        if self._live(key) is None:
            return False
        del self._data[key]
        return True

    async def ttl(self, key: str) -> float | None:
        """Seconds left before `key` expires; None when absent or without expiry."""
        entry = self._live(key)
        if entry is None or entry.expires_at is None:
            return None
        return max(0.0, entry.expires_at - self._clock())

    async def acquire_lock(self, name: str, ttl_sec: float) -> str | None:
        """Take the lock `name` for at most `ttl_sec`; return the owner token, or None when held."""
        token = secrets.token_hex(16)
        if await self.set_if_absent(LOCK_KEY_PREFIX + name, token, ttl_sec):
            return token
        return None

    async def release_lock(self, name: str, token: str) -> bool:
        """Release the lock `name` if `token` still holds it."""
        key = LOCK_KEY_PREFIX + name
        entry = self._live(key)
        if entry is None or not secrets.compare_digest(entry.value, token):
            return False
        del self._data[key]
        return True

    async def ping(self) -> float:
        """Always reachable; the latency is the cost of a dictionary lookup."""
        started = time.perf_counter()
        self._data.get("")
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        """Drop every key."""
        self._data.clear()
