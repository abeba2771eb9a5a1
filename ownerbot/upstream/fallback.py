"""Marking answers that came from the DEMO fallback in AUTO mode.

`AutoProvider` calls `note_fallback` when SIS was unavailable and DEMO answered instead; the tool runner
opens a `fallback_scope` around every tool call and, when a fallback happened inside it, adds the
`DEMO_FALLBACK` warning («данные DEMO: SIS недоступен»). The record is a mutable object in a
contextvar, so tasks a tool spawns (they copy the context) still report into the same record.

The warning's `message` is the Russian label (data and audit rows keep it as they always have); the
owner sees the label in their own language: `warnings.DEMO_FALLBACK` through templates/warning_text.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

DEMO_FALLBACK_CODE = "DEMO_FALLBACK"
DEMO_FALLBACK_TEXT = "данные DEMO: SIS недоступен"  # the RU label; EN: "DEMO data: SIS is unavailable"


@dataclass
class FallbackRecord:
    """Why SIS was skipped during one tool call (empty: it was not)."""

    reasons: list[str] = field(default_factory=list)

    @property
    def happened(self) -> bool:
        return bool(self.reasons)


_current: ContextVar[FallbackRecord | None] = ContextVar("ownerbot_demo_fallback", default=None)


@contextmanager
def fallback_scope() -> Iterator[FallbackRecord]:
    """Collect fallbacks of the calls made inside the block."""
    record = FallbackRecord()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def note_fallback(reason: str) -> None:
    """Record that DEMO answered instead of SIS (a no-op outside a scope)."""
    record = _current.get()
    if record is not None:
        record.reasons.append(reason)
