"""Apply Alembic revisions from async code (the bot runs `await upgrade(...)` at start).

Alembic is synchronous; its commands run inside `AsyncConnection.run_sync`, on the caller's event loop,
with the connection handed to `migrations/env.py` through `Config.attributes`. The configuration is built
in memory, nothing is written to disk, and Alembic never touches logging configuration.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.storage.engine import create_engine_for_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations; `url` is kept in memory only."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Config values go through ConfigParser interpolation: a percent-encoded password needs `%%`.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no Alembic revisions found")
    return head


def _upgrade_sync(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade_sync(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    engine = create_engine_for_url(url, pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade_sync, alembic_config(url), revision)
            await connection.commit()
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` (`"base"` removes everything)."""
    engine = create_engine_for_url(url, pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_sync, alembic_config(url), revision)
            await connection.commit()
    finally:
        await engine.dispose()


def _current_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_sync)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """True when the database is at the newest shipped revision."""
    return await current_revision(engine) == head_revision()
