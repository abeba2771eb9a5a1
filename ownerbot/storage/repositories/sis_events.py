"""SIS events: insert-or-ignore by `event_id`, the pull cursor, and the queries the read models ask."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.event_models import EVENTS_CURSOR_KEY, SisEvent
from ownerbot.storage.models import RuntimeSetting, utcnow

# Rows per INSERT: 14 bound values each stays far below SQLite's and asyncpg's parameter limits.
INSERT_CHUNK = 500
# Subject ids per IN (...) list.
IN_CHUNK = 500
# runtime_settings row: when a pull last succeeded (even an idle one), for `/systems` and `sys_health`.
EVENTS_LAST_PULL_KEY = "sis_events_last_pull"


@dataclass(frozen=True)
class EventRecord:
    """One event as stored and as read back; `envelope` is the whole envelope SIS sent."""

    event_id: str
    event_name: str
    schema_version: int
    occurred_at: datetime
    business_id: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    envelope: dict[str, Any] = field(default_factory=dict)

    @property
    def properties(self) -> dict[str, Any]:
        props = self.envelope.get("properties")
        return props if isinstance(props, dict) else {}


def _record(row: SisEvent) -> EventRecord:
    return EventRecord(
        event_id=row.event_id,
        event_name=row.event_name,
        schema_version=row.schema_version,
        occurred_at=row.occurred_at,
        business_id=row.business_id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        target_type=row.target_type,
        target_id=row.target_id,
        action=row.action,
        envelope=row.envelope,
    )


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SisEventRepository:
    """All SQL over `sis_events` (and the cursor row in `runtime_settings`)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    # -- writes -----------------------------------------------------------------------------------------

    async def store(
        self,
        events: Sequence[EventRecord],
        *,
        channel: str,
        cursor: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Insert the events not stored yet; set the pull cursor in the same transaction. Returns inserts.

        The cursor moves only when the rows it covers are committed with it: a crash in between
        leaves the old cursor, and the redelivered events are ignored by `event_id`.
        """
        received_at = now or utcnow()
        unique: dict[str, EventRecord] = {}
        for event in events:
            unique.setdefault(event.event_id, event)
        rows = [
            {
                "event_id": e.event_id,
                "event_name": e.event_name,
                "schema_version": e.schema_version,
                "occurred_at": e.occurred_at,
                "business_id": e.business_id,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "action": e.action,
                "envelope": e.envelope,
                "received_at": received_at,
                "channel": channel,
            }
            for e in unique.values()
        ]
        inserted = 0
        async with self._session_factory() as session:
            dialect = session.get_bind().dialect.name
            for chunk in _chunks(rows, INSERT_CHUNK):
                if dialect == "postgresql":
                    statement: Any = postgresql.insert(SisEvent).values(list(chunk))
                elif dialect == "sqlite":
                    statement = sqlite.insert(SisEvent).values(list(chunk))
                else:
                    raise RuntimeError(f"SIS events support PostgreSQL and SQLite only, not {dialect}")
                statement = statement.on_conflict_do_nothing(index_elements=[SisEvent.event_id]).returning(
                    SisEvent.id
                )
                inserted += len((await session.execute(statement)).all())
            if cursor is not None:
                await self._upsert_cursor(session, dialect, cursor, received_at)
            await session.commit()
        return inserted

    @staticmethod
    async def _upsert_cursor(session: AsyncSession, dialect: str, cursor: str, at: datetime) -> None:
        values = {"key": EVENTS_CURSOR_KEY, "value": {"cursor": cursor}, "updated_at": at, "updated_by": None}
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(RuntimeSetting).values(**values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[RuntimeSetting.key],
                set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
            )
        )

    async def clear_cursor(self) -> None:
        """Forget the pull cursor (the next pull starts from the beginning; stored events stay)."""
        async with self._session_factory() as session:
            row = await session.get(RuntimeSetting, EVENTS_CURSOR_KEY)
            if row is not None:
                await session.delete(row)
                await session.commit()

    async def mark_pulled(self, at: datetime | None = None) -> None:
        """Remember that a pull succeeded now (an idle feed included: the cursor alone would not say)."""
        when = at or utcnow()
        async with self._session_factory() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            statement = insert(RuntimeSetting).values(
                key=EVENTS_LAST_PULL_KEY, value={}, updated_at=when, updated_by=None
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[RuntimeSetting.key], set_={"updated_at": statement.excluded.updated_at}
                )
            )
            await session.commit()

    async def last_pulled(self) -> datetime | None:
        """When a pull last succeeded, or None before the first."""
        async with self._session_factory() as session:
            return await session.scalar(
                select(RuntimeSetting.updated_at).where(RuntimeSetting.key == EVENTS_LAST_PULL_KEY)
            )

    # -- reads ------------------------------------------------------------------------------------------

    async def cursor(self) -> str | None:
        """The stored pull cursor, or None before the first page."""
        async with self._session_factory() as session:
            value = await session.scalar(
                select(RuntimeSetting.value).where(RuntimeSetting.key == EVENTS_CURSOR_KEY)
            )
        if isinstance(value, dict) and isinstance(value.get("cursor"), str):
            return str(value["cursor"])
        return None

    async def count(self) -> int:
        async with self._session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(SisEvent)) or 0)

    async def has_events(self) -> bool:
        async with self._session_factory() as session:
            return (await session.scalar(select(SisEvent.id).limit(1))) is not None

    async def between(self, names: Iterable[str], start: datetime, end: datetime) -> list[EventRecord]:
        """Events of `names` with start ≤ occurred_at < end, in (occurred_at, event_id) order."""
        statement = (
            select(SisEvent)
            .where(SisEvent.event_name.in_(tuple(names)))
            .where(SisEvent.occurred_at >= start, SisEvent.occurred_at < end)
            .order_by(SisEvent.occurred_at, SisEvent.event_id)
        )
        return await self._all(statement)

    async def last_of(self, names: Iterable[str], until: datetime) -> EventRecord | None:
        """The newest event of `names` at or before `until`."""
        statement = (
            select(SisEvent)
            .where(SisEvent.event_name.in_(tuple(names)), SisEvent.occurred_at <= until)
            .order_by(SisEvent.occurred_at.desc(), SisEvent.event_id.desc())
            .limit(1)
        )
        found = await self._all(statement)
        return found[0] if found else None

    async def of_subjects(
        self, names: Iterable[str], subject_type: str, subject_ids: Sequence[str], until: datetime
    ) -> list[EventRecord]:
        """Events of `names` about the given subjects up to `until`, in (occurred_at, event_id) order."""
        found: list[EventRecord] = []
        wanted = sorted(set(subject_ids))
        for chunk in _chunks(wanted, IN_CHUNK):
            found += await self._all(
                select(SisEvent)
                .where(SisEvent.event_name.in_(tuple(names)), SisEvent.subject_type == subject_type)
                .where(SisEvent.subject_id.in_(list(chunk)), SisEvent.occurred_at <= until)
            )
        found.sort(key=lambda e: (e.occurred_at, e.event_id))
        return found

    async def latest_per_subject(self, name: str, subject_type: str, until: datetime) -> list[EventRecord]:
        """For every subject, its newest `name` event at or before `until` (ties: every tied event)."""
        newest = (
            select(SisEvent.subject_id, func.max(SisEvent.occurred_at).label("at"))
            .where(SisEvent.event_name == name, SisEvent.subject_type == subject_type)
            .where(SisEvent.occurred_at <= until)
            .group_by(SisEvent.subject_id)
            .subquery()
        )
        statement = (
            select(SisEvent)
            .join(
                newest, (SisEvent.subject_id == newest.c.subject_id) & (SisEvent.occurred_at == newest.c.at)
            )
            .where(SisEvent.event_name == name, SisEvent.subject_type == subject_type)
            .order_by(SisEvent.occurred_at, SisEvent.event_id)
        )
        return await self._all(statement)

    async def _all(self, statement: Select[SisEvent]) -> list[EventRecord]:
        async with self._session_factory() as session:
            return [_record(row) for row in (await session.execute(statement)).scalars()]
