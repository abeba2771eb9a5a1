"""Durable storage: SQLAlchemy models, engine, Alembic migrations and repositories."""

from ownerbot.storage.dto import AuditEventIn, AuditRecord, RuntimeSetting
from ownerbot.storage.engine import (
    create_engine,
    create_engine_for_url,
    create_session_factory,
    ping_database,
)
from ownerbot.storage.repositories import AuditRepository, RuntimeSettingsRepository

__all__ = [
    "AuditEventIn",
    "AuditRecord",
    "AuditRepository",
    "RuntimeSetting",
    "RuntimeSettingsRepository",
    "create_engine",
    "create_engine_for_url",
    "create_session_factory",
    "ping_database",
]
