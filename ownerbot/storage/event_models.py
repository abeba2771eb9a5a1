"""SIS business events as OwnerBot received them (`SIS_CONTRACT.md` §5), one row per `event_id`.

The whole envelope is kept as JSON, so a read model added later can be computed from events received
earlier; the columns beside it are the ones read models filter and group on. The pull cursor lives in
`runtime_settings` (key `EVENTS_CURSOR_KEY`), written in the same transaction as the rows it covers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ownerbot.storage.models import Base, BigIntegerPK, JSONType, UTCDateTime

EVENT_ID_MAX = 200
EVENTS_CURSOR_KEY = "sis_events_cursor"


class SisEvent(Base):
    """One SIS event; `event_id` is unique, so a redelivery (pull or push) is ignored."""

    __tablename__ = "sis_events"
    __table_args__ = (
        Index("ix_sis_events_name_occurred", "event_name", "occurred_at"),
        Index("ix_sis_events_subject", "subject_type", "subject_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(EVENT_ID_MAX), nullable=False, unique=True)
    event_name: Mapped[str] = mapped_column(String(64), nullable=False)
    schema_version: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    business_id: Mapped[str | None] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(128))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str | None] = mapped_column(String(32))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)  # pull | push
