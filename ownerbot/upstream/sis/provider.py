"""The SIS provider: the read questions the gateway covers (`SIS_CONTRACT.md` §2), over `SisClient`.

Covered: sales `kpi_totals` (`/kpi/summary`), `daily_series` (`/revenue/trend`), `top_products`
(`/products/top`), `funnel` (`/funnel`); ops `search_orders` (`/orders/search`), `order_detail`
(`/orders/{order_id}`), `inventory` (`/inventory/status`), `unanswered_threads` (`/chats/unanswered`),
`access` (`/access/summary`). Every other question raises `ProviderNotSupported` (the tool answers
`NOT_SUPPORTED`), as does a bare 404 from SIS (the endpoint is absent there). With `events` (stored SIS
events, `event_readers.py`), `renewals` and `nudges` answer from events, and `funnel`/`access` fall
back to them when the gateway answers 404 (source `sis:events`).

Answers are mapped onto the same DTOs as DEMO. Their `sources` are the gateway path
(`/ownerbot/v1/kpi/summary`); tools prefix them with `sis:`. Failures keep their SIS code:
`ProviderUnavailable(code=SIS_UNAVAILABLE)` for transient ones (network, timeout, 429, 5xx, breaker
open), `ProviderUnavailable(code=SIS_AUTH_ERROR | PROVENANCE_INCOMPLETE | VALIDATION_ERROR)` for the
rest, so the runner answers with the contract's code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable
from ownerbot.upstream.ops import (
    INVENTORY_SECTIONS,
    AccessData,
    InvalidCursor,
    InventoryData,
    InventorySection,
    NudgeHealth,
    OrderDetail,
    OrderPage,
    OrderQuery,
    PaymentFailures,
    QueueSummary,
    RenewalsData,
    UnansweredThreads,
)
from ownerbot.upstream.sales import (
    CatalogSnapshot,
    CouponReport,
    DailyPoint,
    DailySeries,
    FunnelData,
    KpiTotals,
    PaymentIssueStats,
    ProductDailyUnits,
    ProductGrouping,
    ProductRanking,
    ProductSalesRow,
    RankDirection,
    RankMetric,
)
from ownerbot.upstream.sis.client import ReadResult, SisClient
from ownerbot.upstream.sis.contract import ENDPOINTS, endpoint_url_path
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.event_readers import SisEventReaders

M = TypeVar("M", bound=BaseModel)

SHAPE_DETAIL = "SIS answered in an unexpected shape; the data is not shown"


def gateway_path(key: str) -> str:
    """The read gateway path of an endpoint key (`kpi_summary` → `/ownerbot/v1/kpi/summary`)."""
    return endpoint_url_path(ENDPOINTS[key])


def not_supported(question: str) -> NoReturn:
    raise ProviderNotSupported(f"the SIS read gateway has no endpoint for {question}")


def to_provider_error(error: SisError) -> Exception:
    """`SisError` → the provider-level exception the runner understands (the code is kept)."""
    if error.code is ErrorCode.NOT_SUPPORTED:
        return ProviderNotSupported(f"SIS has no {error.endpoint} endpoint (404)")
    return ProviderUnavailable(error.owner_text, code=error.code.value)


async def _read(call: Callable[[], Awaitable[ReadResult]]) -> ReadResult:
    try:
        return await call()
    except SisError as error:
        raise to_provider_error(error) from None


def _build(model: type[M], data: Mapping[str, Any], **fixed: Any) -> M:
    """`model` from SIS data: unknown fields dropped, `fixed` values set; bad shape → unavailable."""
    known = {k: v for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate({**known, **fixed})
    except ValidationError:
        raise ProviderUnavailable(SHAPE_DETAIL, code=ErrorCode.VALIDATION_ERROR.value) from None


def _dec(value: Any, default: Decimal = Decimal("0")) -> Decimal:
    return default if value is None else Decimal(str(value))


class SisSalesReader:
    """`SalesReader` over the read gateway."""

    def __init__(
        self, client: SisClient, *, tz: str, currency: str, events: SisEventReaders | None = None
    ) -> None:
        self._client = client
        self._tz = tz
        self._currency = currency
        self._events = events

    async def kpi_totals(self, window: DayWindow) -> KpiTotals:
        result = await _read(lambda: self._client.kpi_summary(window.start, window.end, window.tz))
        d = result.data
        orders_paid = int(d.get("orders_paid") or 0)
        paid_value = d.get("paid_orders_value")
        if paid_value is None:  # the contract gives aov; the total value follows from it
            paid_value = _dec(d.get("aov")) * orders_paid
        return _build(
            KpiTotals,
            {},
            start=window.start,
            end=window.end,
            currency=d.get("currency") or self._currency,
            revenue_gross=_dec(d.get("revenue_gross")),
            refunds=_dec(d.get("refunds")),
            orders_created=int(d.get("orders_created") or 0),
            orders_paid=orders_paid,
            paid_orders_value=_dec(paid_value),
            days_covered=d.get("days_covered"),
            sources=(gateway_path("kpi_summary"),),
        )

    async def daily_series(self, window: DayWindow) -> DailySeries:
        result = await _read(lambda: self._client.revenue_trend(window.start, window.end, window.tz))
        d = result.data
        by_day: dict[date, dict[str, Any]] = {}
        for raw in d.get("series") or []:
            if isinstance(raw, dict) and raw.get("day"):
                by_day[date.fromisoformat(str(raw["day"]))] = raw
        points = []
        for offset in range(window.n_days):
            day = window.start + timedelta(days=offset)
            raw = by_day.get(day)
            if raw is None:
                points.append(
                    DailyPoint(day=day, revenue_gross=Decimal("0.00"), orders_paid=0, covered=False)
                )
            else:
                points.append(
                    _build(
                        DailyPoint,
                        {},
                        day=day,
                        revenue_gross=_dec(raw.get("revenue_gross")),
                        orders_paid=int(raw.get("orders_paid") or 0),
                    )
                )
        return DailySeries(
            start=window.start,
            end=window.end,
            currency=d.get("currency") or self._currency,
            points=tuple(points),
            sources=(gateway_path("revenue_trend"),),
        )

    async def top_products(
        self,
        window: DayWindow,
        *,
        metric: RankMetric,
        direction: RankDirection,
        group_by: ProductGrouping,
        limit: int,
    ) -> ProductRanking:
        result = await _read(
            lambda: self._client.products_top(
                window.start,
                window.end,
                window.tz,
                metric=metric,
                direction=direction,
                group_by=group_by,
                limit=limit,
            )
        )
        d = result.data
        rows = tuple(
            _build(ProductSalesRow, {"category_id": None, "category_name": None, "orders": 0, **raw})
            for raw in d.get("rows") or []
            if isinstance(raw, dict)
        )
        return _build(
            ProductRanking,
            d,
            start=window.start,
            end=window.end,
            currency=d.get("currency") or self._currency,
            metric=metric,
            direction=direction,
            group_by=group_by,
            rows=rows,
            total_qty=d.get("total_qty", sum(r.qty for r in rows)),
            total_revenue=d.get("total_revenue", sum((r.revenue for r in rows), Decimal("0"))),
            total_orders=d.get("total_orders", sum(r.orders for r in rows)),
            candidates=d.get("candidates", len(rows)),
            sources=(gateway_path("products_top"),),
        )

    async def funnel(self, window: DayWindow, now: datetime) -> FunnelData:
        try:
            result = await _read(lambda: self._client.funnel(window.start, window.end, window.tz))
        except ProviderNotSupported:
            if self._events is None:
                raise
            return await self._events.funnel(window, now)  # no /funnel in this SIS: from events
        d = result.data
        return _build(
            FunnelData,
            {"cancelled": 0, "deposit_paid": 0, "deposit_dropped": 0, **d},
            start=window.start,
            end=window.end,
            as_of=d.get("as_of") or result.as_of or now,
            currency=d.get("currency") or self._currency,
            sources=(gateway_path("funnel"),),
        )

    async def payment_issues(self, window: DayWindow) -> PaymentIssueStats:
        not_supported("payment issues")

    async def coupon_usage(self, window: DayWindow, now: datetime) -> CouponReport:
        not_supported("coupons")

    async def product_daily_units(self, window: DayWindow) -> ProductDailyUnits:
        not_supported("units per product and day")

    async def catalog_products(self) -> CatalogSnapshot:
        not_supported("the product catalog")


class SisOpsReader:
    """`OpsReader` over the read gateway."""

    def __init__(self, client: SisClient, events: SisEventReaders | None = None) -> None:
        self._client = client
        self._events = events

    async def search_orders(self, query: OrderQuery, now: datetime) -> OrderPage:
        params: dict[str, str | int | bool | None] = {
            "q": query.q,
            "status": query.status,
            "preset": query.preset,
            "flagged": query.flagged,
            "since_hours": query.since_hours,
            "limit": query.limit,
            "cursor": query.cursor,
        }
        try:
            result = await self._client.orders_search(**params)
        except SisError as error:
            if query.cursor and error.code is ErrorCode.VALIDATION_ERROR and "cursor" in error.detail:
                raise InvalidCursor(error.detail) from None
            raise to_provider_error(error) from None
        d = result.data
        return _build(
            OrderPage,
            d,
            as_of=result.as_of or now.astimezone(UTC),
            sources=(gateway_path("orders_search"),),
        )

    async def order_detail(self, order_id: str) -> OrderDetail | None:
        try:
            result = await self._client.order(order_id)
        except SisError as error:
            if error.code is ErrorCode.NOT_FOUND:
                return None
            raise to_provider_error(error) from None
        return _build(OrderDetail, result.data, sources=(gateway_path("order"),))

    async def inventory(
        self, low_stock_lte: int, section: InventorySection | None, limit: int
    ) -> InventoryData:
        result = await _read(lambda: self._client.inventory_status(low_stock_lte=low_stock_lte, limit=limit))
        d = result.data
        wanted = INVENTORY_SECTIONS if section is None else (section,)
        raw_lists = d.get("lists") if isinstance(d.get("lists"), dict) else {}
        assert isinstance(raw_lists, dict)
        lists = {name: raw_lists.get(name, [])[:limit] for name in wanted}
        return _build(
            InventoryData,
            d,
            low_stock_lte=low_stock_lte,
            lists=lists,
            sources=(gateway_path("inventory_status"),),
        )

    async def unanswered_threads(
        self, threshold_minutes: int, limit: int, now: datetime
    ) -> UnansweredThreads:
        result = await _read(
            lambda: self._client.chats_unanswered(older_than_minutes=threshold_minutes, limit=limit)
        )
        return _build(
            UnansweredThreads,
            result.data,
            threshold_minutes=threshold_minutes,
            sources=(gateway_path("chats_unanswered"),),
        )

    async def queue_summary(self, now: datetime) -> QueueSummary:
        not_supported("the team queue summary")

    async def access(self, window: DayWindow) -> AccessData:
        try:
            result = await _read(lambda: self._client.access_summary(window.start, window.end))
        except ProviderNotSupported:
            if self._events is None:
                raise
            return await self._events.access(window)  # no /access/summary in this SIS: from events
        return _build(AccessData, result.data, sources=(gateway_path("access_summary"),))

    async def renewals(self, window: DayWindow) -> RenewalsData:
        if self._events is None:
            not_supported("renewals")
        return await self._events.renewals(window)

    async def nudges(self, window: DayWindow, now: datetime, *, list_limit: int = 10) -> NudgeHealth:
        if self._events is None:
            not_supported("AutoNudge")
        return await self._events.nudges(window, now, list_limit=list_limit)

    async def payment_failures(self, since: datetime, until: datetime) -> PaymentFailures:
        not_supported("payment failures")


class SisProvider:
    """Implements `UpstreamProvider` over one `SisClient` (the process-wide one in production)."""

    name = "SIS"
    source_prefix = "sis:"

    def __init__(
        self, client: SisClient, *, tz: str, currency: str, events: SisEventReaders | None = None
    ) -> None:
        self.client = client
        self._sales = SisSalesReader(client, tz=tz, currency=currency, events=events)
        self._ops = SisOpsReader(client, events)

    @property
    def sales(self) -> SisSalesReader:
        return self._sales

    @property
    def ops(self) -> SisOpsReader:
        return self._ops
