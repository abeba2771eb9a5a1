"""The notification kinds, their typed options and defaults (NOTIFICATIONS.md).

A kind's options are stored as JSON in `notification_settings.settings`; no row means the defaults, and
a stored row is read through the kind's model so options added later get their defaults.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SETTINGS_SOURCE = "ownerbot:notification_settings"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class NotificationKind(StrEnum):
    """In the order `ntf_status` lists them."""

    DAILY_DIGEST = "daily_digest"
    WEEKLY = "weekly"
    QUIET_DIGEST = "quiet_digest"
    OPS_ALERTS = "ops_alerts"
    FX_DELTA = "fx_delta"
    FX_APPLY_EVENTS = "fx_apply_events"
    ESCALATION = "escalation"


@cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on every call: once per process is enough.
    return frozenset(available_timezones())


def check_time_local(value: str) -> str:
    """`HH:MM` on a 24-hour clock (00:00..23:59)."""
    value = value.strip()
    if not _HHMM.match(value):
        raise ValueError("HH:MM from 00:00 to 23:59")
    return value


def check_tz(value: str) -> str:
    """An IANA time zone name known to zoneinfo (e.g. Europe/Berlin)."""
    value = value.strip()
    # "localtime" and file paths are accepted by ZoneInfo yet mean nothing to another machine.
    if "/" not in value and value != "UTC":
        raise ValueError("an IANA time zone such as Europe/Berlin")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("an IANA time zone such as Europe/Berlin") from exc
    if value not in _known_zones():
        raise ValueError("an IANA time zone such as Europe/Berlin")
    return value


def parse_time_local(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


TimeLocal = Annotated[str, AfterValidator(check_time_local)]
TimeZoneName = Annotated[str, AfterValidator(check_tz)]
DigestFormat = Literal["text", "png", "pdf"]
DayOfWeek = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS_OF_WEEK: tuple[DayOfWeek, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FxApplyEvent = Literal["applied", "noop", "failed"]


class KindOptions(BaseModel):
    """Base of every kind's options; unknown stored keys are ignored (a downgrade may leave some)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class DailyDigestOptions(KindOptions):
    time_local: TimeLocal = "09:00"
    # None: the shop's timezone (SHOP_TIMEZONE) at the time of sending.
    tz: TimeZoneName | None = None
    format: DigestFormat = "text"


class WeeklyOptions(KindOptions):
    day_of_week: DayOfWeek = "mon"
    time_local: TimeLocal = "09:00"
    tz: TimeZoneName | None = None


class QuietDigestOptions(KindOptions):
    revenue_drop_pct: int = Field(default=30, ge=1, le=100)
    orders_drop_pct: int = Field(default=30, ge=1, le=100)
    max_silence_days: int = Field(default=7, ge=1, le=30)
    attempt_interval_minutes: int = Field(default=60, ge=5, le=1440)


class OpsAlertsOptions(KindOptions):
    unanswered_hours: int = Field(default=2, ge=1, le=168)
    unanswered_count: int = Field(default=5, ge=1, le=1000)
    stuck_count: int = Field(default=5, ge=1, le=10000)
    payment_failures: int = Field(default=3, ge=1, le=10000)
    low_stock_count: int = Field(default=10, ge=1, le=10000)
    cooldown_hours: int = Field(default=6, ge=1, le=168)


class FxDeltaOptions(KindOptions):
    min_percent: Decimal = Field(default=Decimal("1.0"), ge=Decimal("0.1"), le=Decimal("50"))
    cooldown_hours: int = Field(default=24, ge=1, le=168)


class FxApplyEventsOptions(KindOptions):
    notify_on: tuple[FxApplyEvent, ...] = ("failed",)


class EscalationOptions(KindOptions):
    stage1_after_minutes: int = Field(default=120, ge=5, le=1440)
    repeat_every_minutes: int = Field(default=360, ge=5, le=1440)
    max_repeats: int = Field(default=3, ge=1, le=10)


OPTIONS_MODELS: dict[NotificationKind, type[KindOptions]] = {
    NotificationKind.DAILY_DIGEST: DailyDigestOptions,
    NotificationKind.WEEKLY: WeeklyOptions,
    NotificationKind.QUIET_DIGEST: QuietDigestOptions,
    NotificationKind.OPS_ALERTS: OpsAlertsOptions,
    NotificationKind.FX_DELTA: FxDeltaOptions,
    NotificationKind.FX_APPLY_EVENTS: FxApplyEventsOptions,
    NotificationKind.ESCALATION: EscalationOptions,
}
# Every kind is off until the owner switches it on (NOTIFICATIONS.md: "off by default").
DEFAULT_ENABLED = False


class KindSettings(BaseModel):
    """One kind of one owner as the tools see it: stored (`is_default=False`) or the defaults."""

    model_config = ConfigDict(frozen=True)

    kind: NotificationKind
    enabled: bool
    options: KindOptions
    is_default: bool

    def options_json(self) -> dict[str, Any]:
        return self.options.model_dump(mode="json")


def default_settings(kind: NotificationKind) -> KindSettings:
    return KindSettings(kind=kind, enabled=DEFAULT_ENABLED, options=OPTIONS_MODELS[kind](), is_default=True)


def stored_settings(kind: NotificationKind, enabled: bool, options: dict[str, Any]) -> KindSettings:
    """A stored row read through the kind's model (missing keys → defaults)."""
    return KindSettings(
        kind=kind, enabled=enabled, options=OPTIONS_MODELS[kind].model_validate(options), is_default=False
    )
