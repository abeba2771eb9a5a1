"""The caller's deadline for upstream calls, so a client can finish (and count a failure) before it.

The tool runner gives every read tool a deadline (`asyncio.timeout`) and publishes its absolute end
here (event-loop time). The SIS client bounds a whole call by `SIS_TIMEOUT_SEC` *and* by a share of
the time left until that deadline, so its own timeout fires first: the failure reaches the breaker and
AUTO still has time to answer from DEMO. A call cancelled once the deadline has passed is a SIS
failure too (the owner could not wait longer); any other cancellation (shutdown) says nothing about SIS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The event loop runs a timer up to its clock resolution early; a cancellation this close counts as "at".
_SLACK_SEC = 0.001
_deadline: ContextVar[float | None] = ContextVar("ownerbot_call_deadline", default=None)


@contextmanager
def deadline_at(when: float | None) -> Iterator[None]:
    """Publish `when` (event-loop time) as the caller's deadline in the block; an earlier outer one wins."""
    outer = _deadline.get()
    effective = when if outer is None or (when is not None and when < outer) else outer
    token = _deadline.set(effective)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    """The caller's deadline in event-loop time, or None when no caller set one."""
    return _deadline.get()


def time_left() -> float | None:
    """Seconds until the caller's deadline (negative once passed), or None without a deadline."""
    when = _deadline.get()
    if when is None:
        return None
    return when - asyncio.get_running_loop().time()


def deadline_passed() -> bool:
    """Has the caller's deadline passed (so a cancellation now is the caller giving up on the call)?"""
    left = time_left()
    return left is not None and left <= _SLACK_SEC
