"""DEMO order annotations: flags on `demo_orders` and rows in `demo_order_notes`.

`order_detail` reads the same columns and table, so a flag or note written here shows there at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.demo_models import DemoOrder, DemoOrderNote
from ownerbot.upstream.annotations import OrderFlag
from ownerbot.upstream.base import ProviderUnavailable


def _order_keys(order_ids: Sequence[str]) -> list[int]:
    """Demo order ids are integers; `#1042` and ` 1042 ` mean 1042; anything else matches no order."""
    keys = []
    for raw in order_ids:
        key = raw.strip().lstrip("#")
        if key.isdigit():
            keys.append(int(key))
    return keys


class DemoOrderAnnotations:
    """Implements `OrderAnnotations` over the demo tables; each call is one transaction."""

    sources: tuple[str, ...] = ("demo:demo_orders", "demo:demo_order_notes")

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._session_factory() as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise ProviderUnavailable(f"demo database unavailable: {type(exc).__name__}") from exc

    async def order_flags(self, order_ids: Sequence[str]) -> dict[str, OrderFlag]:
        keys = _order_keys(order_ids)
        if not keys:
            return {}
        query = select(DemoOrder.id, DemoOrder.flagged, DemoOrder.flag_reason).where(DemoOrder.id.in_(keys))
        async with self._session() as session:
            rows = (await session.execute(query)).all()
        return {
            str(order_id): OrderFlag(order_id=str(order_id), flagged=flagged, reason=reason)
            for order_id, flagged, reason in rows
        }

    async def set_flags(self, order_ids: Sequence[str], reason: str | None, now: datetime) -> list[str]:
        keys = _order_keys(order_ids)
        if not keys:
            return []
        # Only rows whose state differs change, so the returned ids are the real effect.
        if reason is None:
            differs = or_(DemoOrder.flagged.is_(False), DemoOrder.flag_reason.is_not(None))
        else:
            differs = or_(
                DemoOrder.flagged.is_(False), DemoOrder.flag_reason.is_(None), DemoOrder.flag_reason != reason
            )
        return await self._update_where(
            and_(DemoOrder.id.in_(keys), differs), flagged=True, flag_reason=reason, updated_at=now
        )

    async def clear_flags(self, order_ids: Sequence[str], now: datetime) -> list[str]:
        keys = _order_keys(order_ids)
        if not keys:
            return []
        return await self._update_where(
            and_(DemoOrder.id.in_(keys), DemoOrder.flagged.is_(True)),
            flagged=False,
            flag_reason=None,
            updated_at=now,
        )

    async def _update_where(self, condition: ColumnElement[bool], **values: Any) -> list[str]:
        """Set `values` on the orders matching `condition`; the ids changed, sorted, as strings."""
        async with self._session() as session:
            changed = list((await session.scalars(select(DemoOrder.id).where(condition))).all())
            if changed:
                await session.execute(update(DemoOrder).where(DemoOrder.id.in_(changed)).values(**values))
            await session.commit()
        return [str(order_id) for order_id in sorted(changed)]

    async def add_note(self, order_id: str, text: str, author_tg_id: int | None, now: datetime) -> int:
        keys = _order_keys([order_id])
        async with self._session() as session:
            exists = keys and await session.scalar(select(DemoOrder.id).where(DemoOrder.id == keys[0]))
            if not exists:
                raise LookupError(f"order {order_id} not found")
            note = DemoOrderNote(order_id=keys[0], text=text, author_tg_id=author_tg_id, created_at=now)
            session.add(note)
            await session.commit()
            return note.id
