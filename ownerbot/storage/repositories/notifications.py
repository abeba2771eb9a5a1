"""Notification settings, open escalations and delivery bookkeeping (tables of migration 0005).

Rows stay inside `storage/`: callers get the frozen dataclasses below. Every write is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.notification_models import (
    NotificationDelivery,
    NotificationEscalation,
    NotificationSetting,
)


@dataclass(frozen=True)
class SettingRow:
    kind: str
    enabled: bool
    settings: dict[str, Any]
    updated_at: datetime
    updated_by: int | None


@dataclass(frozen=True)
class EscalationRow:
    id: int
    owner_id: int
    alert_key: str
    summary: str
    opened_at: datetime
    last_sent_at: datetime | None
    repeats_sent: int
    snoozed_until: datetime | None
    acked_at: datetime | None


@dataclass(frozen=True)
class DeliveryRow:
    owner_id: int
    kind: str
    dedupe_key: str
    last_sent_at: datetime | None
    last_attempt_at: datetime | None
    last_error_at: datetime | None
    attempts: int
    details: dict[str, Any] = field(default_factory=dict)


def _escalation(row: NotificationEscalation) -> EscalationRow:
    return EscalationRow(
        id=row.id,
        owner_id=row.owner_id,
        alert_key=row.alert_key,
        summary=row.summary,
        opened_at=row.opened_at,
        last_sent_at=row.last_sent_at,
        repeats_sent=row.repeats_sent,
        snoozed_until=row.snoozed_until,
        acked_at=row.acked_at,
    )


def _delivery(row: NotificationDelivery) -> DeliveryRow:
    return DeliveryRow(
        owner_id=row.owner_id,
        kind=row.kind,
        dedupe_key=row.dedupe_key,
        last_sent_at=row.last_sent_at,
        last_attempt_at=row.last_attempt_at,
        last_error_at=row.last_error_at,
        attempts=row.attempts,
        details=dict(row.details),
    )


def _open(owner_id: int) -> Any:
    return (
        (NotificationEscalation.owner_id == owner_id)
        & NotificationEscalation.acked_at.is_(None)
        & NotificationEscalation.resolved_at.is_(None)
    )


class NotificationRepository:
    """Per-owner settings (one row per owner and kind), escalations and dedupe state."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    # -- settings -------------------------------------------------------------------------------

    async def settings_of(self, owner_id: int) -> dict[str, SettingRow]:
        """The owner's stored kinds by kind name (kinds never set are absent)."""
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(NotificationSetting).where(NotificationSetting.owner_id == owner_id)
            )
            return {
                row.kind: SettingRow(
                    row.kind, row.enabled, dict(row.settings), row.updated_at, row.updated_by
                )
                for row in rows
            }

    async def owners_with_enabled(self, kind: str) -> list[int]:
        """Owners who switched `kind` on (what the scheduler worker iterates)."""
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(NotificationSetting.owner_id)
                .where(NotificationSetting.kind == kind, NotificationSetting.enabled.is_(True))
                .order_by(NotificationSetting.owner_id)
            )
            return list(rows)

    async def save(
        self, owner_id: int, kind: str, *, enabled: bool, settings: dict[str, Any], now: datetime
    ) -> None:
        """Insert or replace one kind of one owner, in one transaction (row lock on PostgreSQL).

        Two first-time saves racing for the same row: the loser's INSERT hits the primary key and is
        retried once as an UPDATE of the winner's row (last write wins, like two updates).
        """
        try:
            await self._save_once(owner_id, kind, enabled=enabled, settings=settings, now=now)
        except IntegrityError:
            await self._save_once(owner_id, kind, enabled=enabled, settings=settings, now=now)

    async def _save_once(
        self, owner_id: int, kind: str, *, enabled: bool, settings: dict[str, Any], now: datetime
    ) -> None:
        async with self._session_factory() as session, session.begin():
            row = await session.get(NotificationSetting, (owner_id, kind), with_for_update=True)
            if row is None:
                session.add(
                    NotificationSetting(
                        owner_id=owner_id,
                        kind=kind,
                        enabled=enabled,
                        settings=settings,
                        updated_at=now,
                        updated_by=owner_id,
                    )
                )
            else:
                row.enabled = enabled
                row.settings = settings
                row.updated_at = now
                row.updated_by = owner_id

    # -- escalations ----------------------------------------------------------------------------

    async def open_escalation(self, owner_id: int, alert_key: str, summary: str, now: datetime) -> int:
        """Open (or return the still-open) escalation of `alert_key`: one open per owner and key."""
        async with self._session_factory() as session, session.begin():
            existing = await session.scalar(
                select(NotificationEscalation.id).where(
                    _open(owner_id), NotificationEscalation.alert_key == alert_key
                )
            )
            if existing is not None:
                return existing
            row = NotificationEscalation(
                owner_id=owner_id, alert_key=alert_key, summary=summary, opened_at=now, repeats_sent=0
            )
            session.add(row)
            await session.flush()
            return row.id

    async def open_escalations(self, owner_id: int) -> list[EscalationRow]:
        """Not acknowledged, not resolved (snoozed ones included), oldest first."""
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(NotificationEscalation).where(_open(owner_id)).order_by(NotificationEscalation.id)
            )
            return [_escalation(row) for row in rows]

    async def ack(self, owner_id: int, ids: Sequence[int], now: datetime) -> list[int]:
        """Acknowledge those of `ids` still open; returns the ids that changed."""
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                update(NotificationEscalation)
                .where(_open(owner_id), NotificationEscalation.id.in_(list(ids)))
                .values(acked_at=now, acked_by=owner_id)
                .returning(NotificationEscalation.id)
            )
            return sorted(result.scalars())

    async def snooze(self, owner_id: int, ids: Sequence[int], until: datetime) -> list[int]:
        """Snooze those of `ids` still open until `until`; returns the ids that changed."""
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                update(NotificationEscalation)
                .where(_open(owner_id), NotificationEscalation.id.in_(list(ids)))
                .values(snoozed_until=until)
                .returning(NotificationEscalation.id)
            )
            return sorted(result.scalars())

    # -- deliveries (dedupe / last sent; the scheduler worker's bookkeeping) --------------------

    async def delivery(self, owner_id: int, kind: str, dedupe_key: str) -> DeliveryRow | None:
        async with self._session_factory() as session:
            row = await session.get(NotificationDelivery, (owner_id, kind, dedupe_key))
            return None if row is None else _delivery(row)

    async def last_sent(self, owner_id: int, kind: str) -> DeliveryRow | None:
        """The most recently delivered notice of `kind` (cooldowns and heartbeats read it)."""
        async with self._session_factory() as session:
            row = await session.scalar(
                select(NotificationDelivery)
                .where(
                    NotificationDelivery.owner_id == owner_id,
                    NotificationDelivery.kind == kind,
                    NotificationDelivery.last_sent_at.is_not(None),
                )
                .order_by(NotificationDelivery.last_sent_at.desc())
                .limit(1)
            )
            return None if row is None else _delivery(row)

    async def record_delivery(
        self,
        owner_id: int,
        kind: str,
        dedupe_key: str,
        *,
        now: datetime,
        delivered: bool,
        details: dict[str, Any] | None = None,
    ) -> DeliveryRow:
        """Count an attempt; `last_sent_at` moves only when Telegram confirmed delivery (`delivered`)."""
        async with self._session_factory() as session, session.begin():
            row = await session.get(NotificationDelivery, (owner_id, kind, dedupe_key), with_for_update=True)
            if row is None:
                row = NotificationDelivery(
                    owner_id=owner_id, kind=kind, dedupe_key=dedupe_key, attempts=0, details={}
                )
                session.add(row)
            row.attempts = (row.attempts or 0) + 1
            row.last_attempt_at = now
            if delivered:
                row.last_sent_at = now
            else:
                row.last_error_at = now
            if details is not None:
                row.details = details
            row.updated_at = now
            await session.flush()
            return _delivery(row)
