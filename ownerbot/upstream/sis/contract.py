"""Pydantic models of the SIS contract (`SIS_CONTRACT.md`), the endpoint table, and the drift check.

Models tolerate unknown fields (SIS may add some at any deploy); a missing or mistyped field of a
known answer becomes a `DriftWarning` naming the endpoint and the field, not a failure — except the
read envelope's provenance, without which an answer is never shown as fact (`PROVENANCE_INCOMPLETE`).
Money is a decimal string on the wire and `Decimal` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

CONTRACT_VERSION = "1.0"
READ_PREFIX = "/ownerbot/v1"
ACTIONS_PREFIX = "/ownerbot/v1/actions"


class ContractModel(BaseModel):
    """Unknown extra fields are kept, never rejected."""

    model_config = ConfigDict(extra="allow")


# -- read gateway -------------------------------------------------------------------------------------


class Provenance(ContractModel):
    sources: list[str] = Field(min_length=1)
    window: dict[str, Any] | None = None
    filters_hash: str | None = None


class ReadEnvelope(ContractModel):
    as_of: AwareDatetime
    data: dict[str, Any]
    provenance: Provenance
    warnings: list[Any] = Field(default_factory=list)


class PingData(ContractModel):
    ok: bool
    version: str
    contract_version: str


class KpiSummaryData(ContractModel):
    revenue_gross: Decimal
    revenue_net: Decimal
    orders_created: int
    orders_paid: int
    aov: Decimal | None
    refunds: Decimal
    currency: str


class TrendPoint(ContractModel):
    day: date
    revenue_gross: Decimal
    orders_paid: int


class RevenueTrendData(ContractModel):
    series: list[TrendPoint]
    totals: dict[str, Any]
    currency: str


class OrderListItemData(ContractModel):
    order_id: str
    created_at: AwareDatetime
    status: str
    payment_plan: str
    payment_stage: str
    total: Decimal
    amount_paid: Decimal
    due_now: Decimal
    currency: str


class OrdersSearchData(ContractModel):
    items: list[OrderListItemData]
    count: int
    next_cursor: str | None


class OrderData(ContractModel):
    order_id: str
    status: str
    payment_plan: str
    payment_stage: str
    total: Decimal
    amount_paid: Decimal
    due_now: Decimal
    remaining_due: Decimal
    currency: str
    customer: dict[str, Any]
    items: list[dict[str, Any]]
    created_at: AwareDatetime
    flagged: bool


class RankedRow(ContractModel):
    id: int
    name: str
    qty: int
    revenue: Decimal


class ProductsTopData(ContractModel):
    rows: list[RankedRow]
    metric: str
    direction: str
    group_by: str
    currency: str


class InventoryStatusData(ContractModel):
    low_stock_lte: int
    counts: dict[str, int]
    lists: dict[str, list[dict[str, Any]]]


class ChatThreadData(ContractModel):
    thread_id: str
    last_customer_msg_at: AwareDatetime
    last_manager_msg_at: AwareDatetime | None


class ChatsUnansweredData(ContractModel):
    count: int
    threads: list[ChatThreadData]


class FunnelStage(ContractModel):
    stage: str
    orders: int
    total: Decimal
    due_now: Decimal


class FunnelResponseData(ContractModel):
    orders_created: int
    stages: list[FunnelStage]
    due_buckets: list[dict[str, Any]]
    currency: str


class AccessSummaryData(ContractModel):
    denials_total: int
    by_target: list[dict[str, Any]]
    by_action: list[dict[str, Any]]
    by_reason: list[dict[str, Any]]
    expiries_total: int


class EventEnvelope(ContractModel):
    """One business event (§5); unknown names and fields are tolerated by consumers."""

    event_id: str
    event_name: str
    schema_version: int
    occurred_at: AwareDatetime
    business_id: str
    dedupe_key: str | None = None
    subject_type: str
    subject_id: str
    actor_user_id: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)


class EventsData(ContractModel):
    events: list[EventEnvelope]
    next_cursor: str | None


# -- actions --------------------------------------------------------------------------------------------

RoundingMode = Literal["CEIL_INT", "CEIL_0_50", "CEIL_0_99", "CEIL_STEP"]
FX_SETTINGS_KEYS: frozenset[str] = frozenset(
    {
        "reprice_schedule_mode",
        "reprice_schedule_interval_hours",
        "reprice_schedule_notify_on_success",
        "reprice_schedule_notify_on_failure",
        "min_rate_delta_abs",
        "min_rate_delta_percent",
        "min_apply_cooldown_hours",
        "provider",
    }
)


class ActionBody(ContractModel):
    """Fields every action body carries."""

    shop_id: int = 1
    actor_tg_id: int
    actor_name: str | None = None


class RepriceBody(ActionBody):
    rate_set_id: str
    input_currency: str
    shop_currency: str
    markup_percent: Decimal = Decimal("0")
    markup_additive: Decimal = Decimal("0")
    rounding_mode: RoundingMode = "CEIL_INT"
    rounding_step: Decimal | None = None
    anomaly_threshold_pct: Decimal = Decimal("25")
    force: bool = False


class PricesBumpBody(ActionBody):
    bump_percent: Decimal
    bump_additive: Decimal = Decimal("0")
    rounding_mode: RoundingMode = "CEIL_INT"
    rounding_step: Decimal | None = None
    force: bool = False


class FxBody(ActionBody):
    refresh_snapshot: bool = False
    force_apply: bool = False


class FxSettingsBody(ActionBody):
    updates: dict[str, Any]


class ProductsPublishBody(ActionBody):
    product_ids: list[int] | None = None
    status_from: Literal["ACTIVE", "ARCHIVED", "HIDDEN"] | None = None
    target_status: Literal["ACTIVE", "ARCHIVED", "HIDDEN"]
    reason: str | None = None
    force: bool = False


class LooksPublishBody(ActionBody):
    look_ids: list[int] | None = None
    is_active_from: bool | None = None
    target_active: bool
    reason: str | None = None
    force: bool = False


class DiscountsSetBody(ActionBody):
    product_ids: list[int] | None = None
    only_active: bool | None = None
    stock_lte: int | None = Field(default=None, ge=0)
    discount_percent: int = Field(ge=1, le=95)
    reason: str | None = None
    force: bool = False


class DiscountsClearBody(ActionBody):
    product_ids: list[int] | None = None
    only_active: bool | None = None
    clear_compare_at: bool | None = None
    reason: str | None = None
    force: bool = False


class PriceExample(ContractModel):
    id: int | str
    before: Any
    after: Any
    delta_pct: Decimal | None = None


class AnomalyInfo(ContractModel):
    threshold_pct: Decimal
    max_delta_pct: Decimal | None
    over_threshold_count: int
    examples_over_threshold: list[Any] = Field(default_factory=list)


class PreviewData(ContractModel):
    affected_count: int
    warnings: list[Any] = Field(default_factory=list)
    examples: list[PriceExample] = Field(default_factory=list)
    summary: Any = None


class RepricePreviewData(PreviewData):
    max_delta_pct: Decimal | None
    anomaly: AnomalyInfo | None = None


class ApplyData(ContractModel):
    status: str
    summary: Any = None


class FxStatusData(ContractModel):
    mode: str | None = None
    provider: str | None = None
    last_snapshot: dict[str, Any] | None


class FxPreviewData(ContractModel):
    would_apply: bool
    status: str


class ActionEnvelope(ContractModel):
    ok: bool
    status: str | None = None
    correlation_id: str | None = None
    request_hash: str | None = None
    warnings: list[Any] = Field(default_factory=list)
    data: dict[str, Any] | None = None
    error: Any = None


class ErrorBody(ContractModel):
    detail: Any
    error_code: str | None = None
    correlation_id: str | None = None


def is_action_envelope(body: object) -> bool:
    """An Actions API body wrapped in the envelope (`ok` and `data` present) rather than legacy."""
    return isinstance(body, dict) and isinstance(body.get("ok"), bool) and "data" in body


# -- the endpoint table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One contract endpoint. `path` is relative to its prefix; `family` groups faults and capabilities.

    `safe`: may be retried on transient failures (reads, previews, ping, status).
    """

    key: str
    method: str
    path: str
    family: str
    safe: bool
    data_model: type[ContractModel] | None = None
    body_model: type[ActionBody] | None = None
    idempotency_key: bool = False


READ_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("ping", "GET", "/ping", "ping", True, PingData),
    Endpoint("kpi_summary", "GET", "/kpi/summary", "kpi", True, KpiSummaryData),
    Endpoint("revenue_trend", "GET", "/revenue/trend", "trend", True, RevenueTrendData),
    Endpoint("orders_search", "GET", "/orders/search", "orders", True, OrdersSearchData),
    Endpoint("order", "GET", "/orders/{order_id}", "orders", True, OrderData),
    Endpoint("products_top", "GET", "/products/top", "products", True, ProductsTopData),
    Endpoint("inventory_status", "GET", "/inventory/status", "inventory", True, InventoryStatusData),
    Endpoint("chats_unanswered", "GET", "/chats/unanswered", "chats", True, ChatsUnansweredData),
    Endpoint("funnel", "GET", "/funnel", "funnel", True, FunnelResponseData),
    Endpoint("access_summary", "GET", "/access/summary", "access", True, AccessSummaryData),
    Endpoint("events", "GET", "/events", "events", True, EventsData),
)

ACTION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("reprice_preview", "POST", "/reprice/preview", "reprice", True, RepricePreviewData, RepriceBody),
    Endpoint("reprice_apply", "POST", "/reprice/apply", "reprice", False, ApplyData, RepriceBody),
    Endpoint(
        "prices_bump_preview",
        "POST",
        "/prices/bump/preview",
        "prices_bump",
        True,
        PreviewData,
        PricesBumpBody,
    ),
    Endpoint(
        "prices_bump_apply", "POST", "/prices/bump/apply", "prices_bump", False, ApplyData, PricesBumpBody
    ),
    Endpoint(
        "rollback_preview",
        "POST",
        "/reprice/rollback/preview",
        "prices_rollback",
        True,
        PreviewData,
        ActionBody,
    ),
    Endpoint(
        "rollback_apply", "POST", "/reprice/rollback/apply", "prices_rollback", False, ApplyData, ActionBody
    ),
    Endpoint("fx_status", "GET", "/fx/status", "fx", True, FxStatusData),
    Endpoint("fx_preview", "POST", "/fx/preview", "fx", True, FxPreviewData, FxBody),
    Endpoint("fx_apply", "POST", "/fx/apply", "fx", False, FxPreviewData, FxBody, idempotency_key=True),
    Endpoint("fx_settings", "PATCH", "/fx/settings", "fx", False, None, FxSettingsBody),
    Endpoint(
        "products_publish_preview",
        "POST",
        "/products/publish/preview",
        "products_publish",
        True,
        PreviewData,
        ProductsPublishBody,
    ),
    Endpoint(
        "products_publish_apply",
        "POST",
        "/products/publish/apply",
        "products_publish",
        False,
        ApplyData,
        ProductsPublishBody,
    ),
    Endpoint(
        "looks_publish_preview",
        "POST",
        "/looks/publish/preview",
        "looks_publish",
        True,
        PreviewData,
        LooksPublishBody,
    ),
    Endpoint(
        "looks_publish_apply",
        "POST",
        "/looks/publish/apply",
        "looks_publish",
        False,
        ApplyData,
        LooksPublishBody,
    ),
    Endpoint(
        "discounts_set_preview",
        "POST",
        "/discounts/set/preview",
        "discounts",
        True,
        PreviewData,
        DiscountsSetBody,
    ),
    Endpoint(
        "discounts_set_apply", "POST", "/discounts/set/apply", "discounts", False, ApplyData, DiscountsSetBody
    ),
    Endpoint(
        "discounts_clear_preview",
        "POST",
        "/discounts/clear/preview",
        "discounts",
        True,
        PreviewData,
        DiscountsClearBody,
    ),
    Endpoint(
        "discounts_clear_apply",
        "POST",
        "/discounts/clear/apply",
        "discounts",
        False,
        ApplyData,
        DiscountsClearBody,
    ),
)

ENDPOINTS: dict[str, Endpoint] = {e.key: e for e in READ_ENDPOINTS + ACTION_ENDPOINTS}
READ_FAMILIES: frozenset[str] = frozenset(e.family for e in READ_ENDPOINTS)
ACTION_FAMILIES: frozenset[str] = frozenset(e.family for e in ACTION_ENDPOINTS)


def endpoint_url_path(endpoint: Endpoint) -> str:
    """The full path of an endpoint below the SIS root (`/ownerbot/v1/...`)."""
    prefix = READ_PREFIX if endpoint in READ_ENDPOINTS else ACTIONS_PREFIX
    return prefix + endpoint.path


# -- drift ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftWarning:
    """A field of a SIS answer that does not match the contract: missing, or of the wrong type."""

    endpoint: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.field} — {self.problem}"


def _drift_from(endpoint: str, exc: ValidationError, prefix: str = "") -> list[DriftWarning]:
    found = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        problem = "missing" if error["type"] == "missing" else f"mistyped ({error['msg']})"
        found.append(
            DriftWarning(endpoint, f"{prefix}{field}" if field else prefix.rstrip(".") or "(body)", problem)
        )
    return found


def check_drift(
    model: type[BaseModel], payload: object, *, endpoint: str, prefix: str = ""
) -> list[DriftWarning]:
    """Validate `payload` against `model`; every missing or mistyped field becomes one warning."""
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        return _drift_from(endpoint, exc, prefix)
    return []
