"""What the system tools share: their service keys, the strict payload base, service lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ownerbot.services.sis_capabilities import CAPABILITIES_SERVICE_KEY, CapabilityService
from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.tools.registry import ToolContext

if TYPE_CHECKING:
    from ownerbot.upstream.sis.client import SisClient

# ToolContext.services keys (filled by `wiring.system_tool_services`).
UPSTREAM_MODES_SERVICE = "upstream_modes"
STATE_STORE_SERVICE = "state_store"
DATABASE_ENGINE_SERVICE = "database_engine"
SIS_CLIENT_SERVICE = "sis_client_for"

OWNERBOT_SOURCE = "ownerbot:runtime"


class SystemPayload(BaseModel):
    """Unknown payload keys are an error."""

    model_config = ConfigDict(extra="forbid")


def capability_service(ctx: ToolContext) -> CapabilityService:
    service = ctx.services.get(CAPABILITIES_SERVICE_KEY)
    if not isinstance(service, CapabilityService):
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "SIS capabilities are not available in this process.")
    return service


def sis_client_of(ctx: ToolContext) -> SisClient | None:
    """The process's SIS client when SIS is configured (never creates a connection by itself)."""
    factory: Callable[[], SisClient | None] | None = ctx.services.get(SIS_CLIENT_SERVICE)
    return factory() if callable(factory) else None
