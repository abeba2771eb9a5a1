"""Tables of the owner notifications (docs/notifications.md, migration 0005).

- `notification_settings`: one row per owner and kind; `settings` is the kind's typed options as JSON
  (validated by the pydantic models of `services/notifications/settings.py`). No row = the defaults.
- `notification_escalations`: critical alerts still open for an owner, with their ACK / snooze state.
- `notification_deliveries`: dedupe and "last sent" bookkeeping per owner, kind and dedupe key, so a
  restart never resends and a failed send is retried without duplicating a delivered one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ownerbot.storage.models import Base, BigIntegerPK, JSONType, UTCDateTime


class NotificationSetting(Base):
    """One notification kind of one owner: on/off plus the kind's options."""

    __tablename__ = "notification_settings"

    owner_id: Mapped[int] = mapped_column(BigInteger(), primary_key=True)
    # daily_digest | weekly | ops_alerts | fx_delta | fx_apply_events | quiet_digest | escalation
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[int | None] = mapped_column(BigInteger())


class NotificationEscalation(Base):
    """A critical alert sent to an owner; open while neither acknowledged nor resolved."""

    __tablename__ = "notification_escalations"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(BigInteger(), nullable=False, index=True)
    # What tripped (e.g. "ops:stuck_orders"); one open escalation per owner and key.
    alert_key: Mapped[str] = mapped_column(String(191), nullable=False)
    summary: Mapped[str] = mapped_column(Text(), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repeats_sent: Mapped[int] = mapped_column(Integer(), nullable=False)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_by: Mapped[int | None] = mapped_column(BigInteger())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationDelivery(Base):
    """Dedupe / last-sent state of one (owner, kind, dedupe key).

    `dedupe_key` is what makes a notice unique: the local date of a digest, the ISO week of a weekly
    report, the sorted tripped thresholds of an ops alert, an FX event id. `last_sent_at` moves only after
    Telegram confirmed delivery; `last_attempt_at` / `last_error_at` throttle retries and error notices.
    """

    __tablename__ = "notification_deliveries"

    owner_id: Mapped[int] = mapped_column(BigInteger(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(191), primary_key=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
