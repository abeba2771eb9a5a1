"""Sales questions in business words: the `SalesReader` protocol and the typed answers it returns.

Definitions shared by every provider (the DEMO rollups follow them; see docs/decisions.md):

- revenue_gross: sum of `amount` of payments confirmed in the window (status confirmed or refunded,
  counted by `confirmed_at`);
- refunds: sum of `refund_amount`, counted by `refunded_at`;
- revenue_net = revenue_gross − refunds;
- orders_created: orders by `created_at`; orders_paid: orders whose `paid_at` (the moment they became
  fully paid) is in the window; paid_orders_value: the totals of those orders;
- aov = paid_orders_value / orders_paid (None when no order was paid);
- paid_rate = orders_paid / orders_created in the same window (two different sets of orders, so it is
  a rate, not a cohort conversion, and can exceed 100 %).

Windows are shop-local calendar days, both inclusive (`DayWindow`). Money is `Decimal`; a division is
quantized to 0.01 with ROUND_HALF_UP. Every answer names its `sources` without the provider prefix
(`demo_daily_sales`, or a SIS gateway path); tools add `provider.source_prefix`.

SIS mapping: `kpi_totals` → `/kpi/summary`, `daily_series` → `/revenue/trend`, `top_products` →
`/products/top`, `funnel` → `/funnel`. The other questions have no gateway endpoint yet; a SIS reader
raises `ProviderNotSupported` for them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from ownerbot.domain.windows import DayWindow

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

RankMetric = Literal["revenue", "qty"]
RankDirection = Literal["top", "bottom"]
ProductGrouping = Literal["product", "category"]
PaymentStage = Literal["pending", "deposit_due", "balance_due", "preorder", "fully_paid"]
DueLabel = Literal["0-24h", "1-3d", "3-7d", ">7d"]

PAYMENT_STAGES: tuple[PaymentStage, ...] = ("pending", "deposit_due", "balance_due", "preorder", "fully_paid")


def money(value: Decimal) -> Decimal:
    """Round an amount to cents, half up (the rounding owners expect from a till)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | int, denominator: Decimal | int, *, scale: int = 1) -> Decimal | None:
    """`numerator / denominator × scale` to 0.01, or None when the denominator is zero."""
    if denominator == 0:
        return None
    return money(Decimal(numerator) * scale / Decimal(denominator))


class SalesModel(BaseModel):
    """Immutable DTO base: answers are facts, nobody edits them on the way to the owner."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class KpiTotals(SalesModel):
    """Totals of a window; `days_covered` is how many of its days the source has data for (None: unknown)."""

    start: date
    end: date
    currency: str
    revenue_gross: Decimal
    refunds: Decimal
    orders_created: int
    orders_paid: int
    paid_orders_value: Decimal
    days_covered: int | None
    sources: tuple[str, ...]

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def revenue_net(self) -> Decimal:
        return self.revenue_gross - self.refunds

    @property
    def aov(self) -> Decimal | None:
        return ratio(self.paid_orders_value, self.orders_paid)

    @property
    def paid_rate_pct(self) -> Decimal | None:
        return ratio(self.orders_paid, self.orders_created, scale=100)


class DailyPoint(SalesModel):
    """One shop-local day. SIS's trend has only gross revenue and paid orders, so the rest may be None."""

    day: date
    revenue_gross: Decimal
    orders_paid: int
    refunds: Decimal | None = None
    orders_created: int | None = None
    covered: bool = True  # False: the source has no data for this day (zero-filled)

    @property
    def revenue_net(self) -> Decimal | None:
        return None if self.refunds is None else self.revenue_gross - self.refunds


class DailySeries(SalesModel):
    """A zero-filled series: exactly one point per day of the window, in order."""

    start: date
    end: date
    currency: str
    points: tuple[DailyPoint, ...]
    sources: tuple[str, ...]


class ProductSalesRow(SalesModel):
    """A product (or a category) over orders that became fully paid in the window."""

    id: int
    name: str
    category_id: int | None
    category_name: str | None
    qty: int
    revenue: Decimal
    orders: int


class ProductRanking(SalesModel):
    """Ranked rows plus the window's totals over every product (not only the rows shown)."""

    start: date
    end: date
    currency: str
    metric: RankMetric
    direction: RankDirection
    group_by: ProductGrouping
    rows: tuple[ProductSalesRow, ...]
    total_qty: int
    total_revenue: Decimal
    total_orders: int
    candidates: int  # how many products/categories were ranked
    sources: tuple[str, ...]


class CatalogProduct(SalesModel):
    """What forecasting and reordering need to know about a product."""

    id: int
    name: str
    category_id: int
    category_name: str
    kind: str  # product | course
    status: str  # ACTIVE | HIDDEN | ARCHIVED
    stock: int


class CatalogSnapshot(SalesModel):
    products: tuple[CatalogProduct, ...]
    sources: tuple[str, ...]


class ProductDailyUnits(SalesModel):
    """Units sold per product and day (over fully paid orders); lists are zero-filled, one per day."""

    start: date
    end: date
    units: dict[int, tuple[int, ...]]  # only products that sold at least once
    sources: tuple[str, ...]


class StageStats(SalesModel):
    """Orders of the funnel cohort currently in one payment stage, and their money."""

    stage: PaymentStage
    orders: int
    total: Decimal
    paid: Decimal
    due_now: Decimal
    remaining_due: Decimal
    median_hours_in_stage: Decimal | None  # None for fully_paid (nothing is waiting) or no orders


class DueBucket(SalesModel):
    """Open orders with money due now, by how long they have waited in their current stage."""

    label: DueLabel
    orders: int
    due_now: Decimal


class FunnelData(SalesModel):
    """Payment funnel of the orders created in the window, as they stand at `as_of`.

    Cancelled orders are counted apart and left out of stages and buckets: nothing is owed on them.
    `deposit_paid` counts deposit-plan orders whose deposit came in; `deposit_dropped` those of them
    that have not (yet) paid the balance, cancelled ones included.
    """

    start: date
    end: date
    as_of: datetime
    currency: str
    orders_created: int
    cancelled: int
    stages: tuple[StageStats, ...]
    due_buckets: tuple[DueBucket, ...]
    deposit_paid: int
    deposit_dropped: int
    sources: tuple[str, ...]

    @property
    def deposit_drop_pct(self) -> Decimal | None:
        return ratio(self.deposit_dropped, self.deposit_paid, scale=100)


class MethodPaymentStats(SalesModel):
    """Payment attempts (by `created_at`) and refunds (by `refunded_at`) of one payment method.

    `attempts` are resolved attempts (confirmed, refunded or failed); pending ones are counted apart.
    """

    method: str
    attempts: int
    failed: int
    pending: int
    refunds: int
    refund_amount: Decimal

    @property
    def fail_rate_pct(self) -> Decimal | None:
        return ratio(self.failed, self.attempts, scale=100)


class ProductPaymentStats(SalesModel):
    """The same facts attributed to every product of the order the payment belongs to."""

    product_id: int
    name: str
    attempts: int
    failed: int
    refunds: int

    @property
    def fail_rate_pct(self) -> Decimal | None:
        return ratio(self.failed, self.attempts, scale=100)


class PaymentIssueStats(SalesModel):
    start: date
    end: date
    currency: str
    by_method: tuple[MethodPaymentStats, ...]
    by_product: tuple[ProductPaymentStats, ...]
    sources: tuple[str, ...]


class CouponUsage(SalesModel):
    """A coupon, whether it can be used at `as_of`, and its uses (all time and in the window)."""

    code: str
    percent: int
    active: bool  # switched on, started, not ended and not used up
    starts_at: datetime
    ends_at: datetime | None
    max_uses: int | None
    uses_total: int
    uses: int
    discount: Decimal
    order_total: Decimal


class CouponReport(SalesModel):
    start: date
    end: date
    as_of: datetime
    currency: str
    coupons: tuple[CouponUsage, ...]
    sources: tuple[str, ...]


class SalesReader(Protocol):
    """Sales facts of one shop. Methods raise `ProviderNotSupported` when the source cannot answer."""

    async def kpi_totals(self, window: DayWindow) -> KpiTotals:
        """Totals of the window (SIS: `/kpi/summary`)."""
        ...

    async def daily_series(self, window: DayWindow) -> DailySeries:
        """One zero-filled point per day (SIS: `/revenue/trend`)."""
        ...

    async def top_products(
        self,
        window: DayWindow,
        *,
        metric: RankMetric,
        direction: RankDirection,
        group_by: ProductGrouping,
        limit: int,
    ) -> ProductRanking:
        """Products or categories ranked over fully paid orders (SIS: `/products/top`)."""
        ...

    async def funnel(self, window: DayWindow, now: datetime) -> FunnelData:
        """Payment stages of the orders created in the window, as of `now` (SIS: `/funnel`)."""
        ...

    async def payment_issues(self, window: DayWindow) -> PaymentIssueStats:
        """Failed attempts and refunds by method and product."""
        ...

    async def coupon_usage(self, window: DayWindow, now: datetime) -> CouponReport:
        """Every coupon with its uses in the window and overall."""
        ...

    async def product_daily_units(self, window: DayWindow) -> ProductDailyUnits:
        """Units per product and day, the input of demand forecasts."""
        ...

    async def catalog_products(self) -> CatalogSnapshot:
        """Products with their stock and status."""
        ...
