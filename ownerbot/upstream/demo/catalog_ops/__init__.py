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

Modules: `actions` (the class: sessions, transactions, one preview/apply pair for the state families),
`prices` (bump, reprice), `rollback`, `fx_auto` (status, automatic reprice, idempotency), `fx_settings`,
`fx_rates` (snapshots), `state_families` (publish, looks, discounts), `queries` (shared row access).
"""

from ownerbot.upstream.demo.catalog_ops.actions import DemoCatalogActions
from ownerbot.upstream.demo.catalog_ops.fx_settings import (
    DEFAULT_FX_SETTINGS,
    SHOP_KEY,
    validate_fx_updates,
)
from ownerbot.upstream.demo.catalog_ops.queries import clear_catalog_state

__all__ = [
    "DEFAULT_FX_SETTINGS",
    "SHOP_KEY",
    "DemoCatalogActions",
    "clear_catalog_state",
    "validate_fx_updates",
]
