"""inventory_status: section counts and lists equal a loop over the raw products."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.tools.read.ops.inventory_status import InventoryStatusPayload
from ownerbot.upstream.ops import INVENTORY_SECTIONS
from tests.integration.tools.ops import reference
from tests.integration.tools.ops.conftest import OpsHarness


async def _check_counts_and_lists_match_reference(ops: OpsHarness, low_stock_lte: int) -> None:
    expected = reference.inventory(ops.raw, low_stock_lte)
    data = await ops.ok("inventory_status", {"low_stock_lte": low_stock_lte, "limit": 100})
    assert data["low_stock_lte"] == low_stock_lte
    assert data["counts"] == {section: len(expected[section]) for section in INVENTORY_SECTIONS}
    for section in INVENTORY_SECTIONS:
        assert [int(p["product_id"]) for p in data["lists"][section]] == expected[section][:100], section


async def test_counts_and_lists_match_reference(ops: OpsHarness) -> None:
    # One seeded shop serves every case: seeding, not querying, is what a test costs.
    expected = reference.inventory(ops.raw, 5)
    assert expected["out_of_stock"], "the demo has out-of-stock active products"
    assert expected["low_stock"]
    for low_stock_lte in (0, 5, 999):
        await _check_counts_and_lists_match_reference(ops, low_stock_lte)


async def test_section_limits_the_lists_but_not_the_counts(ops: OpsHarness) -> None:
    expected = reference.inventory(ops.raw, 5)
    data = await ops.ok("inventory_status", {"section": "out_of_stock", "limit": 1})
    assert list(data["lists"]) == ["out_of_stock"]
    assert [int(p["product_id"]) for p in data["lists"]["out_of_stock"]] == expected["out_of_stock"][:1]
    assert data["counts"]["missing_photo"] == len(expected["missing_photo"])
    product = ops.raw.products[expected["out_of_stock"][0]]
    listed = data["lists"]["out_of_stock"][0]
    assert listed["name"] == product.name
    assert listed["stock"] == product.stock
    assert listed["price"] == product.price
    assert listed["category"] == ops.raw.categories[product.category_id].name


async def test_windowless_snapshot_with_sources(ops: OpsHarness) -> None:
    response = await ops.call("inventory_status", {})
    assert response.status == "ok"
    assert response.provenance.window is None
    assert response.provenance.sources == ["demo:demo_products", "demo:demo_categories"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("low_stock_lte", -1),
        ("low_stock_lte", 1000),
        ("low_stock_lte", "many"),
        ("section", "broken"),
        ("limit", 0),
        ("limit", 101),
        ("days", 7),
    ],
)
def test_bad_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        InventoryStatusPayload.model_validate({field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]
