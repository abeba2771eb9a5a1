"""Reference answers computed in plain Python over raw demo rows, independently of the readers' SQL.

Rows are loaded whole with SQLAlchemy and every figure is recomputed here with loops and the rule
as the spec words it (TOOLS.md, docs in `upstream/ops.py`), so a wrong predicate, bound or join in the
reader disagrees with this module.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.demo_models import (
    DemoAccessEvent,
    DemoCategory,
    DemoChatThread,
    DemoCustomer,
    DemoLook,
    DemoMeta,
    DemoNudge,
    DemoOrder,
    DemoOrderItem,
    DemoOrderNote,
    DemoPayment,
    DemoProduct,
    DemoVariant,
)

CENT = Decimal("0.01")


@dataclass
class Raw:
    """Every demo row an ops answer depends on, detached from the session."""

    orders: list[DemoOrder]
    customers: dict[int, DemoCustomer]
    payments: list[DemoPayment]
    items: list[DemoOrderItem]
    products: dict[int, DemoProduct]
    categories: dict[int, DemoCategory]
    variants: dict[int, DemoVariant]
    looks: dict[int, DemoLook]
    notes: list[DemoOrderNote]
    threads: list[DemoChatThread]
    access: list[DemoAccessEvent]
    nudges: list[DemoNudge]
    meta: dict[str, Any]

    def order(self, order_id: int) -> DemoOrder:
        return next(o for o in self.orders if o.id == order_id)


async def load_raw(session_factory: async_sessionmaker[AsyncSession]) -> Raw:
    async with session_factory() as session:

        async def rows(model: Any) -> list[Any]:
            return list((await session.scalars(select(model))).all())

        return Raw(
            orders=await rows(DemoOrder),
            customers={c.id: c for c in await rows(DemoCustomer)},
            payments=await rows(DemoPayment),
            items=await rows(DemoOrderItem),
            products={p.id: p for p in await rows(DemoProduct)},
            categories={c.id: c for c in await rows(DemoCategory)},
            variants={v.id: v for v in await rows(DemoVariant)},
            looks={lk.id: lk for lk in await rows(DemoLook)},
            notes=await rows(DemoOrderNote),
            threads=await rows(DemoChatThread),
            access=await rows(DemoAccessEvent),
            nudges=await rows(DemoNudge),
            meta={m.key: m.value for m in await rows(DemoMeta)},
        )


def pct(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def day_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight before `first` and after `last` (computed here, not by DayWindow)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


# -- orders ----------------------------------------------------------------------------------------


def problems(raw: Raw, now: datetime) -> dict[int, set[str]]:
    """Order id → the presets it matches, by the rules of TOOLS.md."""
    failed: set[int] = set()
    pending_since: dict[int, datetime] = {}
    for p in raw.payments:
        if p.status == "failed":
            failed.add(p.order_id)
        elif p.status == "pending":
            first = pending_since.get(p.order_id)
            pending_since[p.order_id] = p.created_at if first is None else min(first, p.created_at)
    found: dict[int, set[str]] = {}
    for o in raw.orders:
        hits = set()
        unpaid = o.status in ("new", "awaiting_payment") and o.payment_stage == "pending"
        if o.status == "stuck" or (unpaid and now - o.created_at > timedelta(hours=6)):
            hits.add("stuck")
        if o.status == "paid" and o.shipped_at is None and o.ship_due_at is not None and o.ship_due_at < now:
            hits.add("late_ship")
        pending = pending_since.get(o.id)
        waiting = o.status in ("new", "awaiting_payment")
        if waiting and (o.id in failed or (pending is not None and now - pending > timedelta(hours=2))):
            hits.add("payment_issues")
        found[o.id] = hits
    return found


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def search(
    raw: Raw,
    now: datetime,
    *,
    q: str | None = None,
    status: str | None = None,
    preset: str | None = None,
    flagged: bool | None = None,
    since_hours: int | None = None,
) -> list[int]:
    """Matching order ids, newest first (created_at, then id, descending)."""
    matched = problems(raw, now)
    out = []
    for o in raw.orders:
        if status is not None and o.status != status:
            continue
        if flagged is not None and o.flagged != flagged:
            continue
        if since_hours is not None and o.created_at < now - timedelta(hours=since_hours):
            continue
        if preset is not None and preset not in matched[o.id]:
            continue
        if q is not None:
            needle = q.strip().lower().lstrip("#")
            customer = raw.customers[o.customer_id]
            phone_hit = bool(digits(needle)) and digits(needle) in digits(customer.phone)
            if not (needle in str(o.id).lower() or needle in str(customer.id) or phone_hit):
                continue
        out.append(o)
    out.sort(key=lambda o: (o.created_at, o.id), reverse=True)
    return [o.id for o in out]


# -- catalog ---------------------------------------------------------------------------------------


def inventory(raw: Raw, low_stock_lte: int) -> dict[str, list[int]]:
    sections: dict[str, list[int]] = defaultdict(list)
    for p in sorted(raw.products.values(), key=lambda p: p.id):
        if p.status == "ACTIVE" and p.stock <= 0:
            sections["out_of_stock"].append(p.id)
        if p.status == "ACTIVE" and 0 < p.stock <= low_stock_lte:
            sections["low_stock"].append(p.id)
        if p.status != "ARCHIVED":
            if not p.has_photo:
                sections["missing_photo"].append(p.id)
            if not p.has_video:
                sections["missing_video"].append(p.id)
            if p.price is None:
                sections["missing_price"].append(p.id)
        if p.status == "HIDDEN":
            sections["unpublished"].append(p.id)
    sections["low_stock"].sort(key=lambda pid: (raw.products[pid].stock, pid))
    return sections


# -- chats -----------------------------------------------------------------------------------------


def unanswered(raw: Raw, now: datetime, threshold_minutes: int = 0) -> list[DemoChatThread]:
    """Open threads whose customer wrote last, waiting >= threshold; most overdue first."""
    out = []
    for t in raw.threads:
        if t.status != "open":
            continue
        if t.last_manager_msg_at is not None and t.last_manager_msg_at >= t.last_customer_msg_at:
            continue
        waited = now - t.last_customer_msg_at
        if waited < timedelta(0) or waited < timedelta(minutes=threshold_minutes):
            continue
        out.append(t)
    out.sort(key=lambda t: (t.last_customer_msg_at, t.id))
    return out


# -- access ----------------------------------------------------------------------------------------


def access(raw: Raw, first: date, last: date, tz: str) -> dict[str, Any]:
    """Denials in the window and in the 14 days before, per target/action/reason; expiries; grants."""
    start, end = day_bounds(first, last, tz)
    base_start, base_end = day_bounds(first - timedelta(days=14), first - timedelta(days=1), tz)
    assert base_end == start
    now_c: dict[str, Counter[Any]] = {"target": Counter(), "action": Counter(), "reason": Counter()}
    base_c: dict[str, Counter[Any]] = {"target": Counter(), "action": Counter(), "reason": Counter()}
    expiries: Counter[tuple[str, int]] = Counter()
    grants = 0
    for e in raw.access:
        in_window = start <= e.occurred_at < end
        in_base = base_start <= e.occurred_at < base_end
        if e.event == "denied" and (in_window or in_base):
            bucket = now_c if in_window else base_c
            bucket["target"][(e.target_type, e.target_id)] += 1
            bucket["action"][e.action] += 1
            bucket["reason"][e.reason_code or "unknown"] += 1
        elif e.event == "expired" and in_window:
            expiries[(e.target_type, e.target_id)] += 1
        elif e.event == "granted" and in_window:
            grants += 1
    return {
        "now": now_c,
        "base": base_c,
        "expiries": expiries,
        "grants": grants,
        "days": (last - first).days + 1,
    }


def factor(denials: int, baseline: int, window_days: int) -> Decimal | None:
    if baseline == 0:
        return None
    value = (Decimal(denials) / window_days) / (Decimal(baseline) / 14)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def renewals(raw: Raw, first: date, last: date, tz: str) -> dict[str, Any]:
    start, end = day_bounds(first, last, tz)
    offers = completions = 0
    revenue = Decimal(0)
    for e in raw.access:
        if not start <= e.occurred_at < end:
            continue
        if e.event == "renew_offered":
            offers += 1
        elif e.event == "renew_completed":
            completions += 1
            revenue += e.amount or Decimal(0)
    return {"offers": offers, "completions": completions, "revenue": revenue}


# -- AutoNudge -------------------------------------------------------------------------------------


def nudges(raw: Raw, first: date, last: date, tz: str, now: datetime) -> dict[str, Any]:
    start, end = day_bounds(first, last, tz)
    counts: Counter[tuple[str, str]] = Counter()
    for n in raw.nudges:
        if start <= n.occurred_at < end:
            counts[(n.kind, n.status)] += 1
    digests = [n for n in raw.nudges if n.kind == "digest" and n.occurred_at <= now]
    last_digest = max(digests, key=lambda n: (n.occurred_at, n.id), default=None)
    recently_sent = {
        n.order_id
        for n in raw.nudges
        if n.status == "sent" and n.order_id is not None and now - timedelta(hours=72) <= n.occurred_at <= now
    }
    stuck = [
        o
        for o in raw.orders
        if o.payment_stage in ("deposit_due", "balance_due")
        and o.due_now > 0
        and o.status in ("new", "awaiting_payment")
        and now - o.stage_changed_at > timedelta(hours=72)
        and o.id not in recently_sent
    ]
    stuck.sort(key=lambda o: (o.stage_changed_at, o.id))
    return {"counts": counts, "last_digest": last_digest, "stuck": stuck}


# -- payments --------------------------------------------------------------------------------------


def payment_failures(raw: Raw, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"attempts": 0, "failed": 0, "pending": 0})
    for p in raw.payments:
        if not since < p.created_at <= until:
            continue
        stats = out[p.method]
        stats["attempts"] += 1
        if p.status == "failed":
            stats["failed"] += 1
        if p.status == "pending":
            stats["pending"] += 1
    return dict(out)


def masked(phone: str) -> str:
    return "***" + re.sub(r"\D", "", phone)[-4:]
