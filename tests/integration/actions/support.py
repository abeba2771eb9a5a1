"""Test support for the ACTION pipeline: a few demo orders, a fake messenger, a manual clock, DB counts.

Shared by the integration, e2e and subprocess-worker tests; nothing here talks to a network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.actions.ports import DeliveryError
from ownerbot.storage.action_models import ActionConfirmToken, ActionExecution
from ownerbot.storage.demo_models import DemoCustomer, DemoOrder, DemoOrderNote

FIRST_ORDER_ID = 1001
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


async def seed_orders(
    session_factory: async_sessionmaker[AsyncSession],
    count: int = 3,
    *,
    now: datetime = T0,
    status: str = "awaiting_payment",
    first_id: int = FIRST_ORDER_ID,
) -> list[str]:
    """Insert one customer and `count` unflagged orders (ids from `first_id`), created 1..count hours ago."""
    async with session_factory() as session:
        if await session.get(DemoCustomer, 1) is None:
            session.add(DemoCustomer(id=1, tg_user_id=900001, name="Анна", phone="+49 151 2345678"))
            await session.flush()
        for n in range(count):
            created = now - timedelta(hours=n + 1)
            session.add(
                DemoOrder(
                    id=first_id + n,
                    customer_id=1,
                    created_at=created,
                    status=status,
                    payment_plan="full",
                    payment_stage="pending",
                    payment_method="card",
                    currency="EUR",
                    total=Decimal("120.00"),
                    amount_paid=Decimal("0.00"),
                    upfront_due=Decimal("120.00"),
                    due_now=Decimal("120.00"),
                    remaining_due=Decimal("120.00"),
                    stage_changed_at=created,
                    flagged=False,
                    updated_at=created,
                )
            )
        await session.commit()
    return [str(first_id + n) for n in range(count)]


async def flag_rows(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, tuple[bool, str | None]]:
    """Every demo order's (flagged, reason), by id."""
    async with session_factory() as session:
        rows = (await session.execute(select(DemoOrder.id, DemoOrder.flagged, DemoOrder.flag_reason))).all()
    return {str(i): (flagged, reason) for i, flagged, reason in rows}


async def note_count(session_factory: async_sessionmaker[AsyncSession], order_id: str | None = None) -> int:
    query = select(func.count()).select_from(DemoOrderNote)
    if order_id is not None:
        query = query.where(DemoOrderNote.order_id == int(order_id))
    async with session_factory() as session:
        return int(await session.scalar(query) or 0)


async def execution_statuses(session_factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with session_factory() as session:
        return list(
            (await session.scalars(select(ActionExecution.status).order_by(ActionExecution.id))).all()
        )


async def token_row(session_factory: async_sessionmaker[AsyncSession], token_id: str) -> ActionConfirmToken:
    async with session_factory() as session:
        row = await session.get(ActionConfirmToken, token_id)
        assert row is not None, token_id
        return row


async def snapshot(
    session_factory: async_sessionmaker[AsyncSession], tables: Iterable[Any]
) -> dict[str, Any]:
    """Every row of `tables` as tuples: compare before/after to prove an operation changed nothing."""
    out: dict[str, Any] = {}
    async with session_factory() as session:
        for table in tables:
            rows = (await session.execute(select(table))).all()
            out[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


@dataclass
class FakeMessenger:
    """Records messages; chats in `failing` raise `DeliveryError` with the mapped code."""

    sent: list[tuple[int, str, bool, bool]] = field(default_factory=list)
    failing: dict[int, str] = field(default_factory=dict)

    async def send_text(self, chat_id: int, text: str, *, silent: bool = False, html: bool = False) -> None:
        if chat_id in self.failing:
            raise DeliveryError(self.failing[chat_id])
        self.sent.append((chat_id, text, silent, html))


@dataclass
class ManualClock:
    """A clock tests move by hand (confirm-token expiry, stale claims) instead of waiting."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
