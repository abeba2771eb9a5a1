"""Shared fixtures: throwaway PostgreSQL databases, a flushed Redis db, SQLite files and settings.

PostgreSQL and Redis are real services. When one is unreachable the test is skipped locally and fails
in CI (`CI=true`), so a broken CI service can never turn into a silently green run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import asyncpg  # type: ignore[import-untyped]  # ships no type hints
import pytest
import redis
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings

DEFAULT_PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
CONNECT_TIMEOUT_SEC = 5.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true"}


def _unreachable(service: str, hint: str, exc: BaseException) -> NoReturn:
    """Skip locally, fail in CI; the message names the service and the variable to fix, never a password."""
    message = f"{service} is unreachable ({type(exc).__name__}); start it or set {hint}"
    if _in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards; yields its asyncpg URL."""
    admin_dsn = os.environ.get("OWNERBOT_TEST_PG_DSN", DEFAULT_PG_ADMIN_DSN)
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=CONNECT_TIMEOUT_SEC)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        _unreachable(f"PostgreSQL at {_safe(admin_dsn)}", "OWNERBOT_TEST_PG_DSN", exc)
    name = f"ownerbot_test_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(admin_dsn).set(drivername="postgresql+asyncpg", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database (index 13 by default) flushed before and after the test."""
    url = os.environ.get("OWNERBOT_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SEC)
    try:
        try:
            client.flushdb()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            _unreachable("Redis", "OWNERBOT_TEST_REDIS_URL", exc)
        yield url
        client.flushdb()
    finally:
        client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An aiosqlite URL for a database file that does not exist yet (in a directory that does not either)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'ownerbot.sqlite3'}"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build `Settings` without reading `.env`; keyword arguments override fields."""

    def build(database_url: str | None = None, redis_url: str | None = None, **overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": redis_url,
            "owner_ids": [1],
            "ownerbot_data_dir": tmp_path,
            **overrides,
        }
        return Settings(_env_file=None, **fields)

    return build


# -- the seeded DEMO shop ---------------------------------------------------------------------------

SEEDED_DEMO_NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # history crosses Berlin's DST switch (03-29)
SEEDED_DEMO_TZ = "Europe/Berlin"
SEEDED_DEMO_CURRENCY = "EUR"
SEEDED_DEMO_ORDERS = 1_500
SEEDED_DEMO_SEED = 7
SEEDED_DEMO_HISTORY_DAYS = 60


@dataclass(frozen=True)
class SeededDemo:
    """A migrated database holding the generated demo shop, with everything needed to query it."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    now: datetime
    tz: str
    currency: str
    backend: str


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_demo_url(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(backend, empty database URL); PostgreSQL is only touched when its parameter runs."""
    fixture = "pg_url" if request.param == "postgresql" else "sqlite_url"
    url: str = request.getfixturevalue(fixture)
    return request.param, url


@pytest.fixture
async def seeded_demo(
    seeded_demo_url: tuple[str, str], make_settings: Callable[..., Settings]
) -> AsyncIterator[SeededDemo]:
    """The demo shop (1,500 orders, seed 7, 60 days to 2026-03-30 10:00 UTC, Europe/Berlin, EUR)."""
    # Imported here so a broken demo module fails only the tests that use it, not the whole collection.
    from ownerbot.storage.engine import create_engine, create_session_factory
    from ownerbot.storage.migrate import upgrade
    from ownerbot.upstream.demo.generator import seed_demo

    backend, url = seeded_demo_url
    settings = make_settings(
        database_url=url, shop_timezone=SEEDED_DEMO_TZ, shop_currency=SEEDED_DEMO_CURRENCY
    )
    await upgrade(url)
    engine = create_engine(settings)
    try:
        await seed_demo(
            engine,
            orders=SEEDED_DEMO_ORDERS,
            seed=SEEDED_DEMO_SEED,
            now=SEEDED_DEMO_NOW,
            tz=SEEDED_DEMO_TZ,
            currency=SEEDED_DEMO_CURRENCY,
            history_days=SEEDED_DEMO_HISTORY_DAYS,
        )
        yield SeededDemo(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            now=SEEDED_DEMO_NOW,
            tz=SEEDED_DEMO_TZ,
            currency=SEEDED_DEMO_CURRENCY,
            backend=backend,
        )
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
def _detach_ownerbot_log_handler() -> Iterator[None]:
    """CLI tests configure logging onto a captured stream that closes after the test; detach it then."""
    from ownerbot.observability.logging import reset_logging

    yield
    reset_logging()
