"""A circuit breaker in front of SIS: closed → open → half-open (one probe) → closed or open again.

`SIS_BREAKER_FAILURES` consecutive failed calls (SIS unavailable: network errors, timeouts, 429, 5xx)
open it; while open every call is refused at once. After `SIS_BREAKER_COOLDOWN_SEC` the next call is
let through as the single probe (others are still refused): its success closes the breaker, its
failure opens it for another cool-down. Answers that prove SIS is up (2xx, 4xx) count as successes.
The clock is injectable so tests move time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    """What `/systems` shows: the state, failures in a row, and seconds until the next probe."""

    state: BreakerState
    consecutive_failures: int
    failure_threshold: int
    cooldown_sec: float
    retry_in_sec: float | None
    opened_count: int
    last_error: str | None


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int,
        cooldown_sec: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if cooldown_sec <= 0:
            raise ValueError("cooldown_sec must be > 0")
        self._threshold = failure_threshold
        self._cooldown = cooldown_sec
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        self._opened_count = 0
        self._last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        """The state as a caller would find it now (an open breaker past its cool-down reads half-open)."""
        if self._state is BreakerState.OPEN and self._cooled_down():
            return BreakerState.HALF_OPEN
        return self._state

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._cooldown

    def try_acquire(self) -> bool:
        """May a call go to SIS now? In half-open only the first caller (the probe) gets True."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if not self._cooled_down():
                return False
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = False
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probe_in_flight = False

    def record_failure(self, reason: str | None = None) -> None:
        self._last_error = reason
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._open()

    def release_probe(self) -> None:
        """A call ended without telling anything about SIS (cancelled): let the next caller probe."""
        if self._state is BreakerState.HALF_OPEN:
            self._probe_in_flight = False

    def _open(self) -> None:
        if self._state is not BreakerState.OPEN:
            self._opened_count += 1
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._probe_in_flight = False

    def snapshot(self) -> BreakerSnapshot:
        retry_in: float | None = None
        if self._state is BreakerState.OPEN:
            retry_in = max(0.0, self._cooldown - (self._clock() - self._opened_at))
        return BreakerSnapshot(
            state=self.state,
            consecutive_failures=self._failures,
            failure_threshold=self._threshold,
            cooldown_sec=self._cooldown,
            retry_in_sec=retry_in,
            opened_count=self._opened_count,
            last_error=self._last_error,
        )
