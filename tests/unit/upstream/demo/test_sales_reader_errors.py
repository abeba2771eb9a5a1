"""The DEMO sales reader turns a lost database into `ProviderUnavailable` and never hides query bugs."""

from __future__ import annotations

from datetime import date
from types import TracebackType
from typing import Any, cast

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.domain.windows import DayWindow
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable
from ownerbot.upstream.demo.sales import DemoSalesReader

TZ = "Europe/Berlin"
DAY = DayWindow.single(date(2026, 3, 30), TZ)


class FailingSession:
    """A session whose every query raises `error`; counts the queries it was asked."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.queries = 0

    async def __aenter__(self) -> FailingSession:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    async def execute(self, statement: Any) -> Any:
        self.queries += 1
        raise self.error


def reader_over(session: FailingSession) -> DemoSalesReader:
    factory = cast(async_sessionmaker[AsyncSession], lambda: session)
    return DemoSalesReader(factory, tz=TZ, currency="EUR")


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, Exception("could not connect")),
        ConnectionRefusedError("refused"),
        DBAPIError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True),
    ],
    ids=["operational", "refused", "invalidated"],
)
async def test_a_lost_database_is_provider_unavailable(error: Exception) -> None:
    with pytest.raises(ProviderUnavailable, match="demo database"):
        await reader_over(FailingSession(error)).kpi_totals(DAY)


async def test_a_broken_query_is_not_disguised_as_an_outage() -> None:
    error = ProgrammingError("SELECT nope", {}, Exception("column does not exist"))
    with pytest.raises(ProgrammingError):
        await reader_over(FailingSession(error)).funnel(DAY, DAY.utc_bounds()[1])


async def test_a_window_in_another_zone_than_the_rollups_is_refused_before_any_query() -> None:
    session = FailingSession(AssertionError("no query expected"))
    with pytest.raises(ProviderNotSupported, match="not America/New_York days"):
        await reader_over(session).daily_series(DayWindow.single(date(2026, 3, 30), "America/New_York"))
    assert session.queries == 0
