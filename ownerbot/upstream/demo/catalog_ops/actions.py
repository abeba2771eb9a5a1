"""`DemoCatalogActions`: the `CatalogActions` protocol over the demo tables of one shop.

Each public method opens a read session (previews) or one transaction (applies) and runs its family's
plan in it; the families live in `prices`, `rollback`, `fx_auto` and `state_families`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.catalog_models import CatalogIdempotencyRecord
from ownerbot.upstream.base import ProviderUnavailable
from ownerbot.upstream.catalog import (
    MAX_EXAMPLES,
    BumpParams,
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
from ownerbot.upstream.demo.catalog_ops import fx_auto, prices, queries, rollback
from ownerbot.upstream.demo.catalog_ops.fx_settings import (
    read_fx_settings,
    settings_change,
    validate_fx_updates,
    write_fx_settings,
)
from ownerbot.upstream.demo.catalog_ops.state_families import (
    DISCOUNTS_CLEAR,
    DISCOUNTS_SET,
    LOOKS_PUBLISH,
    PRODUCTS_PUBLISH,
    StateFamily,
)

P = TypeVar("P")


class DemoCatalogActions:
    """Implements `CatalogActions` over the demo tables of one shop priced in `currency`."""

    sources: tuple[str, ...] = (
        "demo:demo_products",
        "demo:demo_looks",
        "demo:demo_fx_snapshots",
        "demo:catalog_price_jobs",
    )

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, currency: str) -> None:
        self._session_factory = session_factory
        self._currency = currency

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._session_factory() as session:
                yield session
        except IntegrityError:
            raise  # a constraint said no (e.g. a concurrent Idempotency-Key): the caller decides
        except (OperationalError, DBAPIError) as exc:
            raise ProviderUnavailable(f"demo database unavailable: {type(exc).__name__}") from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._session() as session, session.begin():
            yield session

    # -- prices -------------------------------------------------------------------------------------

    async def prices_bump_preview(self, params: BumpParams) -> PricePreview:
        async with self._session() as session:
            return prices.bump_plan(params, await queries.products(session), self._currency)

    async def prices_bump_apply(
        self, params: BumpParams, *, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        async with self._transaction() as session:
            return await prices.apply_bump(session, params, self._currency, actor_id=actor_id, now=now)

    async def reprice_preview(self, params: RepriceParams) -> PricePreview:
        async with self._session() as session:
            return (await prices.current_reprice_plan(session, params, self._currency)).preview

    async def reprice_apply(
        self, params: RepriceParams, *, force: bool, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        async with self._transaction() as session:
            return await prices.apply_reprice(
                session, params, self._currency, force=force, actor_id=actor_id, now=now, auto=False
            )

    async def rollback_preview(self) -> RollbackPreview:
        async with self._session() as session:
            return await rollback.rollback_preview(session)

    async def rollback_apply(self, job_id: int | None, *, actor_id: int, now: datetime) -> RollbackResult:
        async with self._transaction() as session:
            return await rollback.rollback_apply(session, job_id, actor_id=actor_id, now=now)

    # -- FX status, settings, auto ------------------------------------------------------------------

    async def fx_status(self) -> FxStatus:
        async with self._session() as session:
            return await fx_auto.fx_status(session)

    async def fx_settings_preview(self, updates: dict[str, Any]) -> FxSettingsChange:
        clean = validate_fx_updates(updates)
        async with self._session() as session:
            before = await read_fx_settings(session)
        return settings_change(before, clean)

    async def fx_settings_update(
        self, updates: dict[str, Any], *, actor_id: int, now: datetime
    ) -> FxSettingsChange:
        clean = validate_fx_updates(updates)
        async with self._transaction() as session:
            return await write_fx_settings(session, clean, actor_id=actor_id, now=now)

    async def fx_auto_preview(self, params: FxAutoParams, *, now: datetime) -> FxAutoPreview:
        async with self._session() as session:
            preview, _ = await fx_auto.auto_decision(session, params, now, self._currency)
        return preview

    async def fx_auto_apply(
        self, params: FxAutoParams, *, idempotency_key: str, force: bool, actor_id: int, now: datetime
    ) -> FxAutoResult:
        if not idempotency_key:
            raise CatalogValidationError("Idempotency-Key is required")
        request_hash = fx_auto.request_hash(fx_auto.AUTO_APPLY_OPERATION, params.model_dump(mode="json"))
        stored = await self._stored(idempotency_key, request_hash)
        if stored is not None:
            return stored
        try:
            async with self._transaction() as session:
                # Claim the key first: a concurrent call with the same key waits here, then fails.
                session.add(
                    CatalogIdempotencyRecord(
                        key=idempotency_key,
                        operation=fx_auto.AUTO_APPLY_OPERATION,
                        request_hash=request_hash,
                        result={},
                        created_at=now,
                    )
                )
                await session.flush()
                preview, reprice = await fx_auto.auto_decision(session, params, now, self._currency)
                applied = None
                if reprice is not None:
                    applied = await prices.apply_reprice(
                        session, reprice, self._currency, force=force, actor_id=actor_id, now=now, auto=True
                    )
                result = fx_auto.auto_result(preview, applied, reprice.rate_set_id if reprice else None)
                await session.execute(
                    update(CatalogIdempotencyRecord)
                    .where(CatalogIdempotencyRecord.key == idempotency_key)
                    .values(result=result.model_dump(mode="json"))
                )
        except IntegrityError:
            replay = await self._stored(idempotency_key, request_hash)
            if replay is None:
                raise
            return replay
        return result

    async def _stored(self, key: str, request_hash: str) -> FxAutoResult | None:
        async with self._session() as session:
            row = await session.get(CatalogIdempotencyRecord, key)
        return fx_auto.stored_result(row, key, request_hash)

    # -- publish and discounts: one preview/apply pair over the state families ----------------------

    async def _state_preview(self, family: StateFamily[P], params: P) -> StatePreview:
        async with self._session() as session:
            plan = await family.plan(session, params, False)
        return StatePreview(
            affected_count=len(plan.targets),
            examples=[t.change for t in plan.targets[:MAX_EXAMPLES]],
            summary=family.preview_summary(params, len(plan.targets)),
            warnings=plan.warnings,
            ids=[t.row.id for t in plan.targets],
            matched_count=plan.matched_count,
        )

    async def _state_apply(self, family: StateFamily[P], params: P, now: datetime) -> StateApplyResult:
        async with self._transaction() as session:
            plan = await family.plan(session, params, True)
            for target in plan.targets:
                for attribute, value in target.values.items():
                    setattr(target.row, attribute, value)
                target.row.updated_at = now
        return StateApplyResult(
            affected_count=len(plan.targets),
            summary=family.apply_summary(params, len(plan.targets)),
            warnings=plan.warnings,
            ids=[t.row.id for t in plan.targets],
            examples=[t.change for t in plan.targets[:MAX_EXAMPLES]],
        )

    async def products_publish_preview(self, params: ProductsPublishParams) -> StatePreview:
        return await self._state_preview(PRODUCTS_PUBLISH, params)

    async def products_publish_apply(
        self, params: ProductsPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        return await self._state_apply(PRODUCTS_PUBLISH, params, now)

    async def looks_publish_preview(self, params: LooksPublishParams) -> StatePreview:
        return await self._state_preview(LOOKS_PUBLISH, params)

    async def looks_publish_apply(
        self, params: LooksPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        return await self._state_apply(LOOKS_PUBLISH, params, now)

    async def discounts_set_preview(self, params: DiscountSetParams) -> StatePreview:
        return await self._state_preview(DISCOUNTS_SET, params)

    async def discounts_set_apply(
        self, params: DiscountSetParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        return await self._state_apply(DISCOUNTS_SET, params, now)

    async def discounts_clear_preview(self, params: DiscountClearParams) -> StatePreview:
        return await self._state_preview(DISCOUNTS_CLEAR, params)

    async def discounts_clear_apply(
        self, params: DiscountClearParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        return await self._state_apply(DISCOUNTS_CLEAR, params, now)
