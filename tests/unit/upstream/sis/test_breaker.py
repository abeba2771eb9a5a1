"""The circuit breaker's states with an injected clock (no sleeping)."""

from __future__ import annotations

import pytest

from ownerbot.upstream.sis.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_then_half_open_single_probe_then_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 30.0, clock=clock)
    for _ in range(2):
        assert breaker.try_acquire()
        breaker.record_failure("down")
    assert breaker.snapshot().state is BreakerState.CLOSED
    assert breaker.try_acquire()
    breaker.record_failure("down")
    assert breaker.snapshot().state is BreakerState.OPEN
    assert not breaker.try_acquire()
    snap = breaker.snapshot()
    assert snap.retry_in_sec == pytest.approx(30.0)
    assert snap.last_error == "down"
    assert snap.opened_count == 1

    clock.now += 30.0
    assert breaker.snapshot().state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()  # the probe
    assert not breaker.try_acquire()  # everyone else still fails fast
    breaker.record_success()
    assert breaker.snapshot().state is BreakerState.CLOSED
    assert breaker.snapshot().consecutive_failures == 0


def test_failed_probe_reopens_for_a_full_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    breaker.try_acquire()
    breaker.record_failure()
    clock.now += 10.0
    assert breaker.try_acquire()
    breaker.record_failure()
    assert breaker.snapshot().state is BreakerState.OPEN
    clock.now += 9.9
    assert not breaker.try_acquire()
    clock.now += 0.1
    assert breaker.try_acquire()
    assert breaker.snapshot().opened_count == 2


def test_released_probe_lets_the_next_caller_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 5.0, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.try_acquire()
    breaker.release_probe()
    assert breaker.try_acquire()


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(2, 5.0, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.snapshot().state is BreakerState.CLOSED


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0, 1.0)
    with pytest.raises(ValueError):
        CircuitBreaker(1, 0)
