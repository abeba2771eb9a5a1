"""The demo shop generator: deterministic, internally consistent, and its planted anomalies are real."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.domain.windows import local_day
from ownerbot.storage.demo_models import DemoOrder, DemoOrderNote
from ownerbot.storage.engine import create_engine_for_url
from ownerbot.storage.migrate import upgrade
from ownerbot.upstream.demo.bulk_load import DEMO_TABLES
from ownerbot.upstream.demo.generator import DEFER_CONSTRAINTS_FROM_ORDERS, reset_demo, seed_demo
from tests.conftest import SeededDemo
from tests.integration.demo.support import Rows, all_rows, anomaly, demo_meta, fingerprint, table_rows

SMALL_NOW = datetime(2026, 1, 15, 18, 30, tzinfo=UTC)
PLAN_STAGES = {
    "full": {"pending", "fully_paid"},
    "deposit": {"deposit_due", "balance_due", "fully_paid"},
    "preorder": {"pending", "preorder", "balance_due", "fully_paid"},
}
ORDER_STATUSES = {"new", "awaiting_payment", "paid", "shipped", "delivered", "cancelled"}
PG_DEMO_INDEXES = "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'demo%' AND indexname LIKE 'ix%'"
PG_DEMO_INDEX_DEFINITIONS = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'demo%' AND indexname LIKE 'ix%'"
)
PG_ORDERS_PAGES = "SELECT reltuples, relpages, relallvisible FROM pg_class WHERE relname = 'demo_orders'"
PG_DEMO_FOREIGN_KEYS = "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'fk_demo%'"
# Deadlines and validity ends may lie in the future; everything else is something that happened.
FUTURE_ALLOWED = {("demo_orders", "ship_due_at"), ("demo_coupons", "ends_at")}


async def _migrated_engine(url: str) -> AsyncEngine:
    await upgrade(url)
    return create_engine_for_url(url)


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(sqlite_url)
    yield engine
    await engine.dispose()


async def _seed_small(engine: AsyncEngine, seed: int) -> Rows:
    await seed_demo(engine, orders=300, seed=seed, now=SMALL_NOW, history_days=20)
    return await all_rows(engine)


async def test_same_seed_gives_the_same_shop_and_another_seed_another(sqlite_engine: AsyncEngine) -> None:
    first = await _seed_small(sqlite_engine, seed=3)
    again = await _seed_small(sqlite_engine, seed=3)  # also proves seeding replaces the old rows
    other = await _seed_small(sqlite_engine, seed=4)
    assert len(first["demo_orders"]) == 300
    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(other)


async def test_postgresql_and_sqlite_store_the_same_shop(pg_url: str, sqlite_engine: AsyncEngine) -> None:
    pg_engine = await _migrated_engine(pg_url)
    try:
        on_pg = await _seed_small(pg_engine, seed=5)
    finally:
        await pg_engine.dispose()
    on_sqlite = await _seed_small(sqlite_engine, seed=5)
    for table in DEMO_TABLES:
        assert fingerprint({table.name: on_pg[table.name]}) == fingerprint(
            {table.name: on_sqlite[table.name]}
        )


async def test_report_counts_match_the_tables(sqlite_engine: AsyncEngine) -> None:
    report = await seed_demo(sqlite_engine, orders=250, seed=1, now=SMALL_NOW, history_days=15)
    rows = await all_rows(sqlite_engine)
    assert report.counts == {name: len(table_rows) for name, table_rows in rows.items()}
    assert report.seconds > 0
    meta = await demo_meta(sqlite_engine)
    assert meta["counts"] == report.counts
    assert meta["seed"] == 1
    assert meta["anchor"] == SMALL_NOW.isoformat()
    assert meta["anchor_day"] == "2026-01-15"


@pytest.mark.parametrize("orders", [1, 2, 41])
async def test_tiny_shops_still_have_today_and_yesterday(sqlite_engine: AsyncEngine, orders: int) -> None:
    await seed_demo(sqlite_engine, orders=orders, seed=2, now=SMALL_NOW, history_days=30)
    days = Counter(
        local_day(o["created_at"], "Europe/Berlin") for o in await table_rows(sqlite_engine, "demo_orders")
    )
    assert sum(days.values()) == orders
    today = local_day(SMALL_NOW, "Europe/Berlin")
    assert days[today] >= 1
    if orders >= 2:
        assert days[today - timedelta(days=1)] >= 1


@pytest.mark.parametrize("bad", [{"orders": 0}, {"history_days": 0}, {"now": datetime(2026, 1, 1)}])
async def test_invalid_arguments_are_refused(sqlite_engine: AsyncEngine, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        await seed_demo(sqlite_engine, **{"now": SMALL_NOW, **bad})


def _payments_by_order(rows: Rows) -> dict[int, list[dict[str, Any]]]:
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for payment in rows["demo_payments"]:
        by_order[payment["order_id"]].append(payment)
    return by_order


def _check_payment(p: dict[str, Any]) -> None:
    assert p["status"] in {"pending", "confirmed", "failed", "refunded"}
    assert p["kind"] in {"full", "deposit", "balance"}
    assert p["amount"] > 0
    assert (p["confirmed_at"] is not None) == (p["status"] in {"confirmed", "refunded"})
    assert (p["failure_reason"] is not None) == (p["status"] == "failed")
    assert (p["refunded_at"] is not None) == (p["status"] == "refunded")
    if p["confirmed_at"] is not None:
        assert p["confirmed_at"] >= p["created_at"]
    if p["status"] == "refunded":
        assert p["refunded_at"] >= p["confirmed_at"]
        assert 0 < p["refund_amount"] <= p["amount"]


def _check_order(
    order: dict[str, Any], payments: list[dict[str, Any]], items: list[dict[str, Any]], courses: set[int]
) -> None:
    plan, stage, status = order["payment_plan"], order["payment_stage"], order["status"]
    assert stage in PLAN_STAGES[plan]
    assert status in ORDER_STATUSES
    received = [p for p in payments if p["confirmed_at"] is not None]
    assert sum((p["amount"] for p in received), Decimal(0)) == order["amount_paid"]
    assert sum((i["line_total"] for i in items), Decimal(0)) == order["total"]
    assert order["created_at"] <= order["stage_changed_at"] <= order["updated_at"]
    if stage == "fully_paid":
        assert order["amount_paid"] == order["total"]
        assert order["paid_at"] == max(p["confirmed_at"] for p in received)
        assert order["paid_at"] == order["stage_changed_at"]
    else:
        assert order["paid_at"] is None
        assert order["amount_paid"] < order["total"]
        assert status in {"new", "awaiting_payment", "cancelled"}
    if stage in ("deposit_due", "pending"):
        assert order["amount_paid"] == 0
    if stage == "preorder" or (stage == "balance_due" and plan == "deposit"):
        assert order["amount_paid"] == order["upfront_due"]
    if status == "cancelled":
        assert order["due_now"] == order["remaining_due"] == 0
    else:
        assert order["remaining_due"] == order["total"] - order["amount_paid"]
        expected_due = {
            "pending": order["upfront_due"],
            "deposit_due": order["upfront_due"],
            "balance_due": order["total"] - order["amount_paid"],
        }.get(stage, Decimal(0))
        assert order["due_now"] == expected_due
    if plan == "full":
        assert order["upfront_due"] == order["total"]
    if status == "new":
        assert not payments
    assert items
    digital = {i["product_id"] for i in items} <= courses
    if digital or stage != "fully_paid":
        assert order["ship_due_at"] is None
        assert order["shipped_at"] is None
    else:
        assert order["ship_due_at"] == order["paid_at"] + timedelta(hours=48)
    if status in ("shipped", "paid"):
        assert (order["shipped_at"] is None) == (status == "paid")
    if status == "delivered" and not digital:
        assert order["shipped_at"] is not None


async def test_orders_agree_with_their_payments_and_items(seeded_demo: SeededDemo) -> None:
    rows = await all_rows(seeded_demo.engine)
    payments = _payments_by_order(rows)
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in rows["demo_order_items"]:
        items[item["order_id"]].append(item)
    for payment in rows["demo_payments"]:
        _check_payment(payment)
    courses = {p["id"] for p in rows["demo_products"] if p["kind"] == "course"}
    for order in rows["demo_orders"]:
        _check_order(order, payments[order["id"]], items[order["id"]], courses)
    combos = {(o["payment_plan"], o["payment_stage"]) for o in rows["demo_orders"]}
    # The shop shows every plan in several stages, and money really moved back (refunds) and failed.
    assert {("full", "fully_paid"), ("deposit", "balance_due"), ("preorder", "preorder")} <= combos
    statuses = Counter(p["status"] for p in rows["demo_payments"])
    assert statuses["refunded"] > 0
    assert statuses["failed"] > 0
    assert {o["status"] for o in rows["demo_orders"]} >= {
        "awaiting_payment",
        "paid",
        "delivered",
        "cancelled",
    }


async def test_catalog_and_coupons_are_consistent(seeded_demo: SeededDemo) -> None:
    rows = await all_rows(seeded_demo.engine)
    stock_by_product: Counter[int] = Counter()
    for variant in rows["demo_variants"]:
        stock_by_product[variant["product_id"]] += variant["stock"]
    products = rows["demo_products"]
    assert 100 <= len(products) <= 140
    assert len(rows["demo_categories"]) >= 8
    for product in products:
        assert product["stock"] == stock_by_product[product["id"]]
        assert product["status"] in {"ACTIVE", "HIDDEN", "ARCHIVED"}
        if product["compare_at_price"] is not None:
            assert product["price"] < product["compare_at_price"]
    assert any(p["kind"] == "course" for p in products)
    assert any(p["price"] is None for p in products)
    assert any(0 < p["stock"] <= 5 for p in products)
    assert not all(p["has_photo"] for p in products)
    orders = {o["id"]: o for o in rows["demo_orders"]}
    items_total: Counter[int] = Counter()
    for item in rows["demo_order_items"]:
        items_total[item["order_id"]] += item["qty"] * item["unit_price"]
    coupons = {c["id"]: c for c in rows["demo_coupons"]}
    assert rows["demo_coupon_uses"]
    for use in rows["demo_coupon_uses"]:
        order = orders[use["order_id"]]
        assert order["coupon_code"] == coupons[use["coupon_id"]]["code"]
        assert use["order_total"] == order["total"]
        assert use["discount_amount"] == items_total[order["id"]] - order["total"]
        assert use["used_at"] == order["created_at"]
    assert sum(o["coupon_code"] is not None for o in orders.values()) == len(rows["demo_coupon_uses"])


async def test_nothing_happens_after_now_and_today_has_orders(seeded_demo: SeededDemo) -> None:
    rows = await all_rows(seeded_demo.engine)
    now = seeded_demo.now
    future = []
    for table in DEMO_TABLES:
        for column in table.columns:
            if (table.name, column.name) in FUTURE_ALLOWED:
                continue
            for row in rows[table.name]:
                value = row[column.name]
                if isinstance(value, datetime) and value > now:
                    future.append((table.name, column.name, row))
    assert future == []
    days = Counter(local_day(o["created_at"], seeded_demo.tz) for o in rows["demo_orders"])
    today = local_day(now, seeded_demo.tz)
    assert days[today] > 0
    assert days[today - timedelta(days=1)] > 0
    assert sum(days.values()) == 1_500
    assert len(days) == 60  # every day of the history has orders
    # Weekends are busier than weekdays over the history.
    weekend = [n for d, n in days.items() if d.weekday() >= 5 and d != today]
    weekday = [n for d, n in days.items() if d.weekday() < 5 and d != today]
    assert sum(weekend) / len(weekend) > sum(weekday) / len(weekday)


async def test_payment_method_failure_spike_is_real(seeded_demo: SeededDemo) -> None:
    meta = await demo_meta(seeded_demo.engine)
    planted = anomaly(meta, "payment_method_failing")
    now = seeded_demo.now
    window = timedelta(hours=planted["window_hours"])
    baseline = timedelta(days=planted["baseline_days"])
    counts: Counter[str] = Counter()
    for p in await table_rows(seeded_demo.engine, "demo_payments"):
        if p["method"] != planted["method"]:
            continue
        age = now - p["created_at"]
        period = "recent" if age < window else ("baseline" if age < window + baseline else None)
        if period:
            counts[f"{period}_attempts"] += 1
            counts[f"{period}_failed"] += p["status"] == "failed"
    for key in ("recent_attempts", "recent_failed", "baseline_attempts", "baseline_failed"):
        assert planted[key] == counts[key], key
    recent_rate = counts["recent_failed"] / counts["recent_attempts"]
    baseline_rate = counts["baseline_failed"] / counts["baseline_attempts"]
    assert recent_rate >= 0.5
    assert baseline_rate <= 0.15
    assert planted["recent_fail_rate"] == round(recent_rate, 4)


async def test_access_denial_spike_is_real(seeded_demo: SeededDemo) -> None:
    meta = await demo_meta(seeded_demo.engine)
    planted = anomaly(meta, "access_denial_spike")
    per_day: Counter[Any] = Counter()
    for event in await table_rows(seeded_demo.engine, "demo_access_events"):
        if (event["event"], event["target_type"], event["target_id"]) == (
            "denied",
            "look",
            planted["target_id"],
        ):
            per_day[local_day(event["occurred_at"], seeded_demo.tz)] += 1
    today = local_day(seeded_demo.now, seeded_demo.tz)
    yesterday = today - timedelta(days=1)
    window = [yesterday - timedelta(days=i) for i in range(1, 15)]
    baseline = sum(per_day[d] for d in window) / len(window)
    assert baseline > 0
    assert per_day[today] == planted["today"]
    assert per_day[yesterday] == planted["yesterday"]
    assert planted["baseline_per_day"] == round(baseline, 4)
    assert per_day[today] >= 5 * baseline
    assert per_day[yesterday] >= 5 * baseline
    # Before yesterday the target sat at its usual level: the spike is new.
    assert max(per_day[d] for d in window) < 5 * baseline


async def test_stuck_deposits_are_real(seeded_demo: SeededDemo) -> None:
    meta = await demo_meta(seeded_demo.engine)
    planted = anomaly(meta, "stuck_deposits")
    nudged = {n["order_id"] for n in await table_rows(seeded_demo.engine, "demo_nudges")}
    limit = seeded_demo.now - timedelta(hours=planted["min_hours_in_stage"])
    stuck = [
        o["id"]
        for o in await table_rows(seeded_demo.engine, "demo_orders")
        if o["payment_plan"] == "deposit"
        and o["status"] != "cancelled"
        and o["payment_stage"] in ("deposit_due", "balance_due")
        and o["stage_changed_at"] < limit
        and o["id"] not in nudged
    ]
    assert stuck
    assert stuck == planted["order_ids"]
    assert planted["count"] == len(stuck)
    assert 0 < planted["share"] <= 0.05


async def test_natural_problems_are_present_and_counted(seeded_demo: SeededDemo) -> None:
    meta = await demo_meta(seeded_demo.engine)
    now = seeded_demo.now
    rows = await all_rows(seeded_demo.engine)
    late = [
        o
        for o in rows["demo_orders"]
        if o["status"] == "paid" and o["shipped_at"] is None and o["ship_due_at"] < now
    ]
    assert late
    assert anomaly(meta, "late_shipping")["count"] == len(late)
    threshold = timedelta(hours=6)
    waiting = [
        t["id"]
        for t in rows["demo_chat_threads"]
        if t["status"] == "open"
        and (t["last_manager_msg_at"] is None or t["last_manager_msg_at"] < t["last_customer_msg_at"])
        and t["last_customer_msg_at"] <= now - threshold
    ]
    assert waiting
    assert anomaly(meta, "unanswered_chats")["thread_ids"] == waiting
    assert all(
        now - t["last_customer_msg_at"] <= timedelta(hours=30)
        for t in rows["demo_chat_threads"]
        if t["id"] in waiting
    )
    empty = [p["id"] for p in rows["demo_products"] if p["kind"] == "product" and p["stock"] == 0]
    assert empty
    assert anomaly(meta, "out_of_stock")["product_ids"] == empty


async def test_nudges_reach_orders_waiting_for_money(seeded_demo: SeededDemo) -> None:
    rows = await all_rows(seeded_demo.engine)
    sent = {n["order_id"] for n in rows["demo_nudges"] if n["status"] == "sent" and n["kind"] == "order"}
    stuck = set(anomaly(await demo_meta(seeded_demo.engine), "stuck_deposits")["order_ids"])
    day_ago = seeded_demo.now - timedelta(hours=25)
    waiting = [
        o["id"]
        for o in rows["demo_orders"]
        if o["status"] != "cancelled"
        and o["payment_stage"] == "balance_due"
        and o["stage_changed_at"] < day_ago
    ]
    assert waiting
    assert [i for i in waiting if i not in sent and i not in stuck] == []
    kinds = Counter((n["kind"], n["status"]) for n in rows["demo_nudges"])
    assert kinds[("digest", "sent")] > 0
    assert kinds[("order", "failed")] + kinds[("order", "skipped")] > 0


async def test_sequences_continue_after_the_seed(seeded_demo: SeededDemo) -> None:
    async with seeded_demo.session_factory() as session:
        last_id = await session.scalar(select(func.max(DemoOrderNote.id)))
        order_id = await session.scalar(select(func.min(DemoOrder.id)))
        assert order_id is not None
        note = DemoOrderNote(order_id=order_id, text="позвонить", author_tg_id=1, created_at=seeded_demo.now)
        session.add(note)
        await session.commit()
        assert note.id == (last_id or 0) + 1


async def test_reset_empties_every_demo_table(seeded_demo: SeededDemo) -> None:
    assert (await all_rows(seeded_demo.engine))["demo_orders"]
    await reset_demo(seeded_demo.engine)
    assert {name: len(rows) for name, rows in (await all_rows(seeded_demo.engine)).items()} == {
        table.name: 0 for table in DEMO_TABLES
    }


async def test_large_postgresql_load_keeps_indexes_and_foreign_keys(pg_url: str) -> None:
    engine = await _migrated_engine(pg_url)
    try:
        async with engine.connect() as connection:
            migrated = {r[0]: r[1] for r in await connection.execute(text(PG_DEMO_INDEX_DEFINITIONS))}
        report = await seed_demo(
            engine, orders=DEFER_CONSTRAINTS_FROM_ORDERS, seed=9, now=SMALL_NOW, history_days=8
        )
        assert report.counts["demo_orders"] == DEFER_CONSTRAINTS_FROM_ORDERS
        async with engine.connect() as connection:
            indexes = set((await connection.execute(text(PG_DEMO_INDEXES))).scalars())
            rebuilt = {r[0]: r[1] for r in await connection.execute(text(PG_DEMO_INDEX_DEFINITIONS))}
            foreign_keys = set((await connection.execute(text(PG_DEMO_FOREIGN_KEYS))).scalars())
            analyzed, pages, all_visible = (await connection.execute(text(PG_ORDERS_PAGES))).one()
        expected_indexes = {i.name for t in DEMO_TABLES for i in t.indexes}
        expected_fks = {fk.name for t in DEMO_TABLES for fk in t.foreign_key_constraints}
        assert expected_indexes and indexes == expected_indexes
        # Partial and covering indexes come back exactly as the migration made them.
        assert rebuilt == migrated
        assert "INCLUDE" in rebuilt["ix_demo_orders_open"] and "WHERE" in rebuilt["ix_demo_orders_open"]
        assert expected_fks and foreign_keys == expected_fks
        assert analyzed == DEFER_CONSTRAINTS_FROM_ORDERS
        # COPY FREEZE: every page is all-visible at once, so index-only scans skip the table.
        assert pages > 0 and all_visible == pages
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(
                    insert(DemoOrderNote).values(order_id=10**9, text="x", created_at=SMALL_NOW)
                )
    finally:
        await engine.dispose()
