"""Demo rollups: the generator's numbers, `rebuild_rollups` and an independent computation agree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.domain.windows import local_day
from ownerbot.storage.demo_models import DemoCustomer, DemoDailySales, DemoOrder, DemoPayment
from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import upgrade
from ownerbot.upstream.demo.rollups import ROLLUP_TABLES, rebuild_rollups
from tests.conftest import SeededDemo
from tests.integration.demo.support import Rollups, all_rows, expected_rollups, stored_rollups

DST_SPRING = date(2026, 3, 29)  # 23 h in Europe/Berlin


async def test_generator_rollups_equal_an_independent_computation(seeded_demo: SeededDemo) -> None:
    stored = await stored_rollups(seeded_demo.engine)
    expected = expected_rollups(await all_rows(seeded_demo.engine), seeded_demo.tz)
    for name in Rollups._fields:
        assert getattr(stored, name) == getattr(expected, name), name
    assert stored.sales[DST_SPRING][2] > 0
    assert sum(row[1] for row in stored.sales.values()) > 0  # refunds are part of the history
    # Guards against vacuous equality: every group the readers distinguish is present.
    assert {key[3] for key in stored.funnel} == {True, False}
    assert {key[1] for key in stored.funnel} >= {"pending", "deposit_due", "balance_due", "fully_paid"}
    assert sum(row[1] for key, row in stored.funnel.items() if key[2] == "deposit") > 0
    assert {key[2] for key in stored.payments} >= {"confirmed", "failed", "refunded"}
    assert sum(row[1] for row in stored.payments.values()) > 0
    assert sum(row[1] for row in stored.product_payments.values()) > 0


async def _clear_rollups(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in ROLLUP_TABLES:
            await connection.execute(delete(table))


async def test_rebuilding_all_days_reproduces_the_generator(seeded_demo: SeededDemo) -> None:
    before = await stored_rollups(seeded_demo.engine)
    await _clear_rollups(seeded_demo.engine)
    await rebuild_rollups(seeded_demo.engine, seeded_demo.tz)
    assert await stored_rollups(seeded_demo.engine) == before


async def test_rebuilding_some_days_touches_only_those(seeded_demo: SeededDemo) -> None:
    before = await stored_rollups(seeded_demo.engine)
    today = local_day(seeded_demo.now, seeded_demo.tz)
    chosen = {DST_SPRING, today - timedelta(days=1), today, date(2020, 1, 1)}  # the last one has no data
    async with seeded_demo.engine.begin() as connection:
        await connection.execute(update(DemoDailySales).values(revenue_gross=Decimal("0.00")))
        for table in ROLLUP_TABLES:
            if table.name != DemoDailySales.__tablename__:
                await connection.execute(delete(table))
    await rebuild_rollups(seeded_demo.engine, seeded_demo.tz, chosen)
    after = await stored_rollups(seeded_demo.engine)
    assert set(after.sales) == set(before.sales)
    for day, values in after.sales.items():
        if day in chosen:
            assert values == before.sales[day]
        else:
            assert values[0] == 0  # untouched: still the value written above
    for name in ("products", "funnel", "payments", "product_payments"):
        kept = {key: value for key, value in getattr(before, name).items() if key[0] in chosen}
        assert kept, name
        assert getattr(after, name) == kept, name
    await rebuild_rollups(seeded_demo.engine, seeded_demo.tz, [])
    assert await stored_rollups(seeded_demo.engine) == after


async def test_rollups_follow_an_order_that_gets_paid(seeded_demo: SeededDemo) -> None:
    now = seeded_demo.now
    async with seeded_demo.session_factory() as session:
        order = await session.scalar(
            select(DemoOrder)
            .where(DemoOrder.payment_stage == "balance_due", DemoOrder.status == "awaiting_payment")
            .order_by(DemoOrder.id)
            .limit(1)
        )
        assert order is not None
        balance = order.total - order.amount_paid
        session.add(
            DemoPayment(
                order_id=order.id,
                kind="balance",
                method="card",
                status="confirmed",
                amount=balance,
                created_at=now - timedelta(minutes=5),
                confirmed_at=now - timedelta(minutes=4),
            )
        )
        order.amount_paid = order.total
        order.payment_stage = "fully_paid"
        order.paid_at = order.stage_changed_at = now - timedelta(minutes=4)
        order.due_now = order.remaining_due = Decimal("0.00")
        order.status = "paid"
        created_day = local_day(order.created_at, seeded_demo.tz)
        await session.commit()
    before = await stored_rollups(seeded_demo.engine)
    today = local_day(now, seeded_demo.tz)
    assert created_day != today  # the order's funnel row lives on another day than its payment
    # The days the change touched: the order's created day, and its paid and payment day (today).
    await rebuild_rollups(seeded_demo.engine, seeded_demo.tz, [created_day, today])
    after = await stored_rollups(seeded_demo.engine)
    assert after.sales[today][0] == before.sales[today][0] + balance
    assert after.sales[today][3] == before.sales[today][3] + 1
    assert (
        after.payments[(today, "card", "confirmed")][0]
        == before.payments.get((today, "card", "confirmed"), (0, 0, 0))[0] + 1
    )
    moved_to = (created_day, "fully_paid", order.payment_plan, False)
    assert after.funnel[moved_to][0] == before.funnel.get(moved_to, (0,))[0] + 1
    assert after == expected_rollups(await all_rows(seeded_demo.engine), seeded_demo.tz)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def empty_demo_engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(empty_url)
    engine = create_engine_for_url(empty_url)
    yield engine
    await engine.dispose()


# Instants around both 2026 Berlin DST switches (UTC): just before / at local midnight, in the gap hour,
# in the repeated hour, with and without microseconds.
BOUNDARY_INSTANTS = [
    datetime(2026, 3, 28, 22, 59, 59, 999_999, tzinfo=UTC),  # 03-28 23:59:59.999999 CET
    datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # 03-29 00:00 CET
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03-29 03:00 CEST, right after the gap
    datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC),  # 03-29 23:59:59 CEST
    datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # 03-30 00:00 CEST
    datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC),  # 10-24 23:59:59 CEST
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 10-25 02:30 CEST (first pass)
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 10-25 02:30 CET (second pass)
    datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC),  # 10-25 23:59:59 CET
    datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 10-26 00:00 CET
]


async def test_local_days_are_exact_across_dst_switches(empty_demo_engine: AsyncEngine) -> None:
    tz = "Europe/Berlin"
    async with empty_demo_engine.begin() as connection:
        await connection.execute(
            insert(DemoCustomer), [{"id": 1, "tg_user_id": 1, "name": "Анна", "phone": "+49"}]
        )
        await connection.execute(
            insert(DemoOrder),
            [
                {
                    "id": i + 1,
                    "customer_id": 1,
                    "created_at": at,
                    "status": "paid",
                    "payment_plan": "full",
                    "payment_stage": "fully_paid",
                    "payment_method": "card",
                    "currency": "EUR",
                    "total": Decimal(i + 1),
                    "amount_paid": Decimal(i + 1),
                    "upfront_due": Decimal(i + 1),
                    "due_now": Decimal(0),
                    "remaining_due": Decimal(0),
                    "paid_at": at,
                    "stage_changed_at": at,
                    "flagged": False,
                    "updated_at": at,
                }
                for i, at in enumerate(BOUNDARY_INSTANTS)
            ],
        )
    await rebuild_rollups(empty_demo_engine, tz)
    rollups = await stored_rollups(empty_demo_engine)
    sales = rollups.sales
    expected: dict[date, list[Decimal]] = {}
    for i, at in enumerate(BOUNDARY_INSTANTS):
        expected.setdefault(local_day(at, tz), []).append(Decimal(i + 1))
    assert {day: (row[2], row[4]) for day, row in sales.items()} == {
        day: (len(totals), sum(totals)) for day, totals in expected.items()
    }
    assert len(expected) == 6
    assert {key[0]: value[0] for key, value in rollups.funnel.items()} == {
        day: len(totals) for day, totals in expected.items()
    }
    await rebuild_rollups(empty_demo_engine, tz, [date(2026, 10, 25)])
    assert await stored_rollups(empty_demo_engine) == rollups
