"""Failed FX reprice applies of the simulator, kept for the events feed (`FX_REPRICE_FAILED`).

A failed apply rolls its transaction back, so the simulator's database keeps no trace of it and has no
table for one (the schema is OwnerBot's own DEMO schema). The log lives in memory, bounded; a restart
forgets it. The event id is derived from the operation and the Idempotency-Key, so a retry that fails
the same way is the same event (OwnerBot stores it once) and ids never repeat across restarts.
"""

from __future__ import annotations

import hashlib
from bisect import insort
from dataclasses import dataclass, field
from datetime import UTC, datetime

FX_FAILED_PREFIX = "fx_failed"
KEEP_FAILURES = 10_000


@dataclass(frozen=True, order=True)
class FxFailure:
    """One failed apply; ordered like the feed: (occurred_at, event_id)."""

    occurred_at: datetime
    event_id: str
    operation: str = field(compare=False)  # fx_apply | reprice_apply
    error_code: str = field(compare=False)
    detail: str = field(compare=False)
    actor_id: int | None = field(compare=False)


class FxFailureLog:
    """The failures in feed order; `after` pages them with the feed's (occurred_at, event_id) cursor."""

    def __init__(self, keep: int = KEEP_FAILURES) -> None:
        self._keep = keep
        self._items: list[FxFailure] = []
        self._ids: set[str] = set()

    def record(
        self,
        operation: str,
        *,
        error_code: str,
        detail: str,
        actor_id: int | None,
        idempotency_key: str | None,
        at: datetime,
    ) -> FxFailure | None:
        """Remember a failure; None when the same request (operation + key) already failed."""
        basis = f"{operation}\0{idempotency_key or at.astimezone(UTC).isoformat()}"
        event_id = f"{FX_FAILED_PREFIX}:{hashlib.sha256(basis.encode()).hexdigest()[:20]}"
        if event_id in self._ids:
            return None
        failure = FxFailure(at.astimezone(UTC), event_id, operation, error_code, detail[:300], actor_id)
        insort(self._items, failure)
        self._ids.add(event_id)
        if len(self._items) > self._keep:
            dropped = self._items.pop(0)
            self._ids.discard(dropped.event_id)
        return failure

    def after(self, cursor: tuple[datetime, str] | None, limit: int) -> list[FxFailure]:
        """Up to `limit` failures strictly after `cursor`, in feed order."""
        items = (
            self._items
            if cursor is None
            else [f for f in self._items if (f.occurred_at, f.event_id) > cursor]
        )
        return items[:limit]

    def __len__(self) -> int:
        return len(self._items)
