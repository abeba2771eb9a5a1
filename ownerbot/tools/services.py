"""The application services tools may read from `ToolContext.services`, built in one place.

Every entry point (bot, CLI, reports, benchmarks) hands the runner the same set, so a tool never works
from one entry point and answers `NOT_SUPPORTED` from another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.storage.repositories.notifications import NotificationRepository
from ownerbot.upstream.catalog import CATALOG_SERVICE_KEY, CatalogActions, build_catalog_actions

if TYPE_CHECKING:
    from ownerbot.services.sis_capabilities import CapabilityService
    from ownerbot.state.base import StateStore
    from ownerbot.upstream.modes import UpstreamModeService

AUDIT_REPOSITORY_SERVICE = "audit_repository"
NOTIFICATION_REPOSITORY_SERVICE = "notification_repository"


def build_tool_services(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    audit_repository: AuditRepository | None = None,
    *,
    state: StateStore | None = None,
    modes: UpstreamModeService | None = None,
    capabilities: CapabilityService | None = None,
) -> dict[str, Any]:
    """`sys_audit_recent` reads the audit repository; `sis_fx_status` reads the catalog actions.

    With `modes` (the bot's mode service) the catalog follows the mode selected at the moment of each
    call (the runtime /upstream toggle), as the actions do; without it, the configured mode's.
    """
    return {
        AUDIT_REPOSITORY_SERVICE: audit_repository
        or AuditRepository(session_factory, secrets=settings.secret_values()),
        CATALOG_SERVICE_KEY: _catalog(settings, session_factory, modes),
        NOTIFICATION_REPOSITORY_SERVICE: NotificationRepository(session_factory),  # ntf_status
        # "capabilities", state, modes, the shadow check: sys_health, sis_actions_capabilities, ...
        **_system_services(
            settings, session_factory, audit_repository, state=state, modes=modes, capabilities=capabilities
        ),
    }


def _catalog(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    modes: UpstreamModeService | None,
) -> CatalogActions | None:
    if modes is None:
        return build_catalog_actions(settings, session_factory)
    from ownerbot.actions.wiring import ModeCatalog  # the actions' wiring imports tools: not at load time

    return cast(CatalogActions, ModeCatalog(modes, settings, session_factory))


def _system_services(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    audit_repository: AuditRepository | None,
    **wired: Any,
) -> dict[str, Any]:
    from ownerbot.tools.read.system.wiring import system_tool_services  # imports tools: not at load time

    return system_tool_services(settings, session_factory, audit_repository, **wired)
