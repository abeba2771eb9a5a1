"""Writing the owner's own marks on orders: flags and notes. DEMO writes its tables; SIS plugs in later.

Action tools reach order annotations only through `OrderAnnotations`, never through a database or an
HTTP client, so a SIS implementation (gateway endpoints) can replace the DEMO one without touching them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NoReturn, Protocol

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.upstream.base import ProviderNotSupported


class OrderFlag(BaseModel):
    """An existing order's flag state."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str
    flagged: bool
    reason: str | None


class OrderAnnotations(Protocol):
    """Flags and notes on orders. Ids are the shop's order ids as strings; unknown ids are skipped."""

    @property
    def sources(self) -> tuple[str, ...]:
        """What is written (for audit and answers), e.g. `demo:demo_orders`."""
        ...

    async def order_flags(self, order_ids: Sequence[str]) -> dict[str, OrderFlag]:
        """The flag state of each existing order among `order_ids` (missing ones are absent)."""
        ...

    async def set_flags(self, order_ids: Sequence[str], reason: str | None, now: datetime) -> list[str]:
        """Flag the orders with `reason`; returns the ids that changed (already equal ones do not)."""
        ...

    async def clear_flags(self, order_ids: Sequence[str], now: datetime) -> list[str]:
        """Remove the flag (and its reason); returns the ids that changed."""
        ...

    async def add_note(self, order_id: str, text: str, author_tg_id: int | None, now: datetime) -> int:
        """Append a note to an existing order; returns the note id. A missing order raises LookupError."""
        ...


class UnsupportedAnnotations:
    """Stands in where no writer exists yet (SIS): every call is `NOT_SUPPORTED`."""

    sources: tuple[str, ...] = ()

    def _refuse(self) -> NoReturn:
        raise ProviderNotSupported("order flags and notes are not available from SIS yet")

    async def order_flags(self, order_ids: Sequence[str]) -> dict[str, OrderFlag]:
        self._refuse()

    async def set_flags(self, order_ids: Sequence[str], reason: str | None, now: datetime) -> list[str]:
        self._refuse()

    async def clear_flags(self, order_ids: Sequence[str], now: datetime) -> list[str]:
        self._refuse()

    async def add_note(self, order_id: str, text: str, author_tg_id: int | None, now: datetime) -> int:
        self._refuse()


def build_annotations(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> OrderAnnotations:
    """DEMO writes its own tables; other modes have no writer yet."""
    if settings.upstream_mode is UpstreamMode.DEMO:
        from ownerbot.upstream.demo.annotations import DemoOrderAnnotations

        return DemoOrderAnnotations(session_factory)
    return UnsupportedAnnotations()
