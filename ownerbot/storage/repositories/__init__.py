"""Repositories: all SQL lives here; services ask questions in business words."""

from ownerbot.storage.repositories.audit import AuditRepository, redact_secrets
from ownerbot.storage.repositories.runtime_settings import RuntimeSettingsRepository

__all__ = ["AuditRepository", "RuntimeSettingsRepository", "redact_secrets"]
