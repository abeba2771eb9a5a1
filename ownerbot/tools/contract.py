"""The tool contract (TOOLS.md): ToolRequest in, ToolResponse out, with provenance and stable error codes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CONTRACT_VERSION = "1.0"


class ErrorCode(StrEnum):
    """Stable error codes (ACTIONS.md); user texts are looked up by code, never built from exceptions."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    SIS_UNAVAILABLE = "SIS_UNAVAILABLE"
    SIS_AUTH_ERROR = "SIS_AUTH_ERROR"
    SIS_RATE_MISSING = "SIS_RATE_MISSING"
    ANOMALY_FORCE_REQUIRED = "ANOMALY_FORCE_REQUIRED"
    PAYLOAD_TAMPERED = "PAYLOAD_TAMPERED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    TOOL_EXECUTION_FAILED = "TOOL_EXECUTION_FAILED"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    NOT_FOUND = "NOT_FOUND"
    PROVENANCE_MISSING = "PROVENANCE_MISSING"
    PROVENANCE_INCOMPLETE = "PROVENANCE_INCOMPLETE"
    UNKNOWN_TOOL = "UNKNOWN_TOOL"
    TIMEOUT = "TIMEOUT"


class ToolKind(StrEnum):
    READ = "read"
    ACTION = "action"


class Risk(StrEnum):
    LOW = "LOW"
    MED = "MED"
    HIGH = "HIGH"


class Actor(BaseModel):
    owner_user_id: int | None = None
    role: Literal["owner", "system", "cli"] = "owner"


class Tenant(BaseModel):
    project: str = "OwnerBot"
    shop_id: str = "1"
    currency: str = "EUR"
    timezone: str = "Europe/Berlin"
    locale: str = "ru-RU"


class ToolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tool: str
    version: str = CONTRACT_VERSION
    correlation_id: str
    idempotency_key: str | None = None
    actor: Actor = Field(default_factory=Actor)
    tenant: Tenant = Field(default_factory=Tenant)
    payload: dict[str, Any] = Field(default_factory=dict)


class Window(BaseModel):
    """The time window a figure covers: shop-local calendar dates, both inclusive, and the timezone."""

    from_: str = Field(alias="from")
    to: str
    tz: str

    model_config = ConfigDict(populate_by_name=True)


class Provenance(BaseModel):
    sources: list[str] = Field(default_factory=list)
    window: Window | None = None
    filters_hash: str | None = None


WarningParam = str | int | float | None


class ToolWarning(BaseModel):
    """A caveat on an answer: a stable `code`, the English `message` (CLI, audit, planner) and the figures
    that message uses as `params`, so the owner's texts are looked up by code (templates/warning_text.py)."""

    code: str
    message: str
    params: dict[str, WarningParam] = Field(default_factory=dict)


class Artifact(BaseModel):
    type: Literal["png", "pdf", "json", "csv"]
    filename: str
    caption: str | None = None


class ToolError(BaseModel):
    code: ErrorCode
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ToolResponse(BaseModel):
    status: Literal["ok", "error"]
    tool: str
    correlation_id: str
    as_of: AwareDatetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    artifacts: list[Artifact] = Field(default_factory=list)
    warnings: list[ToolWarning] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)
    error: ToolError | None = None

    @classmethod
    def fail(
        cls,
        tool: str,
        correlation_id: str,
        code: ErrorCode,
        message: str,
        details: dict[str, Any] | None = None,
        as_of: datetime | None = None,
    ) -> ToolResponse:
        return cls(
            status="error",
            tool=tool,
            correlation_id=correlation_id,
            as_of=as_of,
            error=ToolError(code=code, message=message, details=details or {}),
        )


class ToolResult(BaseModel):
    """What a tool handler returns; the runner wraps it into a ToolResponse (status, ids, as_of)."""

    data: dict[str, Any]
    sources: list[str]
    window: Window | None = None
    filters_hash: str | None = None
    warnings: list[ToolWarning] = Field(default_factory=list)


class ToolFailure(Exception):
    """Raised inside a tool for an expected failure that must reach the owner with a stable code."""

    def __init__(self, code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
