"""`CatalogActions` over the SIS Actions API v1 (`SIS_CONTRACT.md` §3) through the pooled `SisClient`.

Bodies carry `shop_id` and `actor_tg_id` (the client adds `X-OWNERBOT-KEY`, `X-ACTOR-TG-ID`, the
correlation id of the owner's request and, for `/fx/apply`, the pipeline claim's `Idempotency-Key`);
decimals travel as strings. Answers come as the envelope or the legacy plain body (the client
normalises both) and are parsed leniently (`catalog_answers.py`).

SIS failures become the typed catalog errors: 409 anomaly → `CatalogForceRequired` (with the anomaly),
409 otherwise → `CatalogConflict`, 422 → `CatalogValidationError` (`VALIDATION_ERROR` or
`SIS_RATE_MISSING`), 401/403/404/transient → `CatalogUpstreamError` with the stable code, and a write
whose request was sent but whose answer was lost → `CatalogOutcomeUnknown` (the client never repeats
it; the pipeline ends the action `unknown`).

Previews take no actor in the protocol; SIS still wants one, so they carry `preview_actor_id` (the
first configured owner). Applies carry the confirming owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.catalog import (
    MAX_EXAMPLES,
    STOCK_IDS_FROM_INVENTORY,
    STOCK_LIST_TRUNCATED,
    BumpParams,
    CatalogConflict,
    CatalogError,
    CatalogForceRequired,
    CatalogIdempotencyConflict,
    CatalogOutcomeUnknown,
    CatalogUpstreamError,
    CatalogValidationError,
    DiscountClearParams,
    DiscountSetParams,
    FxAutoParams,
    FxAutoPreview,
    FxAutoResult,
    FxSettingsChange,
    FxStatus,
    LooksPublishParams,
    PriceApplyResult,
    PricePreview,
    ProductsPublishParams,
    RepriceParams,
    RollbackPreview,
    RollbackResult,
    StateApplyResult,
    StatePreview,
)
from ownerbot.upstream.demo.catalog_ops import validate_fx_updates
from ownerbot.upstream.sis.catalog_answers import (
    EMPTY_ANOMALY,
    anomaly_of,
    as_dec,
    as_dict,
    as_int,
    as_text,
    job_of,
    opt_int,
    opt_text,
    price_apply,
    price_changes,
    price_preview,
    snapshot_of,
    state_apply,
    state_preview,
    warning_codes,
)
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.errors import SisError

SOURCE = "sis:/ownerbot/v1/actions"
# The read gateway's largest list (per section) when `stock_lte` is resolved to product ids.
INVENTORY_LIST_LIMIT = 200
# Inventory sections whose products `stock_lte` can select: ACTIVE (stock 0, low stock) and HIDDEN.
_STOCK_SECTIONS = ("out_of_stock", "low_stock", "unpublished")
_FX_AUTO_STATUSES = ("preview", "skipped", "noop", "no_change")
_FX_RESULT_STATUSES = ("committed", "skipped", "noop", "no_change")


def catalog_error(error: SisError) -> CatalogError:
    """A `SisError` as the typed catalog failure (contract §3 error table)."""
    details: dict[str, Any] = {"endpoint": error.endpoint, "status": error.status}
    if error.correlation_id:
        details["correlation_id"] = error.correlation_id
    if error.outcome_unknown:
        return CatalogOutcomeUnknown(
            f"{error.detail}. SIS may or may not have applied the change: check it before repeating"
            f" (code {error.correlation_id or '—'}).",
            details,
        )
    code = error.code
    if code is ErrorCode.ANOMALY_FORCE_REQUIRED:
        payload = error.payload or {}
        return CatalogForceRequired(error.detail, anomaly_of(payload.get("anomaly")) or EMPTY_ANOMALY)
    if code is ErrorCode.IDEMPOTENCY_CONFLICT:
        return CatalogIdempotencyConflict(error.detail, details)
    if code is ErrorCode.VALIDATION_ERROR and error.status == 409:
        return CatalogConflict(error.detail, details)
    if code in (ErrorCode.VALIDATION_ERROR, ErrorCode.SIS_RATE_MISSING):
        return CatalogValidationError(error.detail, details, code=code.value)
    if code is ErrorCode.SIS_AUTH_ERROR:
        # 401 = key missing, 403 = key invalid or shop/actor not allowed: SIS's detail says which.
        which = "key missing" if error.status == 401 else "access denied"
        return CatalogUpstreamError(f"SIS {which}: {error.detail}", details, code=code.value)
    if code in (ErrorCode.NOT_SUPPORTED, ErrorCode.NOT_FOUND):
        return CatalogUpstreamError(
            f"SIS does not support this action ({error.endpoint}): {error.detail}",
            details,
            code=ErrorCode.NOT_SUPPORTED.value,
        )
    return CatalogUpstreamError(error.detail, details, code=code.value)


class SisCatalogActions:
    """The shop's catalog operations on SIS. One per process, sharing the process-wide `SisClient`."""

    def __init__(
        self,
        client: SisClient,
        *,
        shop_id: int = 1,
        currency: str,
        preview_actor_id: int | None = None,
    ) -> None:
        self._client = client
        self._shop_id = shop_id
        self._currency = currency
        self._preview_actor = preview_actor_id

    @property
    def sources(self) -> tuple[str, ...]:
        return (SOURCE,)

    async def _call(
        self,
        key: str,
        body: Mapping[str, Any] | None = None,
        *,
        actor_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        actor = actor_id if actor_id is not None else self._preview_actor
        payload = {"shop_id": self._shop_id, **(body or {})}
        try:
            result = await self._client.action(
                key, payload, actor_tg_id=actor, idempotency_key=idempotency_key
            )
        except SisError as exc:
            raise catalog_error(exc) from None
        return result.data

    # -- prices -------------------------------------------------------------------------------

    async def prices_bump_preview(self, params: BumpParams) -> PricePreview:
        return price_preview(
            await self._call("prices_bump_preview", _body(params, BumpParams)), self._currency
        )

    async def prices_bump_apply(
        self, params: BumpParams, *, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        data = await self._call("prices_bump_apply", _body(params, BumpParams), actor_id=actor_id)
        return price_apply(data)

    async def reprice_preview(self, params: RepriceParams) -> PricePreview:
        return price_preview(
            await self._call("reprice_preview", _body(params, RepriceParams)), self._currency
        )

    async def reprice_apply(
        self, params: RepriceParams, *, force: bool, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        body = {**_body(params, RepriceParams), "force": force}
        return price_apply(await self._call("reprice_apply", body, actor_id=actor_id))

    async def rollback_preview(self) -> RollbackPreview:
        data = await self._call("rollback_preview", {})
        return RollbackPreview(
            affected_count=as_int(data.get("affected_count")),
            job=job_of(data.get("job")),
            summary=as_text(data.get("summary")),
            warnings=warning_codes(data.get("warnings")),
            examples=price_changes(data.get("examples"))[:MAX_EXAMPLES],
        )

    async def rollback_apply(self, job_id: int | None, *, actor_id: int, now: datetime) -> RollbackResult:
        body = {} if job_id is None else {"job_id": job_id}
        data = await self._call("rollback_apply", body, actor_id=actor_id)
        status: Literal["committed", "already_rolled_back"] = (
            "already_rolled_back" if data.get("status") == "already_rolled_back" else "committed"
        )
        return RollbackResult(
            status=status,
            job_id=as_int(data.get("job_id"), job_id or 0),
            affected_count=as_int(data.get("affected_count")),
            summary=as_text(data.get("summary")),
            warnings=warning_codes(data.get("warnings")),
        )

    # -- FX -----------------------------------------------------------------------------------

    async def fx_status(self) -> FxStatus:
        data = await self._call("fx_status")
        settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
        return FxStatus(
            mode=as_text(data.get("mode"), "unknown"),
            provider=as_text(data.get("provider"), "unknown"),
            last_snapshot=snapshot_of(data.get("last_snapshot")),
            thresholds=as_dict(data.get("thresholds")),
            cooldown_hours=as_int(data.get("cooldown_hours")),
            schedule=as_dict(data.get("schedule")),
            last_apply=job_of(data.get("last_apply")),
            settings=dict(settings or {}),
        )

    async def fx_auto_preview(self, params: FxAutoParams, *, now: datetime) -> FxAutoPreview:
        data = await self._call("fx_preview", params.model_dump(mode="json"))
        would_apply = bool(data.get("would_apply"))
        raw_status = data.get("status")
        status = raw_status if raw_status in _FX_AUTO_STATUSES else ("preview" if would_apply else "noop")
        reprice = data.get("reprice")
        return FxAutoPreview(
            status=status,
            would_apply=would_apply and status == "preview",
            reason=opt_text(data.get("reason")),
            summary=as_text(data.get("summary")),
            warnings=warning_codes(data.get("warnings")),
            rate_set_id=opt_text(data.get("rate_set_id")),
            baseline_rate_set_id=opt_text(data.get("baseline_rate_set_id")),
            rate_delta_abs=as_dec(data.get("rate_delta_abs")),
            rate_delta_pct=as_dec(data.get("rate_delta_pct")),
            reprice=price_preview(reprice, self._currency) if isinstance(reprice, dict) else None,
        )

    async def fx_auto_apply(
        self, params: FxAutoParams, *, idempotency_key: str, force: bool, actor_id: int, now: datetime
    ) -> FxAutoResult:
        body = {**params.model_dump(mode="json"), "force": force}
        data = await self._call("fx_apply", body, actor_id=actor_id, idempotency_key=idempotency_key)
        raw_status = data.get("status")
        status = raw_status if raw_status in _FX_RESULT_STATUSES else "committed"
        return FxAutoResult(
            status=status,
            would_apply=bool(data.get("would_apply", status == "committed")),
            reason=opt_text(data.get("reason")),
            summary=as_text(data.get("summary")),
            warnings=warning_codes(data.get("warnings")),
            job_id=opt_int(data.get("job_id")),
            affected_count=as_int(data.get("affected_count")),
            rate_set_id=opt_text(data.get("rate_set_id")),
            replayed=bool(data.get("replayed")),
        )

    async def fx_settings_preview(self, updates: dict[str, Any]) -> FxSettingsChange:
        # SIS has no settings preview: the whitelist and values are checked here, `before` is SIS's.
        clean = validate_fx_updates(updates)
        before = (await self.fx_status()).settings
        after = {**before, **clean}
        return FxSettingsChange(
            before=before, after=after, changed_keys=[k for k in clean if before.get(k) != after[k]]
        )

    async def fx_settings_update(
        self, updates: dict[str, Any], *, actor_id: int, now: datetime
    ) -> FxSettingsChange:
        clean = validate_fx_updates(updates)
        data = await self._call("fx_settings", {"updates": clean}, actor_id=actor_id)
        after = as_dict(data.get("after")) or as_dict(data.get("settings"))
        before = as_dict(data.get("before"))
        if not before:
            before = {k: v for k, v in after.items() if k not in clean}
        changed = data.get("changed_keys")
        changed_keys = (
            [str(k) for k in changed]
            if isinstance(changed, list)
            else [k for k in clean if before.get(k) != after.get(k)]
        )
        return FxSettingsChange(before=before, after=after or {**before, **clean}, changed_keys=changed_keys)

    # -- publish ------------------------------------------------------------------------------

    async def _stock_ids(self, params: ProductsPublishParams) -> tuple[list[int], list[str]]:
        """`stock_lte` as product ids from `GET /inventory/status` (the Actions API has no such field)."""
        assert params.stock_lte is not None
        if params.status_from == "ARCHIVED":
            raise CatalogValidationError(
                "stock_lte: in SIS mode it selects active and hidden products only "
                "(the read gateway lists no stock of archived ones)",
                {"field": "stock_lte"},
            )
        try:
            read = await self._client.inventory_status(
                low_stock_lte=params.stock_lte, limit=INVENTORY_LIST_LIMIT
            )
        except SisError as exc:
            raise catalog_error(exc) from None
        lists = as_dict(read.data.get("lists"))
        counts = as_dict(read.data.get("counts"))
        found: list[int] = []
        warnings: list[str] = []
        sections = {"ACTIVE": _STOCK_SECTIONS[:2], "HIDDEN": _STOCK_SECTIONS[2:]}.get(
            params.status_from or "", _STOCK_SECTIONS
        )
        for section in sections:
            items = lists.get(section)
            items = items if isinstance(items, list) else []
            if as_int(counts.get(section), len(items)) > len(items):
                warnings.append(f"{STOCK_LIST_TRUNCATED}:{section} {len(items)}/{counts.get(section)}")
            for item in items:
                if not isinstance(item, dict):
                    continue
                product_id, stock = opt_int(item.get("product_id")), opt_int(item.get("stock"))
                if product_id is None or stock is None or stock > params.stock_lte:
                    continue
                if product_id not in found:
                    found.append(product_id)
        if params.product_ids is not None:
            wanted = set(found)
            found = [i for i in params.product_ids if i in wanted]
        warnings.insert(0, f"{STOCK_IDS_FROM_INVENTORY}:{len(found)}")
        return found, warnings

    async def _publish_body(self, params: ProductsPublishParams) -> tuple[dict[str, Any] | None, list[str]]:
        """The contract body, or None when `stock_lte` matched no product (nothing to ask SIS)."""
        body = params.model_dump(mode="json", exclude_none=True, exclude={"stock_lte"})
        if params.stock_lte is None:
            return body, []
        ids, warnings = await self._stock_ids(params)
        if not ids:
            return None, warnings
        return {**body, "product_ids": ids}, warnings

    async def products_publish_preview(self, params: ProductsPublishParams) -> StatePreview:
        body, notes = await self._publish_body(params)
        if body is None:
            return StatePreview(
                affected_count=0, summary=f"0 products → {params.target_status}", warnings=notes
            )
        preview = state_preview(await self._call("products_publish_preview", body))
        return preview.model_copy(update={"warnings": [*notes, *preview.warnings]})

    async def products_publish_apply(
        self, params: ProductsPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        body, notes = await self._publish_body(params)
        if body is None:
            return StateApplyResult(
                affected_count=0, summary=f"0 products set to {params.target_status}", warnings=notes
            )
        result = state_apply(await self._call("products_publish_apply", body, actor_id=actor_id))
        return result.model_copy(update={"warnings": [*notes, *result.warnings]})

    async def looks_publish_preview(self, params: LooksPublishParams) -> StatePreview:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_preview(await self._call("looks_publish_preview", body))

    async def looks_publish_apply(
        self, params: LooksPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_apply(await self._call("looks_publish_apply", body, actor_id=actor_id))

    # -- discounts ----------------------------------------------------------------------------

    async def discounts_set_preview(self, params: DiscountSetParams) -> StatePreview:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_preview(await self._call("discounts_set_preview", body))

    async def discounts_set_apply(
        self, params: DiscountSetParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_apply(await self._call("discounts_set_apply", body, actor_id=actor_id))

    async def discounts_clear_preview(self, params: DiscountClearParams) -> StatePreview:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_preview(await self._call("discounts_clear_preview", body))

    async def discounts_clear_apply(
        self, params: DiscountClearParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        body = params.model_dump(mode="json", exclude_none=True)
        return state_apply(await self._call("discounts_clear_apply", body, actor_id=actor_id))


def _body(params: BumpParams | RepriceParams, model: type[BumpParams | RepriceParams]) -> dict[str, Any]:
    """The contract fields of `params` (a tool payload may subclass the params with fields of its own)."""
    return params.model_dump(mode="json", include=set(model.model_fields), exclude_none=True)
