"""A correlation id per unit of work (an update, a CLI call), carried in a context variable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("ownerbot_correlation_id", default=None)


def new_correlation_id() -> str:
    """A fresh id: 32 hex characters, short enough to read out over the phone in parts."""
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    """The id of the unit of work running in this context, if any."""
    return _current.get()


@contextmanager
def correlation_scope(correlation_id: str | None = None) -> Iterator[str]:
    """Bind a correlation id (a new one by default) for the duration of the block."""
    cid = correlation_id or new_correlation_id()
    token = _current.set(cid)
    try:
        yield cid
    finally:
        _current.reset(token)
