"""Plain typed models that services exchange with the storage layer (ORM rows never leave `storage/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class AuditEventIn(BaseModel):
    """An audit event to append (see `ACTIONS.md`, "Audit events")."""

    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(min_length=1, max_length=64)
    correlation_id: str | None = Field(default=None, max_length=64)
    actor_tg_id: int | None = None
    action_name: str | None = Field(default=None, max_length=128)
    target_system: str | None = Field(default=None, max_length=32)
    payload_hash: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=32)
    summary: str | None = None
    warnings: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None


class AuditRecord(AuditEventIn):
    """A stored audit event: the event plus its id and UTC creation time."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    created_at: datetime


class RuntimeSetting(BaseModel):
    """A runtime setting with who changed it and when."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    value: Any
    updated_at: datetime
    updated_by: int | None = None
