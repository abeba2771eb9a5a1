"""Append-only audit log: write events, read the latest ones, count them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.dto import AuditEventIn, AuditRecord
from ownerbot.storage.models import AuditEvent

REDACTED = "***"

_T = TypeVar("_T")


def redact_secrets(value: _T, secrets: Sequence[str]) -> _T:
    """Return `value` with every secret replaced by `***` in all strings, recursively (dict keys too)."""
    return cast("_T", _redact(value, _ordered(secrets)))


def _ordered(secrets: Sequence[str]) -> tuple[str, ...]:
    # Longest first, so a secret that contains another is replaced whole.
    return tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {_redact(k, secrets): _redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item, secrets) for item in value]
    return value


class AuditRepository:
    """Writes and reads audit events.

    Each write commits in its own session: an audit row must survive even when the business transaction
    that produced it rolls back. Configured secret values are scrubbed from summary, warnings and details
    before anything reaches the database (defence in depth; callers should not pass secrets at all).
    """

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], secrets: Sequence[str] = ()
    ) -> None:
        self._session_factory = session_factory
        self._secrets = _ordered(secrets)

    async def write(self, event: AuditEventIn) -> int:
        """Append `event` and return its id."""
        row = AuditEvent(
            event_type=event.event_type,
            correlation_id=event.correlation_id,
            actor_tg_id=event.actor_tg_id,
            action_name=event.action_name,
            target_system=event.target_system,
            payload_hash=event.payload_hash,
            status=event.status,
            summary=_redact(event.summary, self._secrets),
            warnings=_redact(list(event.warnings), self._secrets),
            details=_redact(dict(event.details), self._secrets),
            started_at=event.started_at,
            finished_at=event.finished_at,
        )
        async with self._session_factory() as session:
            session.add(row)
            await session.commit()
            return row.id

    async def recent(
        self,
        limit: int = 20,
        event_type: str | None = None,
        correlation_id: str | None = None,
    ) -> list[AuditRecord]:
        """The latest events, newest first, optionally only of one type or one correlation id."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if event_type is not None:
            query = query.where(AuditEvent.event_type == event_type)
        if correlation_id is not None:
            query = query.where(AuditEvent.correlation_id == correlation_id)
        async with self._session_factory() as session:
            rows = (await session.scalars(query)).all()
        return [AuditRecord.model_validate(row) for row in rows]

    async def count(self, event_type: str | None = None, actor_tg_id: int | None = None) -> int:
        """How many events match the filters."""
        query = select(func.count()).select_from(AuditEvent)
        if event_type is not None:
            query = query.where(AuditEvent.event_type == event_type)
        if actor_tg_id is not None:
            query = query.where(AuditEvent.actor_tg_id == actor_tg_id)
        async with self._session_factory() as session:
            return int(await session.scalar(query) or 0)
