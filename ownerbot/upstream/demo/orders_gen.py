"""Orders of the demo shop, one shop-local day at a time, with their items, coupon uses and notes, plus
the daily rollups accumulated on the way (no second pass over the rows). Payments, stages and reminders
are played out by `payments_gen`.

Each order's whole future is decided when it is created and cut at `now`: what would happen later has
not happened yet. Volume follows a slow upward trend, weekends and evenings (shop-local) are busier.

* Order total = sum of item `line_total` (coupon discount applied per line).
* Status: new (no payment attempt yet, < 2 h old) | awaiting_payment | paid (not shipped) | shipped |
  delivered (courses are delivered when paid) | cancelled (unpaid for 72 h, a balance abandoned for
  30 days, or a full refund). A cancelled order owes nothing: due_now = remaining_due = 0.
* `ship_due_at` = paid_at + 48 h for paid physical orders (~6 % ship late); courses have none.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from random import Random

from ownerbot.upstream.demo.bulk_load import RowSink
from ownerbot.upstream.demo.catalog_gen import Catalog
from ownerbot.upstream.demo.engagement_gen import Engagement
from ownerbot.upstream.demo.payments_gen import METHOD_CUM, METHODS, OrderState, PaymentPlans
from ownerbot.upstream.demo.rollup_tally import RollupTally
from ownerbot.upstream.demo.timegrid import DAY, HOUR, MINUTE, TimeGrid

# Local hour profile (evenings busiest) and weekday factors (Monday first; weekends busiest).
HOUR_PROFILE = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.55, 0.8, 0.95, 1.0, 1.1,
    1.25, 1.2, 1.05, 1.0, 1.05, 1.2, 1.5, 1.9, 2.2, 2.1, 1.6, 0.8,
)  # fmt: skip
WEEKDAY_FACTOR = (0.85, 0.9, 0.95, 1.0, 1.1, 1.3, 1.25)
TREND_FROM, TREND_TO = 0.8, 1.2  # slow growth over the history

COURSE_ORDER_SHARE = 0.12
SHIP_DUE_AFTER = 48 * HOUR
LATE_SHIP_SHARE = 0.06
COUPON_SHARE = 0.08
FLAG_SHARE = 0.004
FLAG_REASONS = (
    "Подозрение на мошенничество",
    "Клиент просил перезвонить",
    "Повторный заказ с другим адресом",
    "Проверить оплату вручную",
)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), summing to `total`."""
    mass = sum(weights)
    raw = [total * w / mass for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class OrderFlow:
    """Generates the orders of each day and keeps the rollups and planted-anomaly statistics."""

    def __init__(
        self,
        rng: Random,
        grid: TimeGrid,
        catalog: Catalog,
        sink: RowSink,
        engagement: Engagement,
        *,
        currency: str,
    ) -> None:
        self._rng = rng
        self._grid = grid
        self._catalog = catalog
        self._sink = sink
        self._engagement = engagement
        self._currency = currency
        self._now = grid.now
        n_days = len(grid.days)
        # Per day: revenue_gross, refunds, orders_created, orders_paid, paid_orders_value (cents / counts).
        self.daily: list[list[int]] = [[0, 0, 0, 0, 0] for _ in range(n_days)]
        # Per (day, product): qty, revenue, orders.
        self.product_daily: dict[tuple[int, int], list[int]] = {}
        self.payments = PaymentPlans(rng, grid, sink, self.daily)
        # The funnel and payment rollups.
        self.tally = RollupTally(grid)
        self.late_shipping = 0
        self._coupon_uses: dict[int, int] = {}

    # -- volume ------------------------------------------------------------------------------------

    def day_weights(self) -> list[float]:
        """Relative order volume per day: trend x weekday x noise x share of the day's hours available."""
        grid = self._grid
        n = len(grid.days)
        weights = []
        for index, day in enumerate(grid.days):
            trend = TREND_FROM + (TREND_TO - TREND_FROM) * index / max(1, n - 1)
            hours = sum(self._hour_spans(index)[1]) / sum(HOUR_PROFILE)
            noise = self._rng.lognormvariate(0, 0.08)
            weights.append(trend * WEEKDAY_FACTOR[day.weekday()] * noise * hours)
        return weights

    def _hour_spans(self, index: int) -> tuple[list[tuple[int, int]], list[float]]:
        """(start, length) of each local hour of the day cut at now, and its weight."""
        bounds = self._grid.hour_starts[index]
        spans: list[tuple[int, int]] = []
        weights: list[float] = []
        for hour in range(24):
            start, end = bounds[hour], min(bounds[hour + 1], self._now + 1)
            length = max(0, end - start)
            spans.append((start, length))
            weights.append(HOUR_PROFILE[hour] * length / HOUR)
        return spans, weights

    def plan_counts(self, orders: int) -> list[int]:
        """Orders per day summing to `orders`, with at least one today (and yesterday, from 2 orders)."""
        counts = allocate(orders, self.day_weights())
        last = len(counts) - 1
        protected = {last, last - 1}

        def spare(i: int) -> int:
            return counts[i] - (1 if i in protected else 0)

        for index, minimum in ((last, 1), (last - 1, 2)):
            if index < 0 or counts[index] > 0 or orders < minimum:
                continue
            donor = max((i for i in range(len(counts)) if i != index), key=lambda i: (spare(i), -i))
            if spare(donor) > 0:
                counts[donor] -= 1
                counts[index] += 1
        return counts

    # -- one day -----------------------------------------------------------------------------------

    def day(self, index: int, count: int) -> None:
        """Generate `count` orders created on day `index`, in time order."""
        rnd = self._rng.random
        spans, weights = self._hour_spans(index)
        cum = list(accumulate(weights))
        total = cum[-1]
        times: list[int] = []
        for _ in range(count):
            if total > 0:
                hour = min(bisect_right(cum, rnd() * total), 23)
                start, length = spans[hour]
                times.append(start + int(rnd() * length))
            else:  # `now` is the very first second of the day
                times.append(self._grid.starts[index])
        times.sort()
        recent_from = self._now - 21 * DAY
        for created in times:
            self._order(index, created, "recent" if created >= recent_from else "early")

    def _pick_items(self, scope: str) -> tuple[bool, list[tuple[int, int, int, int]]]:
        """(is_course, [(product, variant, qty, unit price)]) for a new order."""
        rnd = self._rng.random
        catalog = self._catalog
        if rnd() < COURSE_ORDER_SHARE:
            product = catalog.products[catalog.sample(f"course_{scope}", rnd())]
            variant = product.variant_ids[int(rnd() * len(product.variant_ids))]
            return True, [(product.id, variant, 1, product.price or 0)]
        roll = rnd()
        wanted = 1 if roll < 0.55 else (2 if roll < 0.85 else 3)
        chosen: list[int] = []
        for _ in range(wanted * 2):  # distinct products; a few redraws are enough
            pid = catalog.sample(f"product_{scope}", rnd())
            if pid not in chosen:
                chosen.append(pid)
                if len(chosen) == wanted:
                    break
        items = []
        for pid in chosen:
            product = catalog.products[pid]
            variant = product.variant_ids[int(rnd() * len(product.variant_ids))]
            q = rnd()
            qty = 1 if q < 0.85 else (2 if q < 0.97 else 3)
            items.append((pid, variant, qty, product.price or 0))
        return False, items

    def _coupon(self, created: int) -> tuple[int, str, int] | None:
        if self._rng.random() >= COUPON_SHARE:
            return None
        valid = [
            c
            for c in self._catalog.coupons
            if c.usable
            and c.starts <= created
            and (c.ends is None or created < c.ends)
            and (c.max_uses is None or self._coupon_uses.get(c.id, 0) < c.max_uses)
        ]
        if not valid:
            return None
        coupon = valid[int(self._rng.random() * len(valid))]
        self._coupon_uses[coupon.id] = self._coupon_uses.get(coupon.id, 0) + 1
        return coupon.id, coupon.code, coupon.percent

    def _order(self, day_index: int, created: int, scope: str) -> None:
        rng = self._rng
        rnd = rng.random
        sink = self._sink
        now = self._now
        order_id = sink.next_id("demo_orders")
        customer = 1 + int(self._catalog.customer_count * rnd() ** 1.6)  # regulars order more
        is_course, picked = self._pick_items(scope)
        coupon = self._coupon(created)
        percent = coupon[2] if coupon else 0
        items_rows = sink.table("demo_order_items")
        lines: list[tuple[int, int, int]] = []  # product, qty, line_total
        subtotal = total = 0
        for pid, variant, qty, unit in picked:
            gross = qty * unit
            line = (gross * (100 - percent) + 50) // 100
            subtotal += gross
            total += line
            lines.append((pid, qty, line))
            items_rows.append((sink.next_id("demo_order_items"), order_id, pid, variant, qty, unit, line))
        if coupon:
            sink.table("demo_coupon_uses").append(
                (sink.next_id("demo_coupon_uses"), coupon[0], order_id, created, subtotal - total, total)
            )
        self.daily[day_index][2] += 1

        plan_roll = rnd()
        if is_course:
            plan = "full" if plan_roll < 0.9 else "deposit"
        else:
            plan = "full" if plan_roll < 0.72 else ("deposit" if plan_roll < 0.9 else "preorder")
        method = METHODS[bisect_right(METHOD_CUM, rnd() * METHOD_CUM[-1])]
        first_try = created + 2 * MINUTE + int(rnd() ** 2 * 38 * MINUTE)
        state = OrderState(created)
        payment_rows = sink.table("demo_payments")
        first_payment = len(payment_rows)
        self.payments.settle(order_id, state, plan, total, method, first_try)
        self.tally.payments(payment_rows[first_payment:], (pid for pid, _qty, _line in lines))

        ship_due = shipped = None
        if state.paid_at is not None:
            paid_at = state.paid_at
            paid_day = self._grid.day_index(paid_at)
            day_row = self.daily[paid_day]
            day_row[3] += 1
            day_row[4] += total
            product_daily = self.product_daily
            for pid, qty, line in lines:
                key = (paid_day, pid)
                acc = product_daily.get(key)
                if acc is None:
                    product_daily[key] = [qty, line, 1]
                else:
                    acc[0] += qty
                    acc[1] += line
                    acc[2] += 1
            if is_course:
                state.status = "delivered"
                pid, _qty, line = lines[0]
                self._engagement.course_access(customer, pid, paid_at, line)
            else:
                ship_due = paid_at + SHIP_DUE_AFTER
                late = rnd() < LATE_SHIP_SHARE
                ship_at = paid_at + (
                    50 * HOUR + int(rnd() * 80 * HOUR) if late else 2 * HOUR + int(rnd() * 44 * HOUR)
                )
                refunded_first = state.full_refund_at is not None and state.full_refund_at < ship_at
                if ship_at <= now and not refunded_first:
                    shipped = ship_at
                    delivered_at = ship_at + 2 * DAY + int(rnd() * 4 * DAY)
                    state.status = "delivered" if delivered_at <= now else "shipped"
                    state.touch(delivered_at if delivered_at <= now else ship_at)
                else:
                    state.status = "paid"
            if state.full_refund_at is not None:
                state.status = "cancelled"
                state.touch(state.full_refund_at)
            if state.status == "paid" and ship_due is not None and ship_due < now:
                self.late_shipping += 1

        if state.status == "cancelled":
            due_now = remaining = 0
        else:
            remaining = total - state.amount_paid
            stage = state.stage
            if stage == "pending":
                due_now = state.upfront - state.amount_paid
            elif stage in ("deposit_due", "balance_due"):
                due_now = (state.upfront if stage == "deposit_due" else total) - state.amount_paid
            else:
                due_now = 0
        self.tally.order(
            day_index,
            stage=state.stage,
            plan=plan,
            cancelled=state.status == "cancelled",
            total=total,
            amount_paid=state.amount_paid,
            due_now=due_now,
            remaining_due=remaining,
        )
        flagged = rnd() < FLAG_SHARE
        flag_reason = None
        if flagged:
            flag_reason = FLAG_REASONS[int(rnd() * len(FLAG_REASONS))]
            note_at = created + 10 * MINUTE + int(rnd() * 5 * HOUR)
            if note_at <= now:
                sink.table("demo_order_notes").append(
                    (sink.next_id("demo_order_notes"), order_id, flag_reason, None, note_at)
                )
                state.touch(note_at)
        sink.table("demo_orders").append(
            (
                order_id,
                customer,
                created,
                state.status,
                plan,
                state.stage,
                state.method or method,
                self._currency,
                total,
                state.amount_paid,
                state.upfront,
                due_now,
                remaining,
                coupon[1] if coupon else None,
                state.paid_at,
                state.stage_at,
                ship_due,
                shipped,
                flagged,
                flag_reason,
                state.updated,
            )
        )
