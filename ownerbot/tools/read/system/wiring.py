"""The `ToolContext.services` entries the system tools read, built once per entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.services.shadow_check import SHADOW_CHECK_SERVICE_KEY, ShadowCheckService
from ownerbot.services.sis_capabilities import CAPABILITIES_SERVICE_KEY, CapabilityService
from ownerbot.state.base import StateStore
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.read.system.common import (
    DATABASE_ENGINE_SERVICE,
    SIS_CLIENT_SERVICE,
    STATE_STORE_SERVICE,
    UPSTREAM_MODES_SERVICE,
)
from ownerbot.upstream.modes import sis_configured

if TYPE_CHECKING:
    from ownerbot.upstream.modes import UpstreamModeService
    from ownerbot.upstream.sis.client import SisClient


def system_tool_services(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    audit_repository: AuditRepository | None,
    *,
    state: StateStore | None = None,
    modes: UpstreamModeService | None = None,
    capabilities: CapabilityService | None = None,
) -> dict[str, Any]:
    """Entry points without a running bot (CLI) get an in-process capability cache and no mode override."""

    def sis_client_for() -> SisClient | None:
        if modes is not None:
            return modes.sis_client()
        if not sis_configured(settings):
            return None
        from ownerbot.upstream.sis.client import get_sis_client

        return get_sis_client(settings)

    repository = audit_repository or AuditRepository(session_factory, secrets=settings.secret_values())
    return {
        CAPABILITIES_SERVICE_KEY: capabilities
        or CapabilityService(settings, state or MemoryStateStore(), modes=modes),
        UPSTREAM_MODES_SERVICE: modes,
        STATE_STORE_SERVICE: state,
        DATABASE_ENGINE_SERVICE: session_factory.kw.get("bind"),
        SIS_CLIENT_SERVICE: sis_client_for,
        SHADOW_CHECK_SERVICE_KEY: ShadowCheckService(
            settings, session_factory, sis_client_for=sis_client_for, audit=AuditLog(repository)
        ),
    }
