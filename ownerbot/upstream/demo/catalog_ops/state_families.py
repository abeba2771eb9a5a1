"""State families: products publish, looks publish, discounts set and discounts clear.

Each family is a selection (which rows match and which of them would change, with the owner's
before → after) plus its summaries; `DemoCatalogActions` runs them all through one preview/apply pair.
An apply sets exactly the planned attributes on the planned rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.demo_models import DemoLook, DemoProduct
from ownerbot.upstream.catalog import (
    DiscountClearParams,
    DiscountSetParams,
    LooksPublishParams,
    ProductsPublishParams,
    StateChange,
    to_cents,
)
from ownerbot.upstream.demo.catalog_ops import queries

P = TypeVar("P")


@dataclass(frozen=True)
class PlannedChange:
    row: DemoProduct | DemoLook
    change: StateChange  # taken before the apply, so results show what was there
    values: dict[str, Any]  # the attributes the apply sets


@dataclass(frozen=True)
class StatePlan:
    matched_count: int
    targets: list[PlannedChange]
    warnings: list[str]


@dataclass(frozen=True)
class StateFamily(Generic[P]):
    plan: Callable[[AsyncSession, P, bool], Awaitable[StatePlan]]
    preview_summary: Callable[[P, int], str]
    apply_summary: Callable[[P, int], str]


# -- publish ------------------------------------------------------------------------------------------


async def _products_publish_plan(
    session: AsyncSession, params: ProductsPublishParams, lock: bool
) -> StatePlan:
    query = select(DemoProduct).order_by(DemoProduct.id)
    if params.product_ids is not None:
        query = query.where(DemoProduct.id.in_(params.product_ids))
    rows: list[DemoProduct] = await queries.all_rows(session, query, lock=lock)
    matched = [
        p
        for p in rows
        if (params.status_from is None or p.status == params.status_from)
        and (params.stock_lte is None or p.stock <= params.stock_lte)
    ]
    return StatePlan(
        matched_count=len(matched),
        targets=[
            PlannedChange(
                p,
                StateChange(id=p.id, name=p.name, before=p.status, after=params.target_status),
                {"status": params.target_status},
            )
            for p in matched
            if p.status != params.target_status
        ],
        warnings=queries.unknown_ids_warnings(params.product_ids, {p.id for p in rows}),
    )


def _active_text(value: bool) -> str:
    return "active" if value else "inactive"


async def _looks_publish_plan(session: AsyncSession, params: LooksPublishParams, lock: bool) -> StatePlan:
    query = select(DemoLook).order_by(DemoLook.id)
    if params.look_ids is not None:
        query = query.where(DemoLook.id.in_(params.look_ids))
    rows: list[DemoLook] = await queries.all_rows(session, query, lock=lock)
    matched = [
        look for look in rows if params.is_active_from is None or look.is_active == params.is_active_from
    ]
    after = _active_text(params.target_active)
    return StatePlan(
        matched_count=len(matched),
        targets=[
            PlannedChange(
                look,
                StateChange(id=look.id, name=look.name, before=_active_text(look.is_active), after=after),
                {"is_active": params.target_active},
            )
            for look in matched
            if look.is_active != params.target_active
        ],
        warnings=queries.unknown_ids_warnings(params.look_ids, {look.id for look in rows}),
    )


PRODUCTS_PUBLISH: StateFamily[ProductsPublishParams] = StateFamily(
    plan=_products_publish_plan,
    preview_summary=lambda params, n: f"{n} products → {params.target_status}",
    apply_summary=lambda params, n: f"{n} products set to {params.target_status}",
)
LOOKS_PUBLISH: StateFamily[LooksPublishParams] = StateFamily(
    plan=_looks_publish_plan,
    preview_summary=lambda params, n: f"{n} looks → {_active_text(params.target_active)}",
    apply_summary=lambda params, n: f"{n} looks set {_active_text(params.target_active)}",
)


# -- discounts ----------------------------------------------------------------------------------------


async def _discount_rows(
    session: AsyncSession, product_ids: list[int] | None, only_active: bool, lock: bool
) -> tuple[list[DemoProduct], list[str]]:
    """Products by ids (all when None) and activity, with `UNKNOWN_IDS` for ids that do not exist."""
    query = select(DemoProduct).order_by(DemoProduct.id)
    if product_ids is not None:
        query = query.where(DemoProduct.id.in_(product_ids))
    if only_active:
        query = query.where(DemoProduct.status == "ACTIVE")
    rows: list[DemoProduct] = await queries.all_rows(session, query, lock=lock)
    warnings: list[str] = []
    if product_ids is not None:
        known = set(
            (await session.scalars(select(DemoProduct.id).where(DemoProduct.id.in_(product_ids)))).all()
        )
        warnings = queries.unknown_ids_warnings(product_ids, known)
    return rows, warnings


def _price_text(price: Decimal | None, compare_at: Decimal | None) -> str:
    if price is None:
        return "-"
    return f"{price} ({compare_at})" if compare_at is not None else str(price)


def _price_change(p: DemoProduct, price: Decimal | None, compare_at: Decimal | None) -> StateChange:
    return StateChange(
        id=p.id,
        name=p.name,
        before=_price_text(p.price, p.compare_at_price),
        after=_price_text(price, compare_at),
    )


async def _discount_set_plan(session: AsyncSession, params: DiscountSetParams, lock: bool) -> StatePlan:
    rows, warnings = await _discount_rows(session, params.product_ids, params.only_active, lock)
    targets = []
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
        values = {"compare_at_price": list_price, "price": new, "discount_percent": params.discount_percent}
        targets.append(PlannedChange(p, _price_change(p, new, list_price), values))
    return StatePlan(matched_count=len(rows), targets=targets, warnings=warnings)


async def _discount_clear_plan(session: AsyncSession, params: DiscountClearParams, lock: bool) -> StatePlan:
    rows, warnings = await _discount_rows(session, params.product_ids, params.only_active, lock)
    targets = []
    for p in rows:
        if p.compare_at_price is None and p.discount_percent is None:
            continue
        price = p.compare_at_price if p.compare_at_price is not None else p.price
        compare_at = None if params.clear_compare_at else p.compare_at_price
        if (price, compare_at, None) == (p.price, p.compare_at_price, p.discount_percent):
            continue
        values = {"price": price, "compare_at_price": compare_at, "discount_percent": None}
        targets.append(PlannedChange(p, _price_change(p, price, compare_at), values))
    return StatePlan(matched_count=len(rows), targets=targets, warnings=warnings)


DISCOUNTS_SET: StateFamily[DiscountSetParams] = StateFamily(
    plan=_discount_set_plan,
    preview_summary=lambda params, n: f"-{params.discount_percent}% on {n} products",
    apply_summary=lambda params, n: f"-{params.discount_percent}% set on {n} products",
)
DISCOUNTS_CLEAR: StateFamily[DiscountClearParams] = StateFamily(
    plan=_discount_clear_plan,
    preview_summary=lambda params, n: f"discounts cleared on {n} products",
    apply_summary=lambda params, n: f"discounts cleared on {n} products",
)
