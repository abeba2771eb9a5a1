"""What handlers receive from the dispatcher's workflow data: the application services, built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.config.settings import Settings
from ownerbot.services.access import AccessPolicy
from ownerbot.services.audit_log import AuditLog
from ownerbot.state.base import StateStore

if TYPE_CHECKING:
    from ownerbot.actions.wiring import ActionServices
    from ownerbot.reports.service import ReportService
    from ownerbot.services.sis_capabilities import CapabilityService
    from ownerbot.templates.loader import TemplateCatalog
    from ownerbot.upstream.modes import UpstreamModeService


@dataclass(frozen=True)
class BotServices:
    """Injected into every handler as `services` (aiogram passes workflow data by keyword)."""

    settings: Settings
    engine: AsyncEngine
    state: StateStore
    audit: AuditLog
    access: AccessPolicy
    # The ACTION pipeline and crash recovery (ownerbot/actions/); wired by runtime.build_runtime.
    actions: ActionServices | None = None
    # PNG/PDF reports over the read tools (ownerbot/reports/); wired by runtime.build_runtime.
    reports: ReportService | None = None
    # DEMO / SIS_HTTP / AUTO with the runtime override (ownerbot/upstream/modes.py); its `provider` is the
    # read tools' `provider_for`. Wired by runtime.build_runtime.
    upstream: UpstreamModeService | None = None
    # Which SIS action families answer (services/sis_capabilities.py); wired by runtime.build_runtime.
    capabilities: CapabilityService | None = None
    # The template catalog (ownerbot/templates/): menus, the generic runner, free text. Loaded at start.
    templates: TemplateCatalog | None = None
