"""The `ntf_*_set` tools: switch one notification kind on/off and tune it (per owner: the actor).

Fields left out (None) keep their current value; the preview shows before → after per changed field and
is a no-op when nothing changes. Bounds follow INTERFACES.md / NOTIFICATIONS.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.services.notifications.settings import (
    DayOfWeek,
    DigestFormat,
    FxApplyEvent,
    NotificationKind,
    TimeLocal,
    TimeZoneName,
)
from ownerbot.tools.actions.common import ActionPayload
from ownerbot.tools.actions.ntf_common import commit_settings, ntf_spec, preview_settings
from ownerbot.tools.registry import ToolSpec

P = TypeVar("P", bound=BaseModel)


class DailyDigestSetPayload(ActionPayload):
    enabled: bool
    time_local: TimeLocal | None = None
    tz: TimeZoneName | None = None


class DigestFormatSetPayload(ActionPayload):
    format: DigestFormat


class WeeklySetPayload(ActionPayload):
    enabled: bool
    day_of_week: DayOfWeek | None = None
    time_local: TimeLocal | None = None
    tz: TimeZoneName | None = None


class OpsAlertsSetPayload(ActionPayload):
    enabled: bool
    unanswered_hours: int | None = Field(default=None, ge=1, le=168)
    unanswered_count: int | None = Field(default=None, ge=1, le=1000)
    stuck_count: int | None = Field(default=None, ge=1, le=10000)
    payment_failures: int | None = Field(default=None, ge=1, le=10000)
    low_stock_count: int | None = Field(default=None, ge=1, le=10000)
    cooldown_hours: int | None = Field(default=None, ge=1, le=168)


class FxDeltaSetPayload(ActionPayload):
    enabled: bool
    min_percent: Decimal | None = Field(default=None, ge=Decimal("0.1"), le=Decimal("50"))
    cooldown_hours: int | None = Field(default=None, ge=1, le=168)


class FxApplyEventsSetPayload(ActionPayload):
    enabled: bool
    notify_on: list[FxApplyEvent] | None = Field(default=None, min_length=1, max_length=3)


class QuietDigestSetPayload(ActionPayload):
    enabled: bool
    revenue_drop_pct: int | None = Field(default=None, ge=1, le=100)
    orders_drop_pct: int | None = Field(default=None, ge=1, le=100)
    max_silence_days: int | None = Field(default=None, ge=1, le=30)
    attempt_interval_minutes: int | None = Field(default=None, ge=5, le=1440)


class EscalationSetPayload(ActionPayload):
    enabled: bool
    stage1_after_minutes: int | None = Field(default=None, ge=5, le=1440)
    repeat_every_minutes: int | None = Field(default=None, ge=5, le=1440)
    max_repeats: int | None = Field(default=None, ge=1, le=10)


def _hooks(
    name: str, kind: NotificationKind
) -> tuple[
    Callable[[Any, ActionContext], Awaitable[ActionPreview]],
    Callable[[Any, ActionContext], Awaitable[ActionResult]],
]:
    async def preview(payload: BaseModel, ctx: ActionContext) -> ActionPreview:
        return await preview_settings(name, kind, _dedupe(payload), ctx)

    async def commit(payload: BaseModel, ctx: ActionContext) -> ActionResult:
        return await commit_settings(name, kind, _dedupe(payload), ctx)

    return preview, commit


def _dedupe(payload: BaseModel) -> BaseModel:
    # notify_on is a set of events: order and repeats do not make a different setting.
    if isinstance(payload, FxApplyEventsSetPayload) and payload.notify_on is not None:
        order = ("applied", "noop", "failed")
        events = sorted(set(payload.notify_on), key=order.index)
        return payload.model_copy(update={"notify_on": events})
    return payload


def _spec(
    name: str, kind: NotificationKind, model: type[P], description: str, example: dict[str, Any]
) -> ToolSpec[P]:
    preview, commit = _hooks(name, kind)
    return ntf_spec(
        name=name,
        payload_model=model,
        description=description,
        preview=preview,
        commit=commit,
        examples=(example,),
    )


DAILY = NotificationKind.DAILY_DIGEST
SPECS: list[ToolSpec[Any]] = [
    _spec(
        "ntf_daily_digest_set",
        DAILY,
        DailyDigestSetPayload,
        "Daily digest on/off, local time HH:MM and IANA timezone",
        {"enabled": True, "time_local": "09:00", "tz": "Europe/Berlin"},
    ),
    _spec(
        "ntf_digest_format_set",
        DAILY,
        DigestFormatSetPayload,
        "Daily digest format: text, png (dashboard) or pdf",
        {"format": "png"},
    ),
    _spec(
        "ntf_weekly_set",
        NotificationKind.WEEKLY,
        WeeklySetPayload,
        "Weekly PDF report on/off, day of week, local time, timezone",
        {"enabled": True, "day_of_week": "mon", "time_local": "09:00"},
    ),
    _spec(
        "ntf_ops_alerts_set",
        NotificationKind.OPS_ALERTS,
        OpsAlertsSetPayload,
        "Ops alerts on/off and thresholds (unanswered chats, stuck orders, payments, low stock), cooldown",
        {"enabled": True, "stuck_count": 5, "cooldown_hours": 6},
    ),
    _spec(
        "ntf_fx_delta_set",
        NotificationKind.FX_DELTA,
        FxDeltaSetPayload,
        "FX rate move notices on/off, minimum percent, cooldown",
        {"enabled": True, "min_percent": "1.5"},
    ),
    _spec(
        "ntf_fx_apply_events_set",
        NotificationKind.FX_APPLY_EVENTS,
        FxApplyEventsSetPayload,
        "FX auto-reprice event notices on/off and which events (applied, noop, failed)",
        {"enabled": True, "notify_on": ["failed"]},
    ),
    _spec(
        "ntf_quiet_digest_set",
        NotificationKind.QUIET_DIGEST,
        QuietDigestSetPayload,
        "Quiet digest mode on/off: send only when abnormal, thresholds and heartbeat",
        {"enabled": True, "revenue_drop_pct": 30},
    ),
    _spec(
        "ntf_escalation_set",
        NotificationKind.ESCALATION,
        EscalationSetPayload,
        "Critical alert escalation on/off, first repeat, repeat interval, max repeats",
        {"enabled": True, "max_repeats": 3},
    ),
]
