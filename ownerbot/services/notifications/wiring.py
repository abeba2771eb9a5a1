"""Builds the notification services of a process (bot, CLI, tests) from settings and storage."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.services.notifications.digest import DigestBuilder
from ownerbot.services.notifications.service import NotificationServices
from ownerbot.storage.repositories.notifications import NotificationRepository
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.services import build_tool_services


def build_notification_services(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    registry: ToolRegistry,
    audit: AuditLog | None,
) -> NotificationServices:
    """The repository over `session_factory` and a digest builder over the read tools of `registry`."""
    tool_services = build_tool_services(settings, session_factory, audit.repository if audit else None)
    digest = DigestBuilder(registry, settings, audit=audit, tool_services=tool_services)
    return NotificationServices(repository=NotificationRepository(session_factory), digest=digest)
