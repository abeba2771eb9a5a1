"""The application services tools may read from `ToolContext.services`, built in one place.

Every entry point (bot, CLI, reports, benchmarks) hands the runner the same set, so a tool never works
from one entry point and answers `NOT_SUPPORTED` from another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.upstream.catalog import CATALOG_SERVICE_KEY, build_catalog_actions

AUDIT_REPOSITORY_SERVICE = "audit_repository"


def build_tool_services(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    audit_repository: AuditRepository | None = None,
) -> dict[str, Any]:
    """`sys_audit_recent` reads the audit repository; `sis_fx_status` reads the catalog actions."""
    return {
        AUDIT_REPOSITORY_SERVICE: audit_repository
        or AuditRepository(session_factory, secrets=settings.secret_values()),
        CATALOG_SERVICE_KEY: build_catalog_actions(settings, session_factory),
    }
