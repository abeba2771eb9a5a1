"""What handlers receive from the dispatcher's workflow data: the application services, built once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.config.settings import Settings
from ownerbot.services.access import AccessPolicy
from ownerbot.services.audit_log import AuditLog
from ownerbot.state.base import StateStore


@dataclass(frozen=True)
class BotServices:
    """Injected into every handler as `services` (aiogram passes workflow data by keyword)."""

    settings: Settings
    engine: AsyncEngine
    state: StateStore
    audit: AuditLog
    access: AccessPolicy
