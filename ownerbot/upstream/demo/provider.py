"""The DEMO provider: answers every read question from OwnerBot's own demo tables."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.upstream.demo.ops import DemoOpsReader
from ownerbot.upstream.demo.sales import DemoSalesReader


class DemoProvider:
    """Implements `UpstreamProvider` over the `demo_*` tables (see storage/demo_models.py)."""

    name = "DEMO"
    source_prefix = "demo:"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, tz: str, currency: str) -> None:
        self._sales = DemoSalesReader(session_factory, tz=tz, currency=currency)
        self._ops = DemoOpsReader(session_factory, tz=tz, currency=currency)

    @property
    def sales(self) -> DemoSalesReader:
        return self._sales

    @property
    def ops(self) -> DemoOpsReader:
        return self._ops
