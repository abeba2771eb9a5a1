"""Alembic environment: runs revisions on a connection handed over by `ownerbot.storage.migrate`.

When Alembic is started some other way (its own CLI), it opens an async engine from `sqlalchemy.url`.
Logging is deliberately left alone: no `fileConfig`, the application owns the root logger.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

# demo_models / action_models register their tables on Base.metadata; without the import autogenerate and
# schema comparisons would see them as unknown tables to drop.
from ownerbot.storage import (  # noqa: F401
    action_models,
    catalog_models,
    demo_models,
    event_models,
    notification_models,
)
from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.models import Base

target_metadata = Base.metadata


def run_on_connection(connection: Connection) -> None:
    """Configure Alembic for `connection` and run the pending revisions in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead. A rebuild drops the
        # table's triggers, so a revision that batch-alters audit_events must recreate them.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine_for_url(url, pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on_connection)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Use the connection passed in `config.attributes`, or open one from the configured URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on_connection(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection in config.attributes")
    asyncio.run(_run_with_own_engine(url))


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
