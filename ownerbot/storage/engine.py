"""Async engine and session factory for PostgreSQL (asyncpg) or SQLite (aiosqlite)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from ownerbot.config.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 5000


def _set_sqlite_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def create_engine_for_url(url: str, *, pooled: bool = True) -> AsyncEngine:
    """Build an engine for an async URL; `pooled=False` opens one connection per use (migrations, checks).

    For SQLite the database file's directory is created when missing, and every connection gets
    foreign keys on, WAL journaling and a busy timeout. PostgreSQL connections are pinged before reuse.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if not pooled:
        options["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed, **options)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    if pooled:
        options["pool_pre_ping"] = True
    return create_async_engine(parsed, **options)


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the application's engine from `settings.resolved_database_url`."""
    return create_engine_for_url(settings.resolved_database_url)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit, so DTOs can be built after the transaction."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping_database(engine: AsyncEngine) -> float:
    """Round-trip latency of `SELECT 1` in milliseconds; database errors propagate."""
    started = time.perf_counter()
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return (time.perf_counter() - started) * 1000
