"""Operations questions (orders, stock, chats, access, renewals, nudges): DTOs and the `OpsReader` protocol.

The DEMO reader answers them from the demo tables; a SIS reader maps orders search/detail, inventory,
chats and access onto the read gateway (`SIS_CONTRACT.md` §2) and may raise `ProviderNotSupported` for
renewals and nudges, which the gateway does not expose. Every answer carries `sources`: unprefixed
names of what was read (`demo_orders`, `/ownerbot/v1/orders/search`); tools prefix them with the
provider's `source_prefix`.

Definitions live here, once, so the DEMO SQL, a SIS mapping and the tools agree on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ownerbot.domain.windows import DayWindow

OrderPreset = Literal["stuck", "late_ship", "payment_issues"]
InventorySection = Literal[
    "out_of_stock", "low_stock", "missing_photo", "missing_video", "missing_price", "unpublished"
]
INVENTORY_SECTIONS: tuple[InventorySection, ...] = (
    "out_of_stock",
    "low_stock",
    "missing_photo",
    "missing_video",
    "missing_price",
    "unpublished",
)

# Order statuses in which nothing has been paid in full yet ("unpaid"); `stuck` is SIS's own status.
UNPAID_STATUSES: tuple[str, ...] = ("new", "awaiting_payment")
STUCK_STATUS = "stuck"
# Stages in which a staged order owes money now (AutoNudge reminds these).
DUE_STAGES: tuple[str, ...] = ("deposit_due", "balance_due")
STUCK_AFTER = timedelta(hours=6)
PAYMENT_PENDING_AFTER = timedelta(hours=2)
NUDGE_QUIET_AFTER = timedelta(hours=72)
ACCESS_BASELINE_DAYS = 14
FACTOR_QUANTUM = Decimal("0.01")


class InvalidCursor(ValueError):
    """A paging cursor this reader did not issue (or one that was tampered with)."""


def phone_digits(value: str) -> str:
    """The digits of a phone number or a search string: `+49 (151) 23-45` → `491512345`."""
    return re.sub(r"\D", "", value)


def mask_phone(phone: str) -> str:
    """Hide all but the last 4 digits (`***5678`): lists travel through chats, details stay full."""
    digits = phone_digits(phone)
    return f"***{digits[-4:]}" if digits else ""


def ratio(numerator: Decimal | int, denominator: Decimal | int, *, scale: int = 1) -> Decimal | None:
    """`numerator / denominator × scale` rounded half up to 0.01, or None when the denominator is zero."""
    if not denominator:
        return None
    value = Decimal(numerator) * scale / Decimal(denominator)
    return value.quantize(FACTOR_QUANTUM, rounding=ROUND_HALF_UP)


class _Dto(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderQuery(_Dto):
    """Filters of an orders search; `cursor` is opaque and only valid for the reader that issued it.

    `limit` 0 asks for the count alone (health checks), which skips the page queries.
    """

    q: str | None = None
    status: str | None = None
    preset: OrderPreset | None = None
    flagged: bool | None = None
    since_hours: int | None = Field(default=None, ge=1, le=720)
    limit: int = Field(default=20, ge=0, le=200)
    cursor: str | None = None


class OrderListItem(_Dto):
    """One order in a list: enough to recognise it; the phone is masked (lists get forwarded)."""

    order_id: str
    created_at: AwareDatetime
    status: str
    payment_plan: str
    payment_stage: str
    payment_method: str
    currency: str
    total: Decimal
    amount_paid: Decimal
    due_now: Decimal
    customer_id: str
    customer_name: str
    customer_phone_masked: str
    flagged: bool
    ship_due_at: AwareDatetime | None
    shipped_at: AwareDatetime | None
    # Which problem presets the order matches at the page's `as_of`.
    problems: tuple[OrderPreset, ...]


class OrderPage(_Dto):
    """A page of an orders search, newest first. `count` is the total matching, not the page size.

    `as_of` is the instant the presets and `since_hours` were evaluated at; later pages reuse it, so
    paging through a moving clock neither skips nor repeats an order.
    """

    count: int
    items: tuple[OrderListItem, ...]
    next_cursor: str | None
    as_of: AwareDatetime
    sources: tuple[str, ...]


class CustomerInfo(_Dto):
    """The customer of an order with the full phone: the owner may need to call them."""

    customer_id: str
    name: str
    phone: str
    tg_user_id: int | None


class OrderLine(_Dto):
    product_id: str
    product_name: str
    variant_name: str | None
    qty: int
    unit_price: Decimal
    line_total: Decimal


TimelineKind = Literal[
    "created",
    "payment_requested",
    "payment_confirmed",
    "payment_failed",
    "payment_refunded",
    "paid",
    "shipped",
    "nudge_sent",
    "nudge_failed",
    "nudge_skipped",
]


class TimelineEvent(_Dto):
    """One moment in an order's life; payment events name the attempt's kind (full/deposit/balance)."""

    at: AwareDatetime
    kind: TimelineKind
    amount: Decimal | None = None
    method: str | None = None
    payment_kind: str | None = None
    reason: str | None = None


class OrderNoteItem(_Dto):
    at: AwareDatetime
    text: str
    author_tg_id: int | None


class OrderDetail(_Dto):
    """Everything about one order: amounts, customer, items, timeline (oldest first), flags and notes."""

    order_id: str
    created_at: AwareDatetime
    status: str
    payment_plan: str
    payment_stage: str
    stage_changed_at: AwareDatetime
    payment_method: str
    currency: str
    total: Decimal
    amount_paid: Decimal
    upfront_due: Decimal
    due_now: Decimal
    remaining_due: Decimal
    coupon_code: str | None
    paid_at: AwareDatetime | None
    ship_due_at: AwareDatetime | None
    shipped_at: AwareDatetime | None
    flagged: bool
    flag_reason: str | None
    customer: CustomerInfo
    items: tuple[OrderLine, ...]
    timeline: tuple[TimelineEvent, ...]
    notes: tuple[OrderNoteItem, ...]
    # Payment attempts still pending and when the oldest was requested (None when there is none).
    oldest_pending_payment_at: AwareDatetime | None
    sources: tuple[str, ...]

    def problems(self, now: datetime) -> tuple[OrderPreset, ...]:
        """The problem presets this order matches at `now` (same definitions as the search presets)."""
        has_failed = any(e.kind == "payment_failed" for e in self.timeline)
        return order_problems(
            status=self.status,
            payment_stage=self.payment_stage,
            created_at=self.created_at,
            shipped_at=self.shipped_at,
            ship_due_at=self.ship_due_at,
            has_failed_payment=has_failed,
            oldest_pending_payment_at=self.oldest_pending_payment_at,
            now=now,
        )


def order_problems(
    *,
    status: str,
    payment_stage: str,
    created_at: datetime,
    shipped_at: datetime | None,
    ship_due_at: datetime | None,
    has_failed_payment: bool,
    oldest_pending_payment_at: datetime | None,
    now: datetime,
) -> tuple[OrderPreset, ...]:
    """The presets an order matches; the reference definition the readers' queries implement.

    - `stuck`: unpaid (status new/awaiting_payment, stage pending) for more than 6 h, or status `stuck`;
    - `late_ship`: status paid, not shipped, ship-due instant passed;
    - `payment_issues`: still waiting for money (status new/awaiting_payment) and a payment attempt
      failed or has been pending for more than 2 h. An order paid after a failed try, or cancelled,
      needs no action, so it is not listed (refunds_anomalies counts those failures).
    """
    found: list[OrderPreset] = []
    waiting = status in UNPAID_STATUSES
    if status == STUCK_STATUS or (waiting and payment_stage == "pending" and created_at < now - STUCK_AFTER):
        found.append("stuck")
    if status == "paid" and shipped_at is None and ship_due_at is not None and ship_due_at < now:
        found.append("late_ship")
    pending_too_long = (
        oldest_pending_payment_at is not None and oldest_pending_payment_at < now - PAYMENT_PENDING_AFTER
    )
    if waiting and (has_failed_payment or pending_too_long):
        found.append("payment_issues")
    return tuple(found)


class ProductStockItem(_Dto):
    product_id: str
    name: str
    category: str | None
    kind: str
    status: str
    stock: int
    price: Decimal | None
    currency: str


class InventoryData(_Dto):
    """Catalog health: a count per section and up to `limit` products per listed section.

    Sections: out_of_stock (ACTIVE, stock 0), low_stock (ACTIVE, 0 < stock <= low_stock_lte),
    missing_photo / missing_video / missing_price (not ARCHIVED), unpublished (HIDDEN).
    """

    low_stock_lte: int
    counts: dict[InventorySection, int]
    lists: dict[InventorySection, tuple[ProductStockItem, ...]]
    sources: tuple[str, ...]


class ChatThreadItem(_Dto):
    """An unanswered support thread; waiting is counted from the customer's last message."""

    thread_id: str
    customer_id: str
    customer_name: str
    order_id: str | None
    manager_name: str | None
    opened_at: AwareDatetime
    last_customer_msg_at: AwareDatetime
    last_manager_msg_at: AwareDatetime | None
    waiting_minutes: int


class UnansweredThreads(_Dto):
    """Open threads whose customer wrote last, waiting at least the threshold; most overdue first."""

    threshold_minutes: int
    count: int
    threads: tuple[ChatThreadItem, ...]
    sources: tuple[str, ...]


class QueueBucket(_Dto):
    """Unanswered threads waiting in [min_minutes, max_minutes); max None means "and longer"."""

    label: Literal["under_2h", "2h_6h", "6h_24h", "over_24h"]
    min_minutes: int
    max_minutes: int | None
    count: int


class ManagerQueue(_Dto):
    manager_name: str | None
    count: int
    oldest_waiting_minutes: int


class QueueSummary(_Dto):
    """The support queue now: disjoint waiting buckets, per-manager load and the most overdue threads."""

    total_unanswered: int
    buckets: tuple[QueueBucket, ...]
    by_manager: tuple[ManagerQueue, ...]
    most_overdue: tuple[ChatThreadItem, ...]
    sources: tuple[str, ...]


QUEUE_BUCKET_EDGES_MINUTES: tuple[int, ...] = (120, 360, 1440)


class DenialStat(_Dto):
    """Denials of one group in the window against the baseline of the days before it.

    `spike_factor` = (denials per window day) / (baseline denials per baseline day); None without a
    baseline. Window days count the whole days of the window, today included.
    """

    key: str
    denials: int
    baseline_denials: int
    spike_factor: Decimal | None


class AccessTarget(_Dto):
    target_type: str
    target_id: str
    name: str | None
    denials: int
    baseline_denials: int
    spike_factor: Decimal | None
    expiries: int


class AccessData(_Dto):
    """Content access in a window: denials by target/action/reason with spikes, expiries, top targets."""

    window_days: int
    baseline_days: int
    denials_total: int
    baseline_denials_total: int
    spike_factor: Decimal | None
    by_target: tuple[AccessTarget, ...]
    by_action: tuple[DenialStat, ...]
    by_reason: tuple[DenialStat, ...]
    expiries_total: int
    grants_total: int
    sources: tuple[str, ...]


def denial_stats(
    per: Mapping[Any, list[int]], factor: Callable[[int, int], Decimal | None]
) -> tuple[DenialStat, ...]:
    """`[denials, baseline denials]` per group as stats, most denials first (then by key)."""
    stats = [
        DenialStat(key=str(key), denials=now, baseline_denials=base, spike_factor=factor(now, base))
        for key, (now, base) in per.items()
    ]
    stats.sort(key=lambda s: (-s.denials, s.key))
    return tuple(stats)


class RenewalTarget(_Dto):
    target_type: str
    target_id: str
    name: str | None
    offers: int
    completions: int
    revenue: Decimal


class RenewalsData(_Dto):
    """Renew offers and completions counted by when each happened (not matched offer → completion)."""

    offers: int
    completions: int
    conversion_pct: Decimal | None
    revenue: Decimal
    currency: str
    top_targets: tuple[RenewalTarget, ...]
    sources: tuple[str, ...]


class NudgeCounts(_Dto):
    sent: int
    failed: int
    skipped: int


class ReasonCount(_Dto):
    status: str
    reason: str | None
    count: int


class DigestStatus(_Dto):
    counts: NudgeCounts
    last_status: str | None
    last_at: AwareDatetime | None


class DueOrderItem(_Dto):
    """An order owing money now that AutoNudge has left alone for more than 72 h."""

    order_id: str
    payment_plan: str
    payment_stage: str
    stage_changed_at: AwareDatetime
    hours_in_stage: int
    due_now: Decimal
    currency: str
    customer_name: str
    last_nudge_at: AwareDatetime | None


class NudgeHealth(_Dto):
    """AutoNudge in a window (order reminders and digests) and the orders it is missing now.

    `stuck_deposits*` (as of now, whatever the window): orders waiting for money (status
    new/awaiting_payment) in deposit_due/balance_due with money due now, in that stage for more than
    72 h and with no reminder *sent* in the last 72 h. That is "due now with no nudge in 72 h" limited
    to orders due that long: a fresh order has had no chance of a reminder yet. Longest-waiting first.
    """

    order_nudges: NudgeCounts
    reasons: tuple[ReasonCount, ...]
    digest: DigestStatus
    stuck_deposits_count: int
    stuck_deposits_amount: Decimal
    stuck_deposits: tuple[DueOrderItem, ...]
    currency: str
    sources: tuple[str, ...]


class MethodFailures(_Dto):
    """Payment attempts of one method created in a period: all of them, the failed and the pending.

    `attempts` counts every attempt (pending included), so the share is "failed of all tries"; the
    sales reader's `refunds_anomalies` counts resolved attempts only and can differ while many are
    pending.
    """

    method: str
    attempts: int
    failed: int
    pending: int

    @property
    def fail_rate_pct(self) -> Decimal | None:
        return ratio(self.failed, self.attempts, scale=100)


class PaymentFailures(_Dto):
    """Attempts created in (since, until]: the last N hours up to and including `until`."""

    since: AwareDatetime
    until: AwareDatetime
    by_method: tuple[MethodFailures, ...]
    sources: tuple[str, ...]


class OpsReader(Protocol):
    """Operations questions in business words. Instants are UTC-aware; windows are shop-local days."""

    async def search_orders(self, query: OrderQuery, now: datetime) -> OrderPage:
        """Orders matching `query`, newest first, one page; raises `InvalidCursor` for a foreign cursor."""
        ...

    async def order_detail(self, order_id: str) -> OrderDetail | None:
        """One order, or None when there is no such order."""
        ...

    async def inventory(
        self, low_stock_lte: int, section: InventorySection | None, limit: int
    ) -> InventoryData:
        """Counts for every section; lists for `section` only, or for all sections when None."""
        ...

    async def unanswered_threads(
        self, threshold_minutes: int, limit: int, now: datetime
    ) -> UnansweredThreads:
        """Threads waiting for a manager at least `threshold_minutes`, most overdue first (limit 0: count)."""
        ...

    async def queue_summary(self, now: datetime) -> QueueSummary:
        """The unanswered queue in 2 h / 6 h / 24 h buckets."""
        ...

    async def access(self, window: DayWindow) -> AccessData:
        """Denials, expiries and grants in `window` with a baseline over the 14 days before it."""
        ...

    async def renewals(self, window: DayWindow) -> RenewalsData:
        """Renew offers, completions and their revenue in `window` (may be unsupported in SIS)."""
        ...

    async def nudges(self, window: DayWindow, now: datetime, *, list_limit: int = 10) -> NudgeHealth:
        """AutoNudge counts in `window` and the stuck deposits as of `now`, up to `list_limit` listed.

        May be unsupported in SIS (the gateway has no nudge endpoint).
        """
        ...

    async def payment_failures(self, since: datetime, until: datetime) -> PaymentFailures:
        """Payment attempts created in (since, until] by method: attempts, failed, pending."""
        ...
