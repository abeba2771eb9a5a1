"""What every DEMO query module shares: the session with its error mapping, and exact money in SQL.

The readers (`sales.DemoSalesReader`, `ops.DemoOpsReader`) are composed of query classes, one per
subject (`*_queries.py`); each derives from `DemoQueries`. A reader method opens ONE session and runs
all its statements in it: every session costs a pool checkout with a liveness ping (three round trips
on asyncpg), and at a million orders round trips, not rows, are most of what a small indexed read costs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import BigInteger, ColumnElement, Row, Select, cast, func, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.upstream.base import ProviderUnavailable
from ownerbot.upstream.sales import CENT, ZERO

Cols = TypeVarTuple("Cols")
AnyRow = Row[*tuple[Any, ...]]


class DemoQueries:
    """Base of the demo query classes: the session factory, the shop's zone and currency."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, tz: str, currency: str) -> None:
        self._session_factory = session_factory
        self._tz = tz
        self._currency = currency
        bind = getattr(session_factory, "kw", {}).get("bind")
        self._postgresql = bind is not None and bind.dialect.name == "postgresql"

    @asynccontextmanager
    async def _session(
        self, *, custom_plans: bool = False, parallel: bool = True
    ) -> AsyncIterator[AsyncSession]:
        """A read session; a database that cannot be reached becomes `ProviderUnavailable`.

        On PostgreSQL the reads run without BEGIN/ROLLBACK (autocommit): each statement sees its own
        snapshot, as it does in a READ COMMITTED transaction anyway, and the two round trips saved are
        a large share of a small read (every round trip is a wake-up of the server process).

        Planner settings, when asked for, hold for a transaction only (so such a session keeps its
        transaction; one statement sets them before the reads):

        * `custom_plans=True`, for queries over the big base tables: plan each statement for its actual
          parameters. asyncpg prepares every statement, and after five runs PostgreSQL may switch to a
          generic plan that estimates time ranges and LIMITs blind: measured on 1M orders, the open-order
          buckets fell from the partial index to a 98k-row index scan (3 ms -> 29 ms) and the
          payment-issue count to a parallel seq scan (15 -> 137 ms). Re-planning costs under a millisecond.
        * `parallel=False`, for queries that read a few thousand index entries: no parallel workers.
          The planner cannot know how soon a newest-first page finds its rows and may plan workers whose
          start-up (7 ms measured on two cores) is ten times the query itself.
        """
        settings = []
        if custom_plans:
            settings.append(func.set_config("plan_cache_mode", "force_custom_plan", True))
        if not parallel:
            settings.append(func.set_config("max_parallel_workers_per_gather", "0", True))
        try:
            async with self._session_factory() as session:
                if self._postgresql:
                    if settings:
                        await session.execute(select(*settings))
                    else:
                        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                yield session
        except (OperationalError, InterfaceError, OSError, TimeoutError) as exc:
            raise ProviderUnavailable(f"demo database unavailable: {type(exc).__name__}") from exc
        except DBAPIError as exc:
            # Other driver errors are bugs in the query and must surface as such, not as an outage.
            if exc.connection_invalidated:
                raise ProviderUnavailable(f"demo database connection lost: {type(exc).__name__}") from exc
            raise

    async def _rows(self, stmt: Select[*Cols]) -> Sequence[Row[*Cols]]:
        """One statement in its own session (for methods that need a single read)."""
        async with self._session() as session:
            return (await session.execute(stmt)).all()


def cents_sum(column: Any) -> ColumnElement[int]:
    """SUM in whole cents: exact on both engines (SQLite keeps money as REAL, and a float SUM drifts)."""
    return cast(func.coalesce(func.sum(func.round(column * 100)), 0), BigInteger)


def from_cents(cents: int | Decimal | None) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def or_zero(value: Decimal | None) -> Decimal:
    """A SUM of money over no rows is NULL: zero instead."""
    return value if value is not None else ZERO
