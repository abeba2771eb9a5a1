"""top_products: rankings of products and categories against sales recomputed from raw order items."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ownerbot.tools.read.sales.top_products import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import ZERO, pct


def _expected_rows(
    sales: SalesHarness, payload: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    raw = sales.raw
    days, group_by = payload.get("days", 7), payload.get("group_by", "product")
    metric, direction = payload.get("metric", "revenue"), payload.get("direction", "top")
    first = raw.today - timedelta(days=days - 1)
    sold = raw.product_sales(first, raw.today, group_by)
    if group_by == "product":
        names = {
            p.id: (p.name, p.category_id, raw.categories[p.category_id].name) for p in raw.products.values()
        }
        unsold = {p.id for p in raw.products.values() if p.status == "ACTIVE"}
    else:
        names = {c.id: (c.name, c.id, c.name) for c in raw.categories.values()}
        unsold = set(raw.categories)
    keys = set(sold) | (unsold if direction == "bottom" else set())
    rows = [{"id": k, **sold.get(k, {"qty": 0, "revenue": ZERO, "orders": 0})} for k in keys]
    total_qty = sum(r["qty"] for r in sold.values())
    total_revenue = sum((r["revenue"] for r in sold.values()), ZERO)
    other = "qty" if metric == "revenue" else "revenue"
    sign = -1 if direction == "top" else 1
    rows.sort(key=lambda r: (sign * Decimal(r[metric]), sign * Decimal(r[other]), r["id"]))
    expected = [
        {
            "rank": rank,
            "id": r["id"],
            "name": names[r["id"]][0],
            "category_id": names[r["id"]][1],
            "category": names[r["id"]][2],
            "qty": r["qty"],
            "revenue": r["revenue"],
            "orders": r["orders"],
            "revenue_share_pct": pct(r["revenue"], total_revenue),
            "qty_share_pct": pct(r["qty"], total_qty),
        }
        for rank, r in enumerate(rows[: payload.get("limit", 10)], start=1)
    ]
    paid_orders = sum(1 for o in raw.orders if raw.within(o.paid_at, first, raw.today))
    totals = {"qty": total_qty, "revenue": total_revenue, "orders": paid_orders}
    return expected, {"totals": totals, "ranked": len(rows)}


RANKINGS = [
    {"days": 30, "metric": metric, "direction": direction, "group_by": group_by, "limit": 50}
    for metric in ("revenue", "qty")
    for direction in ("top", "bottom")
    for group_by in ("product", "category")
]


async def test_ranking_matches_the_raw_items(sales: SalesHarness) -> None:
    await each_case(RANKINGS, lambda payload: _ranking_matches_the_raw_items(sales, payload))


async def _ranking_matches_the_raw_items(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    expected_rows, expected = _expected_rows(sales, payload)

    assert result.data["rows"] == expected_rows
    assert result.data["totals"] == expected["totals"]
    assert result.data["ranked"] == expected["ranked"]
    assert len(expected_rows) > 3 and expected["totals"]["orders"] > 0


CASES_DEFAULTS_AND_LIMITS: list[dict[str, Any]] = [
    {},
    {"days": 1, "limit": 3},
    {"days": 60, "metric": "qty", "limit": 5},
]


async def test_defaults_and_limits(sales: SalesHarness) -> None:
    await each_case(CASES_DEFAULTS_AND_LIMITS, lambda payload: _defaults_and_limits(sales, payload))


async def _defaults_and_limits(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    expected_rows, expected = _expected_rows(sales, payload)
    assert result.data["rows"] == expected_rows
    assert len(result.data["rows"]) == min(payload.get("limit", 10), expected["ranked"])
    assert result.data["totals"] == expected["totals"]
    assert result.data["days"] == payload.get("days", 7)


async def test_a_multi_product_order_counts_once_per_category(sales: SalesHarness) -> None:
    # The category's order count is distinct orders, not the sum of its products' orders.
    raw = sales.raw
    first = raw.today - timedelta(days=59)
    result = await sales.run(SPEC, {"days": 60, "group_by": "category", "limit": 50})
    by_category = {row["id"]: row["orders"] for row in result.data["rows"]}
    assert by_category == {k: v["orders"] for k, v in raw.product_sales(first, raw.today, "category").items()}
    per_product = sum(v["orders"] for v in raw.product_sales(first, raw.today, "product").values())
    assert sum(by_category.values()) < per_product
    assert "demo:demo_orders" in result.sources
