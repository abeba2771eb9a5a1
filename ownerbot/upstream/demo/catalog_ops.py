"""DEMO catalog operations: `CatalogActions` over `demo_products`, `demo_looks`, `demo_coupons`,
`demo_fx_snapshots` and the `catalog_*` tables. The SIS simulator runs this same class over its own DB.

Previews only read. Each apply is one transaction that recomputes the plan from the rows it locks, so a
failure leaves nothing half-done and the change is what the data says now (the pipeline binds params,
and the publish/discount tools bind the exact ids their preview matched).

FX reprice converts each product's base price in the input currency (`catalog_base_prices`) with the
latest snapshot. A product without a stored base gets one derived from its list price (compare-at, else
price) at the oldest snapshot's rates; the apply stores the bases it used, so later reprices follow the
rates only. Demo coupons are shop-wide: a reprice disables every active coupon (its rollback re-enables
them) and clears compare-at prices and discount marks on the repriced products.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from ownerbot.storage.catalog_models import (
    CatalogBasePrice,
    CatalogFxSettings,
    CatalogIdempotencyRecord,
    CatalogPriceBackup,
    CatalogPriceJob,
)
from ownerbot.storage.demo_models import DemoCoupon, DemoFxSnapshot, DemoLook, DemoProduct
from ownerbot.upstream.base import ProviderUnavailable
from ownerbot.upstream.catalog import (
    CHANGED_SINCE_REPRICE,
    COMPARE_AT_CLEARED,
    COUPONS_DISABLED,
    FX_SETTINGS_KEYS,
    MAX_EXAMPLES,
    MISSING_PRICE_SKIPPED,
    NO_ROLLBACK_DATA,
    SCHEDULE_MODES,
    SNAPSHOT_NOT_REFRESHED,
    UNKNOWN_IDS,
    AnomalyInfo,
    BumpParams,
    CatalogConflict,
    CatalogForceRequired,
    CatalogIdempotencyConflict,
    CatalogValidationError,
    DiscountClearParams,
    DiscountSetParams,
    FxAutoParams,
    FxAutoPreview,
    FxAutoResult,
    FxSettingsChange,
    FxSnapshotInfo,
    FxStatus,
    LooksPublishParams,
    PriceApplyResult,
    PriceChange,
    PricePreview,
    ProductsPublishParams,
    RepriceJobInfo,
    RepriceParams,
    RollbackPreview,
    RollbackResult,
    StateApplyResult,
    StateChange,
    StatePreview,
    delta_pct,
    round_price,
    to_cents,
)

SHOP_KEY = "default"
DEFAULT_FX_SETTINGS: dict[str, Any] = {
    "reprice_schedule_mode": "off",
    "reprice_schedule_interval_hours": 24,
    "reprice_schedule_notify_on_success": True,
    "reprice_schedule_notify_on_failure": True,
    "min_rate_delta_abs": "0",
    "min_rate_delta_percent": "0.5",
    "min_apply_cooldown_hours": 0,
    "provider": "demo",
}


def _max_abs(changes: Sequence[PriceChange]) -> Decimal:
    return max((abs(c.delta_pct or Decimal(0)) for c in changes), default=Decimal("0.00"))


async def clear_catalog_state(connection: AsyncConnection) -> None:
    """Delete the catalog operations' rows (jobs, backups, bases, settings, idempotency records).

    Call it wherever the demo shop is re-seeded or reset: backups of a previous shop must never be rolled
    back onto a new one.
    """
    for model in (
        CatalogPriceBackup,
        CatalogPriceJob,
        CatalogBasePrice,
        CatalogFxSettings,
        CatalogIdempotencyRecord,
    ):
        await connection.execute(delete(model))


def _delta_or_none(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    return delta_pct(before, after) if before is not None and after is not None else None


def _validate_setting(key: str, value: Any) -> Any:
    """The stored form of one whitelisted setting, or a validation error naming the key."""

    def bad(why: str) -> CatalogValidationError:
        return CatalogValidationError(f"{key}: {why}", {"key": key})

    if key == "reprice_schedule_mode":
        if value not in SCHEDULE_MODES:
            raise bad(f"must be one of {', '.join(SCHEDULE_MODES)}")
        return value
    if key in ("reprice_schedule_interval_hours", "min_apply_cooldown_hours"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 30:
            raise bad("must be an integer from 0 to 720")
        if key == "reprice_schedule_interval_hours" and value < 1:
            raise bad("must be at least 1")
        return value
    if key in ("reprice_schedule_notify_on_success", "reprice_schedule_notify_on_failure"):
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if key in ("min_rate_delta_abs", "min_rate_delta_percent"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad("must be a decimal number") from None
        if isinstance(value, bool) or not number.is_finite() or number < 0 or number > 1_000_000:
            raise bad("must be a non-negative decimal")
        return str(number)
    # provider
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 32:
        raise bad("must be a provider name (1..32 characters)")
    return value.strip()


def validate_fx_updates(updates: dict[str, Any]) -> dict[str, Any]:
    """Only whitelisted keys, each with a valid value; unknown keys are named in the error."""
    unknown = sorted(set(updates) - set(FX_SETTINGS_KEYS))
    if unknown:
        raise CatalogValidationError(
            f"unknown settings keys: {', '.join(unknown)}",
            {"unknown_keys": unknown, "allowed": FX_SETTINGS_KEYS},
        )
    if not updates:
        raise CatalogValidationError("updates must name at least one setting")
    return {key: _validate_setting(key, value) for key, value in updates.items()}


def _request_hash(operation: str, body: dict[str, Any]) -> str:
    text = json.dumps({"op": operation, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class _Snapshot:
    def __init__(self, row: DemoFxSnapshot) -> None:
        self.rate_set_id = row.rate_set_id
        self.base = row.base_currency
        self.rates = dict(row.rates)
        self.fetched_at = row.fetched_at

    def rate(self, currency: str) -> Decimal:
        """Units of `currency` per one base unit; SIS_RATE_MISSING when the snapshot lacks it."""
        if currency == self.base:
            return Decimal(1)
        raw = self.rates.get(currency)
        if raw is None:
            raise CatalogValidationError(
                f"no {currency} rate in snapshot {self.rate_set_id}",
                {"currency": currency, "rate_set_id": self.rate_set_id},
                code="SIS_RATE_MISSING",
            )
        return Decimal(str(raw))

    def factor(self, input_currency: str, shop_currency: str) -> Decimal:
        """Shop-currency units per one input-currency unit."""
        return self.rate(shop_currency) / self.rate(input_currency)

    def info(self) -> FxSnapshotInfo:
        return FxSnapshotInfo(
            rate_set_id=self.rate_set_id,
            base_currency=self.base,
            rates={k: str(v) for k, v in self.rates.items()},
            fetched_at=self.fetched_at,
        )


class _RepricePlan:
    def __init__(self, preview: PricePreview, bases: dict[int, tuple[Decimal, bool]]) -> None:
        self.preview = preview
        # product id → (base price, derived now rather than stored)
        self.bases = bases


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

    @staticmethod
    def _locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
        return query.with_for_update() if session.get_bind().dialect.name == "postgresql" else query

    async def _products(self, session: AsyncSession, *, lock: bool = False) -> list[DemoProduct]:
        query = select(DemoProduct).order_by(DemoProduct.id)
        if lock:
            query = self._locked(session, query)
        return list((await session.scalars(query)).all())

    # -- prices: bump -------------------------------------------------------------------------

    def _bump_plan(self, params: BumpParams, products: Sequence[DemoProduct]) -> PricePreview:
        factor = 1 + params.bump_percent / 100
        changes: list[PriceChange] = []
        missing = 0
        for p in products:
            if p.price is None:
                missing += 1
                continue
            new = round_price(
                p.price * factor + params.bump_additive, params.rounding_mode, params.rounding_step
            )
            if new <= 0:
                raise CatalogValidationError(
                    f"product {p.id} would get a price of {new}", {"product_id": p.id}
                )
            if new != p.price:
                changes.append(
                    PriceChange(
                        id=p.id, name=p.name, before=p.price, after=new, delta_pct=delta_pct(p.price, new)
                    )
                )
        warnings = [f"{MISSING_PRICE_SKIPPED}:{missing}"] if missing else []
        max_delta = _max_abs(changes)
        return PricePreview(
            affected_count=len(changes),
            max_delta_pct=max_delta,
            warnings=warnings,
            examples=changes[:MAX_EXAMPLES],
            summary=f"bump {params.bump_percent}% + {params.bump_additive}: {len(changes)} prices change",
            currency=self._currency,
            changes=changes,
            details={"missing_price": missing},
        )

    async def prices_bump_preview(self, params: BumpParams) -> PricePreview:
        async with self._session() as session:
            return self._bump_plan(params, await self._products(session))

    async def prices_bump_apply(
        self, params: BumpParams, *, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        async with self._transaction() as session:
            products = await self._products(session, lock=True)
            plan = self._bump_plan(params, products)
            by_id = {p.id: p for p in products}
            job = CatalogPriceJob(
                kind="bump",
                params=params.model_dump(mode="json"),
                rate_set_id=None,
                actor_id=actor_id,
                created_at=now,
                affected_count=plan.affected_count,
                details={},
            )
            session.add(job)
            await session.flush()
            factor = 1 + params.bump_percent / 100
            for change in plan.changes:
                product = by_id[change.id]
                session.add(
                    CatalogPriceBackup(
                        job_id=job.id,
                        product_id=product.id,
                        price_before=product.price,
                        compare_at_before=product.compare_at_price,
                        discount_before=product.discount_percent,
                        price_after=change.after,
                    )
                )
                product.price = change.after
                if product.compare_at_price is not None:
                    # The list price moves with the price, so a discount keeps its meaning.
                    product.compare_at_price = round_price(
                        product.compare_at_price * factor + params.bump_additive,
                        params.rounding_mode,
                        params.rounding_step,
                    )
                product.updated_at = now
            job_id = job.id
        return PriceApplyResult(
            action_id=job_id,
            affected_count=plan.affected_count,
            max_delta_pct=plan.max_delta_pct,
            summary=f"bump applied: {plan.affected_count} prices changed",
            warnings=plan.warnings,
            examples=plan.examples,
        )

    # -- prices: FX reprice -------------------------------------------------------------------

    async def _snapshots(self, session: AsyncSession) -> tuple[_Snapshot | None, _Snapshot | None]:
        """(latest, oldest) snapshots."""
        latest = await session.scalar(
            select(DemoFxSnapshot)
            .order_by(DemoFxSnapshot.fetched_at.desc(), DemoFxSnapshot.id.desc())
            .limit(1)
        )
        oldest = await session.scalar(
            select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at, DemoFxSnapshot.id).limit(1)
        )
        return (_Snapshot(latest) if latest else None, _Snapshot(oldest) if oldest else None)

    async def _reprice_plan(
        self,
        session: AsyncSession,
        params: RepriceParams,
        products: Sequence[DemoProduct],
        active_coupons: int,
    ) -> _RepricePlan:
        if params.shop_currency != self._currency:
            raise CatalogValidationError(
                f"shop_currency {params.shop_currency} does not match the shop's {self._currency}",
                {"shop_currency": params.shop_currency, "expected": self._currency},
            )
        latest, oldest = await self._snapshots(session)
        if latest is None or oldest is None:
            raise CatalogValidationError("no FX snapshot yet", code="SIS_RATE_MISSING")
        if params.rate_set_id != latest.rate_set_id:
            raise CatalogValidationError(
                f"rate_set_id {params.rate_set_id} is not the latest snapshot ({latest.rate_set_id})",
                {"rate_set_id": params.rate_set_id, "latest": latest.rate_set_id},
            )
        factor = latest.factor(params.input_currency, params.shop_currency)
        reference = oldest.factor(params.input_currency, params.shop_currency)
        stored = {
            row.product_id: row.price
            for row in (
                await session.scalars(
                    select(CatalogBasePrice).where(CatalogBasePrice.currency == params.input_currency)
                )
            ).all()
        }
        markup = 1 + params.markup_percent / 100
        changes: list[PriceChange] = []
        bases: dict[int, tuple[Decimal, bool]] = {}
        missing = cleared = 0
        for p in products:
            if p.currency != self._currency:
                continue
            base = stored.get(p.id)
            derived = base is None
            if base is None:
                list_price = p.compare_at_price if p.compare_at_price is not None else p.price
                if list_price is None:
                    missing += 1
                    continue
                base = to_cents(list_price / reference)
            new = round_price(
                base * factor * markup + params.markup_additive, params.rounding_mode, params.rounding_step
            )
            if new <= 0:
                raise CatalogValidationError(
                    f"product {p.id} would get a price of {new}", {"product_id": p.id}
                )
            discounted = p.compare_at_price is not None or p.discount_percent is not None
            if new == p.price and not discounted:
                continue
            bases[p.id] = (base, derived)
            cleared += discounted
            before = p.price
            changes.append(
                PriceChange(
                    id=p.id,
                    name=p.name,
                    before=before,
                    after=new,
                    delta_pct=_delta_or_none(before, new),
                )
            )
        over = sorted(
            (
                c
                for c in changes
                if c.delta_pct is not None and abs(c.delta_pct) > params.anomaly_threshold_pct
            ),
            key=lambda c: (-abs(c.delta_pct or Decimal(0)), c.id),
        )
        max_delta = _max_abs(changes)
        anomaly = AnomalyInfo(
            threshold_pct=params.anomaly_threshold_pct,
            max_delta_pct=max_delta,
            over_threshold_count=len(over),
            examples_over_threshold=over[:MAX_EXAMPLES],
        )
        warnings = []
        if missing:
            warnings.append(f"{MISSING_PRICE_SKIPPED}:{missing}")
        if cleared:
            warnings.append(f"{COMPARE_AT_CLEARED}:{cleared}")
        if changes and active_coupons:
            warnings.append(f"{COUPONS_DISABLED}:{active_coupons}")
        preview = PricePreview(
            affected_count=len(changes),
            max_delta_pct=max_delta,
            warnings=warnings,
            examples=changes[:MAX_EXAMPLES],
            summary=(
                f"reprice {params.input_currency}→{params.shop_currency} at {latest.rate_set_id}: "
                f"{len(changes)} prices change, max {max_delta}%"
            ),
            anomaly=anomaly,
            currency=self._currency,
            rate_set_id=latest.rate_set_id,
            changes=changes,
            details={
                "rate": str(factor),
                "missing_price": missing,
                "compare_at_cleared": cleared,
                "coupons_disabled": active_coupons if changes else 0,
            },
        )
        return _RepricePlan(preview, bases)

    async def _active_coupons(self, session: AsyncSession, *, lock: bool = False) -> list[DemoCoupon]:
        query = select(DemoCoupon).where(DemoCoupon.active.is_(True)).order_by(DemoCoupon.id)
        if lock:
            query = self._locked(session, query)
        return list((await session.scalars(query)).all())

    async def reprice_preview(self, params: RepriceParams) -> PricePreview:
        async with self._session() as session:
            coupons = await self._active_coupons(session)
            plan = await self._reprice_plan(session, params, await self._products(session), len(coupons))
            return plan.preview

    async def _apply_reprice(
        self,
        session: AsyncSession,
        params: RepriceParams,
        *,
        force: bool,
        actor_id: int,
        now: datetime,
        auto: bool,
    ) -> PriceApplyResult:
        products = await self._products(session, lock=True)
        coupons = await self._active_coupons(session, lock=True)
        plan = await self._reprice_plan(session, params, products, len(coupons))
        preview = plan.preview
        if preview.anomaly is not None and preview.anomaly.is_anomalous and not force:
            raise CatalogForceRequired(
                f"{preview.anomaly.over_threshold_count} prices change by more than "
                f"{params.anomaly_threshold_pct}% (max {preview.anomaly.max_delta_pct}%)",
                preview.anomaly,
            )
        if not preview.changes:
            return PriceApplyResult(
                affected_count=0,
                max_delta_pct=Decimal("0.00"),
                summary="reprice: nothing to change",
                warnings=preview.warnings,
            )
        disabled = [c.id for c in coupons]
        job = CatalogPriceJob(
            kind="reprice",
            params={**params.model_dump(mode="json"), "auto": auto},
            rate_set_id=preview.rate_set_id,
            actor_id=actor_id,
            created_at=now,
            affected_count=preview.affected_count,
            details={"disabled_coupon_ids": disabled, "forced": force},
        )
        session.add(job)
        await session.flush()
        by_id = {p.id: p for p in products}
        stored = {
            row.product_id: row
            for row in (
                await session.scalars(
                    select(CatalogBasePrice).where(CatalogBasePrice.currency == params.input_currency)
                )
            ).all()
        }
        for change in preview.changes:
            product = by_id[change.id]
            session.add(
                CatalogPriceBackup(
                    job_id=job.id,
                    product_id=product.id,
                    price_before=product.price,
                    compare_at_before=product.compare_at_price,
                    discount_before=product.discount_percent,
                    price_after=change.after,
                )
            )
            product.price = change.after
            product.compare_at_price = None
            product.discount_percent = None
            product.updated_at = now
            base, derived = plan.bases[change.id]
            if derived and change.id not in stored:
                session.add(
                    CatalogBasePrice(
                        product_id=change.id,
                        currency=params.input_currency,
                        price=base,
                        rate_set_id=None,
                        updated_at=now,
                    )
                )
        if disabled:
            await session.execute(update(DemoCoupon).where(DemoCoupon.id.in_(disabled)).values(active=False))
        return PriceApplyResult(
            job_id=job.id,
            affected_count=preview.affected_count,
            max_delta_pct=preview.max_delta_pct,
            summary=f"reprice applied at {preview.rate_set_id}: {preview.affected_count} prices changed",
            warnings=preview.warnings,
            examples=preview.examples,
            rollback_available=True,
            rollback_job_id=job.id,
            details={"rate_set_id": preview.rate_set_id, "coupons_disabled": len(disabled)},
        )

    async def reprice_apply(
        self, params: RepriceParams, *, force: bool, actor_id: int, now: datetime
    ) -> PriceApplyResult:
        async with self._transaction() as session:
            return await self._apply_reprice(
                session, params, force=force, actor_id=actor_id, now=now, auto=False
            )

    # -- rollback -----------------------------------------------------------------------------

    async def _last_reprice(self, session: AsyncSession) -> CatalogPriceJob | None:
        query = (
            select(CatalogPriceJob)
            .where(CatalogPriceJob.kind == "reprice")
            .order_by(CatalogPriceJob.id.desc())
            .limit(1)
        )
        job: CatalogPriceJob | None = await session.scalar(query)
        return job

    @staticmethod
    def _job_info(job: CatalogPriceJob) -> RepriceJobInfo:
        return RepriceJobInfo(
            job_id=job.id,
            rate_set_id=job.rate_set_id,
            created_at=job.created_at,
            actor_id=job.actor_id,
            affected_count=job.affected_count,
            rolled_back_at=job.rolled_back_at,
            params=dict(job.params),
        )

    async def _backups(self, session: AsyncSession, job_id: int) -> list[CatalogPriceBackup]:
        query = (
            select(CatalogPriceBackup)
            .where(CatalogPriceBackup.job_id == job_id)
            .order_by(CatalogPriceBackup.product_id)
        )
        return list((await session.scalars(query)).all())

    async def rollback_preview(self) -> RollbackPreview:
        async with self._session() as session:
            job = await self._last_reprice(session)
            if job is None or job.rolled_back_at is not None:
                return RollbackPreview(
                    affected_count=0,
                    job=self._job_info(job) if job else None,
                    summary="nothing to roll back",
                    warnings=[NO_ROLLBACK_DATA],
                )
            backups = await self._backups(session, job.id)
            current = {
                p.id: p.price
                for p in (
                    await session.scalars(
                        select(DemoProduct).where(DemoProduct.id.in_([b.product_id for b in backups]))
                    )
                ).all()
            }
        examples = [
            PriceChange(
                id=b.product_id,
                before=current.get(b.product_id),
                after=b.price_before,
                delta_pct=_delta_or_none(current.get(b.product_id), b.price_before),
            )
            for b in backups[:MAX_EXAMPLES]
        ]
        changed_since = sum(1 for b in backups if current.get(b.product_id) != b.price_after)
        warnings = [f"{CHANGED_SINCE_REPRICE}:{changed_since}"] if changed_since else []
        return RollbackPreview(
            affected_count=len(backups),
            job=self._job_info(job),
            summary=f"roll back reprice job {job.id} ({job.rate_set_id}): {len(backups)} prices restored",
            warnings=warnings,
            examples=examples,
        )

    async def rollback_apply(self, job_id: int | None, *, actor_id: int, now: datetime) -> RollbackResult:
        async with self._transaction() as session:
            last = await self._last_reprice(session)
            if last is None:
                raise CatalogConflict("no reprice to roll back", {"warning": NO_ROLLBACK_DATA})
            job = last
            if job_id is not None and job_id != last.id:
                target = await session.get(CatalogPriceJob, job_id)
                if target is None or target.kind != "reprice":
                    raise CatalogConflict(f"reprice job {job_id} does not exist")
                if target.rolled_back_at is not None:
                    return RollbackResult(
                        status="already_rolled_back",
                        job_id=job_id,
                        affected_count=0,
                        summary="already rolled back",
                    )
                raise CatalogConflict(
                    f"reprice job {job_id} is not the latest ({last.id}); roll back the latest first",
                    {"latest_job_id": last.id},
                )
            claimed = await session.execute(
                update(CatalogPriceJob)
                .where(CatalogPriceJob.id == job.id, CatalogPriceJob.rolled_back_at.is_(None))
                .values(rolled_back_at=now, rolled_back_by=actor_id)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                return RollbackResult(
                    status="already_rolled_back",
                    job_id=job.id,
                    affected_count=0,
                    summary="already rolled back",
                )
            backups = await self._backups(session, job.id)
            ids = [b.product_id for b in backups]
            query = self._locked(session, select(DemoProduct).where(DemoProduct.id.in_(ids)))
            products = {p.id: p for p in (await session.scalars(query)).all()}
            changed_since = 0
            for b in backups:
                product = products.get(b.product_id)
                if product is None:
                    continue
                changed_since += product.price != b.price_after
                product.price = b.price_before
                product.compare_at_price = b.compare_at_before
                product.discount_percent = b.discount_before
                product.updated_at = now
            coupons = [int(i) for i in job.details.get("disabled_coupon_ids", [])]
            if coupons:
                await session.execute(
                    update(DemoCoupon).where(DemoCoupon.id.in_(coupons)).values(active=True)
                )
            restored = len([b for b in backups if b.product_id in products])
        return RollbackResult(
            status="committed",
            job_id=job.id,
            affected_count=restored,
            summary=f"reprice job {job.id} rolled back: {restored} prices restored",
            warnings=[f"{CHANGED_SINCE_REPRICE}:{changed_since}"] if changed_since else [],
        )

    # -- FX status, settings, auto ------------------------------------------------------------

    async def _settings(self, session: AsyncSession) -> dict[str, Any]:
        row = await session.get(CatalogFxSettings, SHOP_KEY)
        return {**DEFAULT_FX_SETTINGS, **(row.settings if row else {})}

    async def fx_status(self) -> FxStatus:
        async with self._session() as session:
            settings = await self._settings(session)
            latest, _ = await self._snapshots(session)
            job = await self._last_reprice(session)
        return FxStatus(
            mode=str(settings["reprice_schedule_mode"]),
            provider=str(settings["provider"]),
            last_snapshot=latest.info() if latest else None,
            thresholds={
                "min_rate_delta_abs": settings["min_rate_delta_abs"],
                "min_rate_delta_percent": settings["min_rate_delta_percent"],
            },
            cooldown_hours=int(settings["min_apply_cooldown_hours"]),
            schedule={
                "mode": settings["reprice_schedule_mode"],
                "interval_hours": settings["reprice_schedule_interval_hours"],
                "notify_on_success": settings["reprice_schedule_notify_on_success"],
                "notify_on_failure": settings["reprice_schedule_notify_on_failure"],
            },
            last_apply=self._job_info(job) if job else None,
            settings=settings,
        )

    async def fx_settings_preview(self, updates: dict[str, Any]) -> FxSettingsChange:
        clean = validate_fx_updates(updates)
        async with self._session() as session:
            before = await self._settings(session)
        after = {**before, **clean}
        return FxSettingsChange(
            before=before, after=after, changed_keys=[k for k in clean if before[k] != after[k]]
        )

    async def fx_settings_update(
        self, updates: dict[str, Any], *, actor_id: int, now: datetime
    ) -> FxSettingsChange:
        clean = validate_fx_updates(updates)
        async with self._transaction() as session:
            row = await session.get(
                CatalogFxSettings, SHOP_KEY, with_for_update=session.get_bind().dialect.name == "postgresql"
            )
            before = {**DEFAULT_FX_SETTINGS, **(row.settings if row else {})}
            after = {**before, **clean}
            if row is None:
                session.add(
                    CatalogFxSettings(shop_key=SHOP_KEY, settings=after, updated_at=now, updated_by=actor_id)
                )
            else:
                row.settings = after
                row.updated_at = now
                row.updated_by = actor_id
        return FxSettingsChange(
            before=before, after=after, changed_keys=[k for k in clean if before[k] != after[k]]
        )

    async def _auto_decision(
        self, session: AsyncSession, params: FxAutoParams, now: datetime
    ) -> tuple[FxAutoPreview, RepriceParams | None]:
        """What an automatic reprice would do now: skipped/noop/no_change, or the reprice params."""
        warnings = [SNAPSHOT_NOT_REFRESHED] if params.refresh_snapshot else []
        settings = await self._settings(session)
        latest, _ = await self._snapshots(session)
        job = await self._last_reprice(session)

        def stop(status: Any, reason: str, summary: str, **extra: Any) -> tuple[FxAutoPreview, None]:
            return (
                FxAutoPreview(
                    status=status,
                    would_apply=False,
                    reason=reason,
                    summary=summary,
                    warnings=warnings,
                    rate_set_id=latest.rate_set_id if latest else None,
                    baseline_rate_set_id=job.rate_set_id if job else None,
                    **extra,
                ),
                None,
            )

        if latest is None:
            return stop("skipped", "NO_SNAPSHOT", "no FX snapshot yet")
        if job is None:
            return stop("skipped", "NO_BASELINE", "no manual reprice yet: run the first one by hand")
        if job.rolled_back_at is not None:
            return stop("skipped", "ROLLED_BACK", "the last reprice was rolled back: reprice by hand")
        base_params = {k: v for k, v in job.params.items() if k != "auto"}
        reprice = RepriceParams.model_validate({**base_params, "rate_set_id": latest.rate_set_id})
        baseline_row = await session.scalar(
            select(DemoFxSnapshot).where(DemoFxSnapshot.rate_set_id == job.rate_set_id)
        )
        new_factor = latest.factor(reprice.input_currency, reprice.shop_currency)
        old_factor = (
            _Snapshot(baseline_row).factor(reprice.input_currency, reprice.shop_currency)
            if baseline_row
            else new_factor
        )
        delta_abs = abs(new_factor - old_factor)
        delta_rel = (delta_abs * 100 / old_factor).quantize(Decimal("0.0001")) if old_factor else Decimal(0)
        moved = {"rate_delta_abs": delta_abs, "rate_delta_pct": delta_rel}
        if not params.force_apply:
            if latest.rate_set_id == job.rate_set_id:
                return stop("noop", "NO_NEW_SNAPSHOT", "no new FX snapshot since the last reprice", **moved)
            cooldown = timedelta(hours=int(settings["min_apply_cooldown_hours"]))
            if now - job.created_at < cooldown:
                return stop("skipped", "COOLDOWN", "the cooldown since the last reprice is not over", **moved)
            if not (
                delta_abs > Decimal(str(settings["min_rate_delta_abs"]))
                and delta_rel > Decimal(str(settings["min_rate_delta_percent"]))
            ):
                return stop("noop", "BELOW_MIN_DELTA", "the rate moved less than the minimum", **moved)
        coupons = await self._active_coupons(session)
        plan = await self._reprice_plan(session, reprice, await self._products(session), len(coupons))
        if plan.preview.affected_count == 0:
            return stop(
                "no_change",
                "NO_CHANGE",
                "prices already match the latest rates",
                reprice=plan.preview,
                **moved,
            )
        return (
            FxAutoPreview(
                status="preview",
                would_apply=True,
                summary=plan.preview.summary,
                warnings=warnings + plan.preview.warnings,
                rate_set_id=latest.rate_set_id,
                baseline_rate_set_id=job.rate_set_id,
                reprice=plan.preview,
                **moved,
            ),
            reprice,
        )

    async def fx_auto_preview(self, params: FxAutoParams, *, now: datetime) -> FxAutoPreview:
        async with self._session() as session:
            preview, _ = await self._auto_decision(session, params, now)
        return preview

    async def fx_auto_apply(
        self, params: FxAutoParams, *, idempotency_key: str, force: bool, actor_id: int, now: datetime
    ) -> FxAutoResult:
        if not idempotency_key:
            raise CatalogValidationError("Idempotency-Key is required")
        request_hash = _request_hash("fx_apply", params.model_dump(mode="json"))
        stored = await self._stored(idempotency_key, request_hash)
        if stored is not None:
            return stored
        try:
            async with self._transaction() as session:
                # Claim the key first: a concurrent call with the same key waits here, then fails.
                session.add(
                    CatalogIdempotencyRecord(
                        key=idempotency_key,
                        operation="fx_apply",
                        request_hash=request_hash,
                        result={},
                        created_at=now,
                    )
                )
                await session.flush()
                preview, reprice = await self._auto_decision(session, params, now)
                if reprice is None:
                    status: Any = preview.status
                    result = FxAutoResult(
                        status=status,
                        would_apply=False,
                        reason=preview.reason,
                        summary=preview.summary,
                        warnings=preview.warnings,
                        rate_set_id=preview.rate_set_id,
                    )
                else:
                    applied = await self._apply_reprice(
                        session, reprice, force=force, actor_id=actor_id, now=now, auto=True
                    )
                    result = FxAutoResult(
                        status="committed",
                        would_apply=True,
                        summary=applied.summary,
                        warnings=applied.warnings,
                        job_id=applied.job_id,
                        affected_count=applied.affected_count,
                        rate_set_id=reprice.rate_set_id,
                    )
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
        if row is None:
            return None
        if row.request_hash != request_hash:
            raise CatalogIdempotencyConflict(
                "this Idempotency-Key was used for another request", {"key": key}
            )
        return FxAutoResult.model_validate({**row.result, "replayed": True})

    # -- publish ------------------------------------------------------------------------------

    @staticmethod
    def _unknown(requested: Sequence[int] | None, found: set[int]) -> list[str]:
        if requested is None:
            return []
        missing = sorted(set(requested) - found)
        return [f"{UNKNOWN_IDS}:{','.join(map(str, missing[:20]))}"] if missing else []

    async def _publish_targets(
        self, session: AsyncSession, params: ProductsPublishParams, *, lock: bool = False
    ) -> tuple[list[DemoProduct], list[DemoProduct], list[str]]:
        query = select(DemoProduct).order_by(DemoProduct.id)
        if params.product_ids is not None:
            query = query.where(DemoProduct.id.in_(params.product_ids))
        if lock:
            query = self._locked(session, query)
        rows = list((await session.scalars(query)).all())
        warnings = self._unknown(params.product_ids, {p.id for p in rows})
        matched = [
            p
            for p in rows
            if (params.status_from is None or p.status == params.status_from)
            and (params.stock_lte is None or p.stock <= params.stock_lte)
        ]
        return matched, [p for p in matched if p.status != params.target_status], warnings

    async def products_publish_preview(self, params: ProductsPublishParams) -> StatePreview:
        async with self._session() as session:
            matched, targets, warnings = await self._publish_targets(session, params)
        return StatePreview(
            affected_count=len(targets),
            examples=[
                StateChange(id=p.id, name=p.name, before=p.status, after=params.target_status)
                for p in targets[:MAX_EXAMPLES]
            ],
            summary=f"{len(targets)} products → {params.target_status}",
            warnings=warnings,
            ids=[p.id for p in targets],
            matched_count=len(matched),
        )

    async def products_publish_apply(
        self, params: ProductsPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        async with self._transaction() as session:
            _, targets, warnings = await self._publish_targets(session, params, lock=True)
            examples = [
                StateChange(id=p.id, name=p.name, before=p.status, after=params.target_status)
                for p in targets[:MAX_EXAMPLES]
            ]
            for p in targets:
                p.status = params.target_status
                p.updated_at = now
        return StateApplyResult(
            affected_count=len(targets),
            summary=f"{len(targets)} products set to {params.target_status}",
            warnings=warnings,
            ids=[p.id for p in targets],
            examples=examples,
        )

    async def _look_targets(
        self, session: AsyncSession, params: LooksPublishParams, *, lock: bool = False
    ) -> tuple[list[DemoLook], list[DemoLook], list[str]]:
        query = select(DemoLook).order_by(DemoLook.id)
        if params.look_ids is not None:
            query = query.where(DemoLook.id.in_(params.look_ids))
        if lock:
            query = self._locked(session, query)
        rows = list((await session.scalars(query)).all())
        warnings = self._unknown(params.look_ids, {look.id for look in rows})
        matched = [
            look for look in rows if params.is_active_from is None or look.is_active == params.is_active_from
        ]
        return matched, [look for look in matched if look.is_active != params.target_active], warnings

    @staticmethod
    def _active_text(value: bool) -> str:
        return "active" if value else "inactive"

    async def looks_publish_preview(self, params: LooksPublishParams) -> StatePreview:
        async with self._session() as session:
            matched, targets, warnings = await self._look_targets(session, params)
        after = self._active_text(params.target_active)
        return StatePreview(
            affected_count=len(targets),
            examples=[
                StateChange(id=look.id, name=look.name, before=self._active_text(look.is_active), after=after)
                for look in targets[:MAX_EXAMPLES]
            ],
            summary=f"{len(targets)} looks → {after}",
            warnings=warnings,
            ids=[look.id for look in targets],
            matched_count=len(matched),
        )

    async def looks_publish_apply(
        self, params: LooksPublishParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        after = self._active_text(params.target_active)
        async with self._transaction() as session:
            _, targets, warnings = await self._look_targets(session, params, lock=True)
            examples = [
                StateChange(id=look.id, name=look.name, before=self._active_text(look.is_active), after=after)
                for look in targets[:MAX_EXAMPLES]
            ]
            for look in targets:
                look.is_active = params.target_active
                look.updated_at = now
        return StateApplyResult(
            affected_count=len(targets),
            summary=f"{len(targets)} looks set {after}",
            warnings=warnings,
            ids=[look.id for look in targets],
            examples=examples,
        )

    # -- discounts ----------------------------------------------------------------------------

    async def _filtered_products(
        self, session: AsyncSession, product_ids: list[int] | None, only_active: bool, *, lock: bool
    ) -> tuple[list[DemoProduct], list[str]]:
        query = select(DemoProduct).order_by(DemoProduct.id)
        if product_ids is not None:
            query = query.where(DemoProduct.id.in_(product_ids))
        if only_active:
            query = query.where(DemoProduct.status == "ACTIVE")
        if lock:
            query = self._locked(session, query)
        rows = list((await session.scalars(query)).all())
        warnings = []
        if product_ids is not None:
            known = set(
                (await session.scalars(select(DemoProduct.id).where(DemoProduct.id.in_(product_ids)))).all()
            )
            warnings = self._unknown(product_ids, known)
        return rows, warnings

    @staticmethod
    def _price_text(price: Decimal | None, compare_at: Decimal | None) -> str:
        if price is None:
            return "-"
        return f"{price} ({compare_at})" if compare_at is not None else str(price)

    def _discount_plan(
        self, params: DiscountSetParams, rows: Sequence[DemoProduct]
    ) -> list[tuple[DemoProduct, Decimal, Decimal]]:
        plan = []
        for p in rows:
            if p.price is None or (params.stock_lte is not None and p.stock > params.stock_lte):
                continue
            list_price = p.compare_at_price if p.compare_at_price is not None else p.price
            new = to_cents(list_price * (100 - params.discount_percent) / 100)
            if (
                new == p.price
                and p.compare_at_price == list_price
                and p.discount_percent == params.discount_percent
            ):
                continue
            plan.append((p, list_price, new))
        return plan

    async def discounts_set_preview(self, params: DiscountSetParams) -> StatePreview:
        async with self._session() as session:
            rows, warnings = await self._filtered_products(
                session, params.product_ids, params.only_active, lock=False
            )
        plan = self._discount_plan(params, rows)
        return StatePreview(
            affected_count=len(plan),
            examples=[
                StateChange(
                    id=p.id,
                    name=p.name,
                    before=self._price_text(p.price, p.compare_at_price),
                    after=self._price_text(new, list_price),
                )
                for p, list_price, new in plan[:MAX_EXAMPLES]
            ],
            summary=f"-{params.discount_percent}% on {len(plan)} products",
            warnings=warnings,
            ids=[p.id for p, _, _ in plan],
            matched_count=len(rows),
        )

    async def discounts_set_apply(
        self, params: DiscountSetParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        async with self._transaction() as session:
            rows, warnings = await self._filtered_products(
                session, params.product_ids, params.only_active, lock=True
            )
            plan = self._discount_plan(params, rows)
            examples = [
                StateChange(
                    id=p.id,
                    name=p.name,
                    before=self._price_text(p.price, p.compare_at_price),
                    after=self._price_text(new, list_price),
                )
                for p, list_price, new in plan[:MAX_EXAMPLES]
            ]
            for p, list_price, new in plan:
                p.compare_at_price = list_price
                p.price = new
                p.discount_percent = params.discount_percent
                p.updated_at = now
        return StateApplyResult(
            affected_count=len(plan),
            summary=f"-{params.discount_percent}% set on {len(plan)} products",
            warnings=warnings,
            ids=[p.id for p, _, _ in plan],
            examples=examples,
        )

    @staticmethod
    def _clear_plan(
        params: DiscountClearParams, rows: Sequence[DemoProduct]
    ) -> list[tuple[DemoProduct, Decimal | None, Decimal | None]]:
        plan = []
        for p in rows:
            if p.compare_at_price is None and p.discount_percent is None:
                continue
            price = p.compare_at_price if p.compare_at_price is not None else p.price
            compare_at = None if params.clear_compare_at else p.compare_at_price
            if (price, compare_at, None) == (p.price, p.compare_at_price, p.discount_percent):
                continue
            plan.append((p, price, compare_at))
        return plan

    async def discounts_clear_preview(self, params: DiscountClearParams) -> StatePreview:
        async with self._session() as session:
            rows, warnings = await self._filtered_products(
                session, params.product_ids, params.only_active, lock=False
            )
        plan = self._clear_plan(params, rows)
        return StatePreview(
            affected_count=len(plan),
            examples=[
                StateChange(
                    id=p.id,
                    name=p.name,
                    before=self._price_text(p.price, p.compare_at_price),
                    after=self._price_text(price, compare_at),
                )
                for p, price, compare_at in plan[:MAX_EXAMPLES]
            ],
            summary=f"discounts cleared on {len(plan)} products",
            warnings=warnings,
            ids=[p.id for p, _, _ in plan],
            matched_count=len(rows),
        )

    async def discounts_clear_apply(
        self, params: DiscountClearParams, *, actor_id: int, now: datetime
    ) -> StateApplyResult:
        async with self._transaction() as session:
            rows, warnings = await self._filtered_products(
                session, params.product_ids, params.only_active, lock=True
            )
            plan = self._clear_plan(params, rows)
            examples = [
                StateChange(
                    id=p.id,
                    name=p.name,
                    before=self._price_text(p.price, p.compare_at_price),
                    after=self._price_text(price, compare_at),
                )
                for p, price, compare_at in plan[:MAX_EXAMPLES]
            ]
            for p, price, compare_at in plan:
                p.price = price
                p.compare_at_price = compare_at
                p.discount_percent = None
                p.updated_at = now
        return StateApplyResult(
            affected_count=len(plan),
            summary=f"discounts cleared on {len(plan)} products",
            warnings=warnings,
            ids=[p.id for p, _, _ in plan],
            examples=examples,
        )
