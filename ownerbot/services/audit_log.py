"""Audit writing for application code: stamps the current correlation id and never raises into callers."""

from __future__ import annotations

import logging
from typing import Any

from ownerbot.observability.correlation import current_correlation_id
from ownerbot.storage.dto import AuditEventIn
from ownerbot.storage.repositories.audit import AuditRepository

log = logging.getLogger(__name__)


class AuditLog:
    """Thin service over the audit repository used by middlewares, tools and the action pipeline."""

    def __init__(self, repository: AuditRepository) -> None:
        self._repository = repository

    @property
    def repository(self) -> AuditRepository:
        return self._repository

    async def record(self, event_type: str, **fields: Any) -> int | None:
        """Append one event; a failing audit write is logged loudly but does not break the user flow."""
        fields.setdefault("correlation_id", current_correlation_id())
        try:
            return await self._repository.write(AuditEventIn(event_type=event_type, **fields))
        except Exception:
            log.exception("audit_write_failed", extra={"event_type": event_type})
            return None
