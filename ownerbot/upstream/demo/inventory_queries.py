"""Stock and listing problems of the catalog: counts per section in one scan, and a list per section."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func, select

from ownerbot.storage.demo_models import DemoCategory, DemoProduct
from ownerbot.upstream.demo.db import DemoQueries
from ownerbot.upstream.ops import INVENTORY_SECTIONS, InventoryData, InventorySection, ProductStockItem


class InventoryQueries(DemoQueries):
    """`inventory`."""

    async def inventory(
        self, low_stock_lte: int, section: InventorySection | None, limit: int
    ) -> InventoryData:
        predicates = _inventory_predicates(low_stock_lte)
        counters = [func.coalesce(func.sum(case((predicates[s], 1), else_=0)), 0) for s in INVENTORY_SECTIONS]
        wanted = INVENTORY_SECTIONS if section is None else (section,)
        lists: dict[InventorySection, tuple[ProductStockItem, ...]] = {}
        async with self._session() as session:
            totals = (await session.execute(select(*counters).select_from(DemoProduct))).one()
            for name in wanted:
                # Low stock lists the scarcest first; other sections are stable by id.
                order = (DemoProduct.stock, DemoProduct.id) if name == "low_stock" else (DemoProduct.id,)
                rows = (
                    await session.execute(
                        select(DemoProduct, DemoCategory.name)
                        .outerjoin(DemoCategory, DemoCategory.id == DemoProduct.category_id)
                        .where(predicates[name])
                        .order_by(*order)
                        .limit(limit)
                    )
                ).all()
                lists[name] = tuple(_product_item(product, category) for product, category in rows)
        return InventoryData(
            low_stock_lte=low_stock_lte,
            counts={name: int(value) for name, value in zip(INVENTORY_SECTIONS, totals, strict=True)},
            lists=lists,
            sources=("demo_products", "demo_categories"),
        )


def _inventory_predicates(low_stock_lte: int) -> dict[InventorySection, ColumnElement[bool]]:
    active = DemoProduct.status == "ACTIVE"
    listed = DemoProduct.status != "ARCHIVED"
    return {
        "out_of_stock": and_(active, DemoProduct.stock <= 0),
        "low_stock": and_(active, DemoProduct.stock > 0, DemoProduct.stock <= low_stock_lte),
        "missing_photo": and_(listed, DemoProduct.has_photo.is_(False)),
        "missing_video": and_(listed, DemoProduct.has_video.is_(False)),
        "missing_price": and_(listed, DemoProduct.price.is_(None)),
        "unpublished": DemoProduct.status == "HIDDEN",
    }


def _product_item(product: DemoProduct, category: str | None) -> ProductStockItem:
    return ProductStockItem(
        product_id=str(product.id),
        name=product.name,
        category=category,
        kind=product.kind,
        status=product.status,
        stock=product.stock,
        price=product.price,
        currency=product.currency,
    )
