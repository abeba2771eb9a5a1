"""How a demo order gets paid: plans and stages, payment attempts (failures, retries, refunds) and the
AutoNudge reminders sent while money is due. One `settle` call plays an order's payment life out to `now`.

Rules that keep an order consistent with its payments:

* Payment status pending | confirmed | failed | refunded. A refunded payment keeps `confirmed_at` and
  `amount` (the money was received) and records `refunded_at` / `refund_amount`.
* `amount_paid` = sum of `amount` over the order's payments with `confirmed_at` set (confirmed or
  refunded): what was received, gross of refunds.
* Plans and stages: full = pending -> fully_paid; deposit (30 %) = deposit_due -> balance_due ->
  fully_paid; preorder (50 % upfront) = pending -> preorder (waiting for stock) -> balance_due ->
  fully_paid. `paid_at` is the `confirmed_at` of the payment that completed the total.
* Unpaid orders are cancelled 72 h after creation; a balance left unpaid for 30 days cancels the order.
* Reminders: one 3 h after an unpaid order was created, then daily while a deposit or a balance is due.

Planted: method `crypto` fails 60 % of attempts in the last 48 h (5 % before); ~1.5 % of recent deposit
orders sit in deposit_due/balance_due for more than 72 h with no reminder at all.
"""

from __future__ import annotations

from itertools import accumulate
from random import Random
from typing import Any

from ownerbot.upstream.demo.bulk_load import RowSink
from ownerbot.upstream.demo.timegrid import DAY, HOUR, MINUTE, TimeGrid

METHODS = ("card", "stars", "crypto", "bank_transfer")
METHOD_CUM = tuple(accumulate((0.55, 0.12, 0.15, 0.18)))
BASE_FAIL_RATE = {"card": 0.04, "stars": 0.02, "crypto": 0.05, "bank_transfer": 0.03}
CONFIRM_DELAY = {
    "card": (5, 120),
    "stars": (2, 30),
    "crypto": (300, 2400),
    "bank_transfer": (2 * HOUR, 30 * HOUR),
}
FAILURE_REASONS = {
    "card": ("card_declined", "insufficient_funds", "3ds_failed"),
    "stars": ("stars_balance_low",),
    "crypto": ("underpaid", "network_congestion", "invoice_expired"),
    "bank_transfer": ("transfer_rejected",),
}
FAILING_METHOD = "crypto"
FAILING_RATE = 0.6
FAILING_WINDOW = 48 * HOUR
FAILING_BASELINE = 14 * DAY
RETRY_SHARE = 0.6
ABANDONED_INVOICE_SHARE = 0.02
NO_ATTEMPT_SHARE = 0.05
REFUND_SHARE = 0.03
DEPOSIT_PERCENT = 30
PREORDER_PERCENT = 50
UNPAID_CANCEL_AFTER = 72 * HOUR
BALANCE_ABANDON_AFTER = 30 * DAY
NUDGE_FIRST_AFTER = 24 * HOUR
NUDGE_EVERY = 24 * HOUR
PENDING_NUDGE_AFTER = 3 * HOUR
STUCK_AFTER = 72 * HOUR
STUCK_SHARE = 0.015
STUCK_CREATED_FROM, STUCK_CREATED_TO = 14 * DAY, 4 * DAY  # age window of the candidates


class OrderState:
    """The mutable facts of one order while its timeline is played out."""

    __slots__ = (
        "amount_paid",
        "attempts",
        "created",
        "full_refund_at",
        "method",
        "paid_at",
        "refunded_at",
        "stage",
        "stage_at",
        "status",
        "updated",
        "upfront",
    )

    def __init__(self, created: int) -> None:
        self.created = created
        self.updated = created
        self.status = "awaiting_payment"
        self.stage = "pending"
        self.stage_at = created
        self.amount_paid = 0
        self.upfront = 0
        self.attempts = 0
        self.method: str | None = None
        self.paid_at: int | None = None
        self.refunded_at: int | None = None
        self.full_refund_at: int | None = None

    def touch(self, at: int) -> None:
        if at > self.updated:
            self.updated = at

    def fully_paid(self, at: int) -> None:
        self.stage, self.stage_at, self.paid_at = "fully_paid", at, at


class PaymentPlans:
    """Plays out the payment plan of each order; keeps revenue per day and the planted-anomaly numbers."""

    def __init__(self, rng: Random, grid: TimeGrid, sink: RowSink, daily: list[list[int]]) -> None:
        self._rng = rng
        self._grid = grid
        self._sink = sink
        self._now = grid.now
        self._daily = daily  # shared with OrderFlow: [revenue, refunds, ...] cents per day
        self._failing_acc = 0.5
        self.failing = {
            "recent_attempts": 0,
            "recent_failed": 0,
            "baseline_attempts": 0,
            "baseline_failed": 0,
        }
        self._stuck_acc = 1.0  # the first candidate is planted, so even a small shop has one
        self.stuck_ids: list[int] = []
        self.stuck_candidates = 0

    def settle(
        self, order_id: int, state: OrderState, plan: str, total: int, method: str, first_try: int
    ) -> None:
        """Run the order's plan from its first payment attempt at `first_try` up to now."""
        if plan == "full":
            self._full_plan(order_id, state, total, method, first_try)
        elif plan == "deposit":
            self._deposit_plan(order_id, state, total, method, first_try)
        elif plan == "preorder":
            self._preorder_plan(order_id, state, total, method, first_try)
        else:
            raise ValueError(f"unknown payment plan {plan!r}")

    def _full_plan(self, order_id: int, state: OrderState, total: int, method: str, first_try: int) -> None:
        rnd = self._rng.random
        state.upfront = total
        state.stage, state.stage_at = "pending", state.created
        refund_delay = refund = None
        if rnd() < REFUND_SHARE:
            refund_delay = DAY + int(rnd() * 9 * DAY)
            refund = total if rnd() < 0.7 else (total * self._rng.randint(20, 50)) // 100
        confirmed = None
        if rnd() >= NO_ATTEMPT_SHARE:
            confirmed = self._pay(order_id, state, first_try, total, method, "full", refund_delay, refund)
        if confirmed is not None:
            state.fully_paid(confirmed)
            if state.refunded_at is not None and refund == total:
                state.full_refund_at = state.refunded_at
        else:
            self._unpaid(order_id, state, state.created + UNPAID_CANCEL_AFTER, single_nudge=True)

    def _deposit_plan(
        self, order_id: int, state: OrderState, total: int, method: str, first_try: int
    ) -> None:
        rnd = self._rng.random
        deposit = max(1, total * DEPOSIT_PERCENT // 100)
        state.upfront = deposit
        state.stage, state.stage_at = "deposit_due", state.created
        planted = self._plant_stuck(state.created)
        # Planted orders alternate: deposit paid and balance stuck, then no deposit attempt at all.
        if planted and len(self.stuck_ids) % 2 == 1:
            self.stuck_ids.append(order_id)
            state.status = "awaiting_payment"
            return
        confirmed = self._pay(order_id, state, first_try, deposit, method, "deposit", None, None)
        if confirmed is None:
            if planted:
                self.stuck_ids.append(order_id)
                state.status = "awaiting_payment"
                return
            self._unpaid(order_id, state, state.created + UNPAID_CANCEL_AFTER, single_nudge=False)
            return
        state.stage, state.stage_at = "balance_due", confirmed
        if planted:
            self.stuck_ids.append(order_id)
            state.status = "awaiting_payment"
            return
        balance_paid = None
        if rnd() >= 0.04:  # 4 % never pay the balance
            # Most balances follow within days, a few take a week or more.
            balance_at = confirmed + HOUR + int(rnd() ** 2 * 10 * DAY)
            balance_paid = self._pay(
                order_id, state, balance_at, total - deposit, state.method or method, "balance", None, None
            )
        self._balance_outcome(order_id, state, confirmed, balance_paid)

    def _preorder_plan(
        self, order_id: int, state: OrderState, total: int, method: str, first_try: int
    ) -> None:
        rnd = self._rng.random
        upfront = max(1, total * PREORDER_PERCENT // 100)
        state.upfront = upfront
        state.stage, state.stage_at = "pending", state.created
        confirmed = self._pay(order_id, state, first_try, upfront, method, "deposit", None, None)
        if confirmed is None:
            self._unpaid(order_id, state, state.created + UNPAID_CANCEL_AFTER, single_nudge=True)
            return
        state.stage, state.stage_at = "preorder", confirmed
        state.status = "awaiting_payment"
        arrival = confirmed + 7 * DAY + int(rnd() * 14 * DAY)
        if arrival > self._now:
            return
        state.stage, state.stage_at = "balance_due", arrival
        state.touch(arrival)
        balance_at = arrival + 12 * HOUR + int(rnd() * 4.5 * DAY)
        balance_paid = self._pay(
            order_id, state, balance_at, total - upfront, state.method or method, "balance", None, None
        )
        self._balance_outcome(order_id, state, arrival, balance_paid)

    def _balance_outcome(self, order_id: int, state: OrderState, due_from: int, paid: int | None) -> None:
        if paid is not None:
            state.fully_paid(paid)
            self._nudges(order_id, due_from, paid)
            return
        state.status = "awaiting_payment"
        cancel_at = due_from + BALANCE_ABANDON_AFTER
        if cancel_at <= self._now:
            state.status = "cancelled"
            state.touch(cancel_at)
        self._nudges(order_id, due_from, cancel_at)

    def _unpaid(self, order_id: int, state: OrderState, cancel_at: int, *, single_nudge: bool) -> None:
        """An order whose first payment never completed: reminders, then cancelled after 72 h."""
        now = self._now
        if cancel_at <= now:
            state.status = "cancelled"
            state.touch(cancel_at)
        elif state.attempts == 0 and now - state.created < 2 * HOUR:
            state.status = "new"
        else:
            state.status = "awaiting_payment"
        if single_nudge:
            at = state.created + PENDING_NUDGE_AFTER
            if at < cancel_at and at <= now:
                self._nudge(order_id, at, "sent", None)
        else:
            self._nudges(order_id, state.created, cancel_at)

    def _plant_stuck(self, created: int) -> bool:
        age = self._now - created
        if not STUCK_CREATED_TO <= age <= STUCK_CREATED_FROM:
            return False
        self.stuck_candidates += 1
        self._stuck_acc += STUCK_SHARE
        if self._stuck_acc >= 1.0:
            self._stuck_acc -= 1.0
            return True
        return False

    # -- payments and reminders --------------------------------------------------------------------

    def _fails(self, method: str, at: int) -> bool:
        if method == FAILING_METHOD and at > self._now - FAILING_WINDOW:
            # Error diffusion instead of dice: exactly 60 % of the window's attempts fail, at any volume.
            self._failing_acc += FAILING_RATE
            if self._failing_acc >= 1.0:
                self._failing_acc -= 1.0
                return True
            return False
        return self._rng.random() < BASE_FAIL_RATE[method]

    def _payment(self, row: tuple[Any, ...]) -> None:
        self._sink.table("demo_payments").append(row)
        method, status, created = row[3], row[4], row[6]
        if method == FAILING_METHOD:
            age = self._now - created
            if age < FAILING_WINDOW:
                self.failing["recent_attempts"] += 1
                self.failing["recent_failed"] += status == "failed"
            elif age < FAILING_WINDOW + FAILING_BASELINE:
                self.failing["baseline_attempts"] += 1
                self.failing["baseline_failed"] += status == "failed"

    def _pay(
        self,
        order_id: int,
        state: OrderState,
        at: int,
        amount: int,
        method: str,
        kind: str,
        refund_delay: int | None,
        refund: int | None,
    ) -> int | None:
        """Payment attempts from `at` (failures, retries); confirmed_at, or None when not paid by now."""
        rng = self._rng
        rnd = rng.random
        now = self._now
        for _attempt in range(3):
            if at > now:
                break
            payment_id = self._sink.next_id("demo_payments")
            state.attempts += 1
            state.method = method
            state.touch(at)
            if self._fails(method, at):
                reason = rng.choice(FAILURE_REASONS[method])
                self._payment(
                    (payment_id, order_id, kind, method, "failed", amount, at, None, None, None, reason)
                )
                if rnd() < RETRY_SHARE:
                    at += 2 * MINUTE + int(rnd() * HOUR)
                    if rnd() < 0.4:
                        method = "card"
                    continue
                break
            low, high = CONFIRM_DELAY[method]
            confirmed = at + low + int(rnd() * (high - low))
            abandoned = rnd() < ABANDONED_INVOICE_SHARE
            if abandoned or confirmed > now:
                # Not confirmed (yet): pending while recent; an abandoned invoice expires after a day.
                expired = abandoned and now - at >= DAY
                status = "failed" if expired else "pending"
                why = "expired" if expired else None
                self._payment((payment_id, order_id, kind, method, status, amount, at, None, None, None, why))
                break
            daily = self._daily
            daily[self._grid.day_index(confirmed)][0] += amount
            state.amount_paid += amount
            state.touch(confirmed)
            refunded_at = None if refund_delay is None else confirmed + refund_delay
            if refunded_at is not None and refund is not None and refunded_at <= now:
                daily[self._grid.day_index(refunded_at)][1] += refund
                state.refunded_at = refunded_at
                state.touch(refunded_at)
                self._payment(
                    (
                        payment_id,
                        order_id,
                        kind,
                        method,
                        "refunded",
                        amount,
                        at,
                        confirmed,
                        refunded_at,
                        refund,
                        None,
                    )
                )
            else:
                self._payment(
                    (payment_id, order_id, kind, method, "confirmed", amount, at, confirmed, None, None, None)
                )
            return confirmed
        return None

    def _nudge(self, order_id: int | None, at: int, status: str, reason: str | None) -> None:
        sink = self._sink
        sink.table("demo_nudges").append((sink.next_id("demo_nudges"), order_id, "order", status, reason, at))

    def _nudges(self, order_id: int, stage_from: int, stage_until: int) -> None:
        """Daily reminders while money is due; never more than two misses in a row."""
        rnd = self._rng.random
        at = stage_from + NUDGE_FIRST_AFTER
        end = min(stage_until, self._now + 1)
        misses = 0
        while at < end:
            roll = rnd()
            if misses >= 2 or at == stage_from + NUDGE_FIRST_AFTER or roll < 0.88:
                self._nudge(order_id, at, "sent", None)
                misses = 0
            else:
                failed = roll < 0.94
                reason = ("bot_blocked" if rnd() < 0.5 else "chat_not_found") if failed else "quiet_hours"
                self._nudge(order_id, at, "failed" if failed else "skipped", reason)
                misses += 1
            at += NUDGE_EVERY

    # -- summaries ---------------------------------------------------------------------------------

    def failing_summary(self) -> dict[str, Any]:
        f = self.failing
        return {
            "kind": "payment_method_failing",
            "method": FAILING_METHOD,
            "window_hours": FAILING_WINDOW // HOUR,
            "baseline_days": FAILING_BASELINE // DAY,
            **f,
            "recent_fail_rate": _rate(f["recent_failed"], f["recent_attempts"]),
            "baseline_fail_rate": _rate(f["baseline_failed"], f["baseline_attempts"]),
        }

    def stuck_summary(self) -> dict[str, Any]:
        return {
            "kind": "stuck_deposits",
            "stages": ["deposit_due", "balance_due"],
            "min_hours_in_stage": STUCK_AFTER // HOUR,
            "count": len(self.stuck_ids),
            "order_ids": list(self.stuck_ids),
            "recent_deposit_orders": self.stuck_candidates,
            "share": _rate(len(self.stuck_ids), self.stuck_candidates),
        }


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
