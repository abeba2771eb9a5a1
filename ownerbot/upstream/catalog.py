"""Catalog operations (SIS Actions API v1, `SIS_CONTRACT.md` §3): prices, FX reprice, publish, discounts.

Action tools reach the shop's catalog only through `CatalogActions`: the DEMO implementation
(`upstream/demo/catalog_ops/`) acts on the demo tables, the SIS simulator runs the same class over its
own database, and a SIS HTTP client can implement the protocol later without touching the tools.

Every `*_preview` is read-only; every `*_apply` recomputes from the current data in one transaction and
either changes everything it reports or nothing. Money is `Decimal`; results serialise money as strings.
Failures are typed: `CatalogValidationError` (422), `CatalogForceRequired` (409 anomaly),
`CatalogConflict` (409 rollback impossible), `CatalogIdempotencyConflict` (same key, other request).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ownerbot.config.settings import Settings, UpstreamMode
    from ownerbot.upstream.sis.client import SisClient

RoundingMode = Literal["CEIL_INT", "CEIL_0_50", "CEIL_0_99", "CEIL_STEP"]
ProductStatus = Literal["ACTIVE", "HIDDEN", "ARCHIVED"]
FxAutoStatus = Literal["preview", "skipped", "noop", "no_change"]

CENT = Decimal("0.01")
MAX_EXAMPLES = 5
DEFAULT_ANOMALY_THRESHOLD_PCT = Decimal("25")
# The key under which read tools find a `CatalogActions` in `ToolContext.services`.
CATALOG_SERVICE_KEY = "catalog_actions"

# Warning codes (stable; the tools turn them into owner texts).
NO_ROLLBACK_DATA = "NO_ROLLBACK_DATA"
MISSING_PRICE_SKIPPED = "MISSING_PRICE_SKIPPED"
COUPONS_DISABLED = "COUPONS_DISABLED"
COMPARE_AT_CLEARED = "COMPARE_AT_CLEARED"
UNKNOWN_IDS = "UNKNOWN_IDS"
CHANGED_SINCE_REPRICE = "CHANGED_SINCE_REPRICE"
SNAPSHOT_NOT_REFRESHED = "SNAPSHOT_NOT_REFRESHED"
# SIS publish by `stock_lte`: ids resolved through the read gateway (`:n` found; truncated `:listed/total`).
STOCK_IDS_FROM_INVENTORY = "STOCK_IDS_FROM_INVENTORY"
STOCK_LIST_TRUNCATED = "STOCK_LIST_TRUNCATED"

FX_SETTINGS_KEYS: tuple[str, ...] = (
    "reprice_schedule_mode",
    "reprice_schedule_interval_hours",
    "reprice_schedule_notify_on_success",
    "reprice_schedule_notify_on_failure",
    "min_rate_delta_abs",
    "min_rate_delta_percent",
    "min_apply_cooldown_hours",
    "provider",
)
SCHEDULE_MODES: tuple[str, ...] = ("off", "manual", "interval")


class CatalogError(Exception):
    """Base of the typed catalog failures; `code` is an OwnerBot error code (ACTIONS.md)."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class CatalogValidationError(CatalogError):
    """422: bad input (unknown rate_set_id, currency mismatch, unknown settings key, …)."""

    def __init__(
        self, message: str, details: dict[str, Any] | None = None, *, code: str = "VALIDATION_ERROR"
    ):
        super().__init__(message, details)
        self.code = code


class CatalogConflict(CatalogError):
    """409 that force cannot fix (e.g. the rollback's job is no longer the latest reprice)."""


class CatalogIdempotencyConflict(CatalogError):
    """The Idempotency-Key was used before for a different request."""

    code = "IDEMPOTENCY_CONFLICT"


class CatalogUpstreamError(CatalogError):
    """The shop's system refused or failed (auth, endpoint absent, unavailable): `code` says which."""

    def __init__(self, message: str, details: dict[str, Any] | None = None, *, code: str) -> None:
        super().__init__(message, details)
        self.code = code


class CatalogOutcomeUnknown(CatalogUpstreamError):
    """A write reached (or may have reached) the shop's system but its answer was lost: it may or may
    not have applied. Never retried; the action ends `unknown` and the owner is told to check."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details, code="SIS_UNAVAILABLE")


class CatalogForceRequired(CatalogError):
    """409: the change is anomalous and needs an explicit force; nothing was applied."""

    code = "ANOMALY_FORCE_REQUIRED"

    def __init__(self, message: str, anomaly: AnomalyInfo) -> None:
        super().__init__(message, {"anomaly": anomaly.model_dump(mode="json")})
        self.anomaly = anomaly


# -- rounding ---------------------------------------------------------------------------------------


def round_price(value: Decimal, mode: RoundingMode, step: Decimal | None = None) -> Decimal:
    """Round `value` up as the contract says: to an integer, to the next 0.50, to X.99, or to `step`."""
    if mode == "CEIL_INT":
        result = value.to_integral_value(rounding=ROUND_CEILING)
    elif mode == "CEIL_0_50":
        result = (value * 2).to_integral_value(rounding=ROUND_CEILING) / 2
    elif mode == "CEIL_0_99":
        result = (value - Decimal("0.99")).to_integral_value(rounding=ROUND_CEILING) + Decimal("0.99")
    else:
        if step is None or step <= 0:
            raise CatalogValidationError("CEIL_STEP needs a positive rounding_step")
        result = (value / step).to_integral_value(rounding=ROUND_CEILING) * step
    return result.quantize(CENT, rounding=ROUND_CEILING)


def to_cents(value: Decimal) -> Decimal:
    """Commercial rounding to cents (discounts)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def delta_pct(before: Decimal, after: Decimal) -> Decimal:
    """Signed change in percent, two decimals; 0 when there was no price to compare with."""
    if before == 0:
        return Decimal("0.00")
    return ((after - before) * 100 / before).quantize(CENT, rounding=ROUND_HALF_UP)


# -- inputs -----------------------------------------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rounding(_Params):
    rounding_mode: RoundingMode = "CEIL_INT"
    rounding_step: Decimal | None = Field(default=None, gt=0, le=Decimal("10000"))

    @model_validator(mode="after")
    def _step_for_step_mode(self) -> Rounding:
        if self.rounding_mode == "CEIL_STEP" and self.rounding_step is None:
            raise ValueError("rounding_mode CEIL_STEP needs rounding_step")
        return self


class BumpParams(Rounding):
    """new = price × (1 + bump_percent/100) + bump_additive, rounded up by the mode."""

    bump_percent: Decimal = Field(ge=Decimal("-90"), le=Decimal("500"))
    bump_additive: Decimal = Field(default=Decimal("0"), ge=Decimal("-100000"), le=Decimal("100000"))


class RepriceParams(Rounding):
    """new = base(input_currency) × rate(shop)/rate(input) × (1 + markup_percent/100) + markup_additive."""

    rate_set_id: str = Field(min_length=1, max_length=64)
    input_currency: str = Field(pattern=r"^[A-Z]{3}$")
    shop_currency: str = Field(pattern=r"^[A-Z]{3}$")
    markup_percent: Decimal = Field(default=Decimal("0"), ge=Decimal("-90"), le=Decimal("500"))
    markup_additive: Decimal = Field(default=Decimal("0"), ge=Decimal("-100000"), le=Decimal("100000"))
    anomaly_threshold_pct: Decimal = Field(default=DEFAULT_ANOMALY_THRESHOLD_PCT, gt=0, le=Decimal("1000"))


class FxAutoParams(_Params):
    refresh_snapshot: bool = False
    # Bypasses the min-delta and cooldown checks (not the anomaly force step).
    force_apply: bool = False


class ProductsPublishParams(_Params):
    """`stock_lte` (products with stock ≤ N) is OwnerBot's filter, not the contract's: DEMO filters by it,
    SIS resolves it to `product_ids` through the read gateway first (`SisCatalogActions`)."""

    product_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    status_from: ProductStatus | None = None
    stock_lte: int | None = Field(default=None, ge=0, le=999)
    target_status: ProductStatus

    @model_validator(mode="after")
    def _some_filter(self) -> ProductsPublishParams:
        if self.product_ids is None and self.status_from is None and self.stock_lte is None:
            raise ValueError("give product_ids, status_from or stock_lte")
        return self


class LooksPublishParams(_Params):
    look_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    is_active_from: bool | None = None
    target_active: bool

    @model_validator(mode="after")
    def _some_filter(self) -> LooksPublishParams:
        if self.look_ids is None and self.is_active_from is None:
            raise ValueError("give look_ids or is_active_from")
        return self


class DiscountSetParams(_Params):
    """compare_at = list price (compare_at if already set, else price); price = list × (100 − d)/100."""

    product_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    only_active: bool = False
    stock_lte: int | None = Field(default=None, ge=0, le=100000)
    discount_percent: int = Field(ge=1, le=95)


class DiscountClearParams(_Params):
    """price = compare_at; discount_percent cleared; compare_at cleared too unless clear_compare_at=False."""

    product_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    only_active: bool = False
    clear_compare_at: bool = True


# -- outputs ----------------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriceChange(_Out):
    """One product's price change (`examples[]` of the contract, plus the product name)."""

    id: int
    name: str | None = None
    before: Decimal | None
    after: Decimal | None
    delta_pct: Decimal | None = None


class AnomalyInfo(_Out):
    threshold_pct: Decimal
    max_delta_pct: Decimal
    over_threshold_count: int
    examples_over_threshold: list[PriceChange] = Field(default_factory=list)

    @property
    def is_anomalous(self) -> bool:
        return self.over_threshold_count > 0


class PricePreview(_Out):
    """Preview of a bump or a reprice. `changes` is the whole plan; `examples` the first five of it."""

    affected_count: int
    max_delta_pct: Decimal
    warnings: list[str] = Field(default_factory=list)
    examples: list[PriceChange] = Field(default_factory=list)
    summary: str
    anomaly: AnomalyInfo | None = None
    currency: str
    rate_set_id: str | None = None
    changes: list[PriceChange] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class PriceApplyResult(_Out):
    status: Literal["committed"] = "committed"
    job_id: int | None = None  # reprice
    action_id: int | None = None  # bump
    affected_count: int
    max_delta_pct: Decimal
    summary: str
    warnings: list[str] = Field(default_factory=list)
    examples: list[PriceChange] = Field(default_factory=list)
    rollback_available: bool = False
    rollback_job_id: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class RepriceJobInfo(_Out):
    job_id: int
    rate_set_id: str | None
    created_at: datetime
    actor_id: int | None
    affected_count: int
    rolled_back_at: datetime | None
    params: dict[str, Any] = Field(default_factory=dict)


class RollbackPreview(_Out):
    affected_count: int
    job: RepriceJobInfo | None
    summary: str
    warnings: list[str] = Field(default_factory=list)
    examples: list[PriceChange] = Field(default_factory=list)


class RollbackResult(_Out):
    status: Literal["committed", "already_rolled_back"]
    job_id: int
    affected_count: int
    summary: str
    warnings: list[str] = Field(default_factory=list)


class FxSnapshotInfo(_Out):
    rate_set_id: str
    base_currency: str
    rates: dict[str, str]
    fetched_at: datetime


class FxStatus(_Out):
    mode: str
    provider: str
    last_snapshot: FxSnapshotInfo | None
    thresholds: dict[str, Any]
    cooldown_hours: int
    schedule: dict[str, Any]
    last_apply: RepriceJobInfo | None
    settings: dict[str, Any]


class FxAutoPreview(_Out):
    status: FxAutoStatus
    would_apply: bool
    reason: str | None = None
    summary: str
    warnings: list[str] = Field(default_factory=list)
    rate_set_id: str | None = None
    baseline_rate_set_id: str | None = None
    rate_delta_abs: Decimal | None = None
    rate_delta_pct: Decimal | None = None
    reprice: PricePreview | None = None


class FxAutoResult(_Out):
    status: Literal["committed", "skipped", "noop", "no_change"]
    would_apply: bool
    reason: str | None = None
    summary: str
    warnings: list[str] = Field(default_factory=list)
    job_id: int | None = None
    affected_count: int = 0
    rate_set_id: str | None = None
    # True when the answer is the stored result of an earlier call with the same Idempotency-Key.
    replayed: bool = False


class FxSettingsChange(_Out):
    before: dict[str, Any]
    after: dict[str, Any]
    changed_keys: list[str]


class StateChange(_Out):
    """One product's status or one look's activity, before → after (`examples[]`)."""

    id: int
    name: str | None = None
    before: str
    after: str


class StatePreview(_Out):
    """Publish and discount previews: `ids` are exactly the targets that would change."""

    affected_count: int
    examples: list[StateChange] = Field(default_factory=list)
    summary: str
    warnings: list[str] = Field(default_factory=list)
    ids: list[int] = Field(default_factory=list)
    matched_count: int = 0


class StateApplyResult(_Out):
    status: Literal["committed"] = "committed"
    affected_count: int
    summary: str
    warnings: list[str] = Field(default_factory=list)
    ids: list[int] = Field(default_factory=list)
    examples: list[StateChange] = Field(default_factory=list)


# -- the protocol -----------------------------------------------------------------------------------


class CatalogActions(Protocol):
    """The catalog operations of one shop. `actor_id` is the Telegram id recorded with each change."""

    @property
    def sources(self) -> tuple[str, ...]:
        """What is read and written (provenance), e.g. `demo:demo_products`."""
        ...

    async def prices_bump_preview(self, params: BumpParams) -> PricePreview: ...

    async def prices_bump_apply(
        self, params: BumpParams, *, actor_id: int, now: datetime
    ) -> PriceApplyResult: ...

    async def reprice_preview(self, params: RepriceParams) -> PricePreview: ...

    async def reprice_apply(
        self, params: RepriceParams, *, force: bool, actor_id: int, now: datetime
    ) -> PriceApplyResult: ...

    async def rollback_preview(self) -> RollbackPreview: ...

    async def rollback_apply(self, job_id: int | None, *, actor_id: int, now: datetime) -> RollbackResult: ...

    async def fx_status(self) -> FxStatus: ...

    async def fx_auto_preview(self, params: FxAutoParams, *, now: datetime) -> FxAutoPreview: ...

    async def fx_auto_apply(
        self, params: FxAutoParams, *, idempotency_key: str, force: bool, actor_id: int, now: datetime
    ) -> FxAutoResult: ...

    async def fx_settings_preview(self, updates: dict[str, Any]) -> FxSettingsChange: ...

    async def fx_settings_update(
        self, updates: dict[str, Any], *, actor_id: int, now: datetime
    ) -> FxSettingsChange: ...

    async def products_publish_preview(self, params: ProductsPublishParams) -> StatePreview: ...

    async def products_publish_apply(
        self, params: ProductsPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult: ...

    async def looks_publish_preview(self, params: LooksPublishParams) -> StatePreview: ...

    async def looks_publish_apply(
        self, params: LooksPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult: ...

    async def discounts_set_preview(self, params: DiscountSetParams) -> StatePreview: ...

    async def discounts_set_apply(
        self, params: DiscountSetParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult: ...

    async def discounts_clear_preview(self, params: DiscountClearParams) -> StatePreview: ...

    async def discounts_clear_apply(
        self, params: DiscountClearParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult: ...


def build_catalog_actions(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    mode: UpstreamMode | None = None,
    sis_client: SisClient | None = None,
) -> CatalogActions | None:
    """The catalog of `mode` (default: the configured one): DEMO acts on its own tables; SIS_HTTP and
    AUTO act on SIS (AUTO never writes to DEMO); None when SIS is not configured."""
    from ownerbot.config.settings import UpstreamMode

    mode = mode or settings.upstream_mode
    if mode is UpstreamMode.DEMO:
        from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions

        return DemoCatalogActions(session_factory, currency=settings.shop_currency)
    if sis_client is None:
        if not settings.sis_base_url or settings.sis_ownerbot_api_key is None:
            return None
        from ownerbot.upstream.sis.client import get_sis_client

        sis_client = get_sis_client(settings)
    from ownerbot.upstream.sis.catalog_actions import SisCatalogActions

    if not settings.shop_id.isdigit():
        raise ValueError(f"SHOP_ID must be an integer for SIS actions, got {settings.shop_id!r}")
    return SisCatalogActions(
        sis_client,
        shop_id=int(settings.shop_id),
        currency=settings.shop_currency,
        # Previews carry no actor in the protocol; SIS wants one on every body (an allowed admin).
        preview_actor_id=min(settings.owner_ids) if settings.owner_ids else None,
    )
