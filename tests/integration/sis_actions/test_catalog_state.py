"""Publish, looks and discounts previewed and committed through the pipeline on the simulator."""

from __future__ import annotations

from decimal import Decimal

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.tools.contract import ErrorCode
from tests.integration.sis_actions.conftest import Harness, looks_in, products_in


def _ids(harness_examples: list[str]) -> list[int]:
    return [int(target.split()[0].lstrip("#")) for target in harness_examples]


async def test_publish_by_stock_resolves_ids_through_the_read_gateway(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    low = sorted(pid for pid, p in before.items() if p.status == "ACTIVE" and p.stock <= 3)
    assert low, "the seeded shop has low-stock products"
    ownerbot_before = await products_in(harness.session_factory)

    outcome = await harness.preview(
        "sis_products_publish", {"status_from": "ACTIVE", "stock_lte": 3, "target_status": "HIDDEN"}
    )

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.preview is not None and outcome.preview.affected_count == len(low)
    assert "inventory/status?low_stock_lte=3" in outcome.preview.warnings[0]
    assert f"{len(low)} found" in outcome.preview.warnings[0]
    assert await harness.admin.requests("inventory_status") == 1
    for example in outcome.preview.examples:
        assert (example.before, example.after) == ("ACTIVE", "HIDDEN")

    result = await harness.commit(outcome)

    assert result.status is CommitStatus.COMMITTED, result.error
    assert result.result is not None and sorted(result.result.details["ids"]) == low
    after = await products_in(harness.sim_db)
    assert sorted(pid for pid in low if after[pid].status == "HIDDEN") == low
    changed = {pid for pid in before if before[pid].status != after[pid].status}
    assert changed == set(low)
    # SIS mode: OwnerBot's own demo shop is untouched.
    assert {p: r.status for p, r in (await products_in(harness.session_factory)).items()} == {
        p: r.status for p, r in ownerbot_before.items()
    }


async def test_publish_stock_lte_is_validated_with_its_range(harness: Harness) -> None:
    outcome = await harness.preview("sis_products_publish", {"stock_lte": 1000, "target_status": "HIDDEN"})

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.VALIDATION_ERROR
    assert "stock_lte" in outcome.error.message and "999" in outcome.error.message
    assert await harness.admin.requests("inventory_status") == 0


async def test_publish_stock_lte_of_archived_products_is_refused_in_sis_mode(harness: Harness) -> None:
    outcome = await harness.preview(
        "sis_products_publish", {"status_from": "ARCHIVED", "stock_lte": 5, "target_status": "ACTIVE"}
    )

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.VALIDATION_ERROR
    assert "stock_lte" in outcome.error.message


async def test_looks_publish(harness: Harness) -> None:
    before = await looks_in(harness.sim_db)
    active = sorted(lid for lid, look in before.items() if look.is_active)

    outcome = await harness.preview("sis_looks_publish", {"is_active_from": True, "target_active": False})

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.preview is not None and outcome.preview.affected_count == len(active)
    result = await harness.commit(outcome)
    assert result.status is CommitStatus.COMMITTED, result.error
    after = await looks_in(harness.sim_db)
    assert not any(after[lid].is_active for lid in active)
    assert await harness.admin.applies("looks_publish_apply") == 1


async def test_discounts_set_then_clear(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    targets = sorted(pid for pid, p in before.items() if p.price is not None and p.status == "ACTIVE")[:4]

    outcome = await harness.preview(
        "sis_discounts_set", {"product_ids": targets, "discount_percent": 20, "reason": "weekend"}
    )

    assert outcome.status is PreviewStatus.READY, outcome.error
    assert outcome.preview is not None and outcome.preview.affected_count == len(targets)
    result = await harness.commit(outcome)
    assert result.status is CommitStatus.COMMITTED, result.error
    after = await products_in(harness.sim_db)
    for pid in targets:
        list_price = before[pid].compare_at_price or before[pid].price
        assert list_price is not None
        assert after[pid].compare_at_price == list_price
        assert after[pid].price == (list_price * Decimal("0.8")).quantize(Decimal("0.01"))
        assert after[pid].discount_percent == 20

    cleared = await harness.preview("sis_discounts_clear", {"product_ids": targets})
    assert cleared.status is PreviewStatus.READY, cleared.error
    assert cleared.preview is not None and cleared.preview.affected_count == len(targets)
    done = await harness.commit(cleared)
    assert done.status is CommitStatus.COMMITTED, done.error
    final = await products_in(harness.sim_db)
    for pid in targets:
        assert final[pid].discount_percent is None and final[pid].compare_at_price is None
        assert final[pid].price == after[pid].compare_at_price
    assert await harness.admin.applies("discounts_set_apply") == 1
    assert await harness.admin.applies("discounts_clear_apply") == 1


async def test_nothing_to_change_is_a_noop_without_a_token(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    archived = sorted(pid for pid, p in before.items() if p.status == "ARCHIVED")
    payload = {"product_ids": archived or [1], "status_from": "ARCHIVED", "target_status": "ARCHIVED"}

    outcome = await harness.preview("sis_products_publish", payload)

    assert outcome.status is PreviewStatus.NOOP and outcome.token_id is None
    assert await harness.admin.requests("products_publish_apply") == 0
