"""Customer engagement around the demo orders: content access events, support chats, digest nudges.

Everything lands in the shared `RowSink`. Two planted facts live here: a spike of access denials for one
course programme yesterday and today (at least 5x its baseline), and a handful of support threads left
unanswered for 1-30 hours.
"""

from __future__ import annotations

import math
from random import Random
from typing import Any

from ownerbot.upstream.demo.bulk_load import RowSink
from ownerbot.upstream.demo.catalog_gen import Catalog
from ownerbot.upstream.demo.timegrid import DAY, HOUR, MINUTE, TimeGrid

ACCESS_DAYS = 30  # a course purchase opens content for 30 days
RENEW_OFFER_BEFORE = 5 * DAY
RENEW_SHARE = 0.35
RENEW_PRICE_PERCENT = 40
DENIALS_PER_ORDER = 0.05
DENIAL_REASONS = ("no_active_access", "no_active_access", "payment_overdue", "expired")
SPIKE_BASELINE_DAYS = 14  # the 14 days before yesterday
SPIKE_FACTOR = 8  # 8x, so the spike stays above 5x even when a baseline window includes yesterday
SPIKE_REASON = "payment_overdue"
SPIKE_ACTION = "content"
CHATS_PER_ORDER = 0.07
MANAGERS = ("Анна", "Мария", "Олег", None)
UNANSWERED_MIN_HOURS = 1
UNANSWERED_MAX_HOURS = 30
DIGEST_HOUR = 9


class Engagement:
    """Access events, chat threads and digest nudges for each generated day."""

    def __init__(self, rng: Random, grid: TimeGrid, catalog: Catalog, sink: RowSink, orders: int) -> None:
        self._rng = rng
        self._grid = grid
        self._sink = sink
        self._customers = catalog.customer_count
        courses = [p.id for p in catalog.products.values() if p.kind == "course"]
        self._targets: list[tuple[str, int, str]] = (
            [("product", pid, "content") for pid in courses]
            + [("look", lid, "content") for lid in catalog.course_looks[1:]]
            + [("look", lid, "view") for lid in catalog.outfit_looks]
        )
        self.spike_target = catalog.course_looks[0]
        per_day = orders / len(grid.days)
        self._spike_base = max(2, round(per_day * 0.004))
        self._spike_counts: dict[int, int] = {}
        self.spike: dict[str, Any] = {}
        self.planted_threads: list[int] = []

    def _customer(self) -> int:
        return 1 + int(self._rng.random() * self._customers)

    def _access(
        self,
        at: int,
        customer: int,
        event: str,
        target: tuple[str, int, str],
        *,
        reason: str | None = None,
        amount: int | None = None,
    ) -> None:
        target_type, target_id, action = target
        self._sink.table("demo_access_events").append(
            (
                self._sink.next_id("demo_access_events"),
                at,
                customer,
                event,
                target_type,
                target_id,
                action,
                reason,
                amount,
            )
        )

    def course_access(self, customer: int, product_id: int, paid_at: int, price: int) -> None:
        """Grant, then renewal offer, renewal or expiry of a bought course (only what happened by now)."""
        now = self._grid.now
        rnd = self._rng.random
        target = ("product", product_id, "content")
        self._access(paid_at, customer, "granted", target)
        expires = paid_at + ACCESS_DAYS * DAY
        offer = expires - RENEW_OFFER_BEFORE
        renewal = (price * RENEW_PRICE_PERCENT + 50) // 100
        renewed = False
        if offer <= now:
            self._access(offer, customer, "renew_offered", target, amount=renewal)
            if rnd() < RENEW_SHARE:
                done = offer + int(rnd() * RENEW_OFFER_BEFORE)
                if done <= now:
                    self._access(done, customer, "renew_completed", target, amount=renewal)
                    renewed = True
        if not renewed and expires <= now:
            self._access(expires, customer, "expired", target)

    def day(self, index: int, orders_today: int) -> None:
        """Denials, the spike target's denials, new chat threads and the daily digest of day `index`."""
        grid = self._grid
        rng = self._rng
        start, end = grid.starts[index], grid.day_end(index)
        span = end - start + 1
        for _ in range(round(orders_today * DENIALS_PER_ORDER + rng.random())):
            target = self._targets[int(rng.random() * len(self._targets))]
            at = start + int(rng.random() * span)
            self._access(at, self._customer(), "denied", target, reason=rng.choice(DENIAL_REASONS))
        self._spike_day(index, start, span)
        self._chats(index, orders_today, start, span)
        digest_at = grid.hour_starts[index][DIGEST_HOUR]
        if digest_at <= grid.now:
            roll = rng.random()
            status, reason = ("sent", None)
            if roll > 0.96:
                status, reason = ("failed", "telegram_timeout")
            elif roll > 0.92:
                status, reason = ("skipped", "nothing_due")
            self._sink.table("demo_nudges").append(
                (self._sink.next_id("demo_nudges"), None, "digest", status, reason, digest_at)
            )

    def _spike_day(self, index: int, start: int, span: int) -> None:
        today = self._grid.today_index
        target = ("look", self.spike_target, SPIKE_ACTION)
        if index < today - 1:
            count = max(1, self._spike_base + self._rng.choice((-1, 0, 0, 1)))
            reasons = [self._rng.choice(DENIAL_REASONS) for _ in range(count)]
        else:
            window = range(max(0, today - 1 - SPIKE_BASELINE_DAYS), today - 1)
            baseline = sum(self._spike_counts.get(i, 0) for i in window) / max(1, len(window))
            count = math.ceil(SPIKE_FACTOR * max(baseline, 1.0))
            reasons = [SPIKE_REASON] * count
            self.spike = {
                "baseline_days": len(window),
                "baseline_per_day": round(baseline, 4),
            }
        self._spike_counts[index] = count
        for reason in reasons:
            self._access(
                start + int(self._rng.random() * span), self._customer(), "denied", target, reason=reason
            )

    def spike_summary(self) -> dict[str, Any]:
        """The planted denial spike, as stored in demo_meta."""
        today = self._grid.today_index
        baseline = self.spike.get("baseline_per_day", 0.0)
        yesterday, now_count = self._spike_counts.get(today - 1, 0), self._spike_counts.get(today, 0)
        return {
            "kind": "access_denial_spike",
            "target_type": "look",
            "target_id": self.spike_target,
            "action": SPIKE_ACTION,
            "reason_code": SPIKE_REASON,
            "baseline_days": self.spike.get("baseline_days", 0),
            "baseline_per_day": baseline,
            "yesterday": yesterday,
            "today": now_count,
            "ratio_yesterday": round(yesterday / baseline, 2) if baseline else None,
            "ratio_today": round(now_count / baseline, 2) if baseline else None,
        }

    def _chats(self, index: int, orders_today: int, start: int, span: int) -> None:
        rng = self._rng
        now = self._grid.now
        threads = self._sink.table("demo_chat_threads")
        max_order = self._sink.next_ids.get("demo_orders", 1) - 1
        for _ in range(max(1, round(orders_today * CHATS_PER_ORDER))):
            opened = start + int(rng.random() * span)
            last_customer = min(now, opened + int(rng.random() * 2 * HOUR))
            # Managers answer within minutes to a few hours; a reply still in the future is no reply.
            reply = last_customer + 5 * MINUTE + int(rng.random() ** 2 * 3 * HOUR)
            answered = reply <= now
            last_manager = reply if answered else None
            recent = now - max(last_customer, reply if answered else 0) < 2 * DAY
            status = "open" if (not answered or recent) else "closed"
            order_id = 1 + int(rng.random() * max_order) if max_order and rng.random() < 0.6 else None
            threads.append(
                (
                    self._sink.next_id("demo_chat_threads"),
                    self._customer(),
                    order_id,
                    rng.choice(MANAGERS),
                    opened,
                    last_customer,
                    last_manager,
                    status,
                )
            )

    def plant_unanswered(self, count: int) -> None:
        """Open threads whose customer has waited 1-30 h for a reply (the natural ones wait < 4 h)."""
        rng = self._rng
        now = self._grid.now
        max_order = self._sink.next_ids.get("demo_orders", 1) - 1
        span = (UNANSWERED_MAX_HOURS - UNANSWERED_MIN_HOURS) * HOUR
        for _ in range(count):
            last_customer = now - UNANSWERED_MIN_HOURS * HOUR - int(rng.random() * span)
            opened = last_customer - int(rng.random() * HOUR)
            thread_id = self._sink.next_id("demo_chat_threads")
            order_id = 1 + int(rng.random() * max_order) if max_order else None
            row = (
                thread_id,
                self._customer(),
                order_id,
                rng.choice(MANAGERS),
                opened,
                last_customer,
                None,
                "open",
            )
            self._sink.table("demo_chat_threads").append(row)
            self.planted_threads.append(thread_id)
