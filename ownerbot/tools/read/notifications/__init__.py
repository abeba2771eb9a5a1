"""`ntf_status`: the caller's notification settings, every kind, defaults marked as defaults.

Reads `notification_settings` through the repository the process puts in `ToolContext.services`
(`NOTIFICATION_REPOSITORY_SERVICE`); windowless, provenance `ownerbot:notification_settings`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ownerbot.services.notifications.service import owner_settings
from ownerbot.services.notifications.settings import (
    OPTIONS_MODELS,
    SETTINGS_SOURCE,
    DailyDigestOptions,
    NotificationKind,
)
from ownerbot.storage.repositories.notifications import NotificationRepository
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.tools.services import NOTIFICATION_REPOSITORY_SERVICE


class NtfStatusPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


async def ntf_status(payload: NtfStatusPayload, ctx: ToolContext) -> ToolResult:
    repository = ctx.services.get(NOTIFICATION_REPOSITORY_SERVICE)
    if not isinstance(repository, NotificationRepository):
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "Notification settings are not available in this process.")
    owner_id = ctx.actor.owner_user_id
    if owner_id is None:
        raise ToolFailure(ErrorCode.PERMISSION_DENIED, "ntf_status answers for an owner; no owner was given.")
    settings = await owner_settings(repository, owner_id)
    kinds: list[dict[str, Any]] = []
    for kind, current in settings.items():
        kinds.append(
            {
                "kind": kind.value,
                "enabled": current.enabled,
                "is_default": current.is_default,
                "settings": current.options_json(),
                "defaults": OPTIONS_MODELS[kind]().model_dump(mode="json"),
            }
        )
    daily = settings[NotificationKind.DAILY_DIGEST].options
    tz = daily.tz if isinstance(daily, DailyDigestOptions) and daily.tz else ctx.tenant.timezone
    escalations = await repository.open_escalations(owner_id)
    data = {
        "owner_id": owner_id,
        "timezone": tz,
        "shop_timezone": ctx.tenant.timezone,
        "kinds": kinds,
        "open_escalations": len(escalations),
        "as_of": ctx.now,
    }
    return ToolResult(data=data, sources=[SETTINGS_SOURCE])


SPEC: ToolSpec[NtfStatusPayload] = ToolSpec(
    name="ntf_status",
    kind=ToolKind.READ,
    payload_model=NtfStatusPayload,
    description="Notification settings of the owner: every kind, on/off, options (defaults marked), timezone",
    handler=ntf_status,
    risk=Risk.LOW,
    examples=({},),
    windowless=True,
)

SPECS: list[ToolSpec[Any]] = [SPEC]
