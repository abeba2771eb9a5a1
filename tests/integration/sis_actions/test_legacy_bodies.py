"""A SIS answering plain (legacy) bodies instead of the envelope: the same actions work the same way."""

from __future__ import annotations

import pytest

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.sis_sim.state import SimConfig
from tests.integration.sis_actions.conftest import OWNER, SIM_KEY, Harness, products_in


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig(api_key=SIM_KEY, allowed_actors=frozenset({OWNER}), body_style="legacy")


async def test_bump_and_publish_with_legacy_bodies(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    bump = await harness.preview("sis_prices_bump", {"bump_percent": "3"})
    assert bump.status is PreviewStatus.READY, bump.error
    assert bump.preview is not None
    assert bump.preview.affected_count == sum(1 for p in before.values() if p.price is not None)
    assert (await harness.commit(bump)).status is CommitStatus.COMMITTED

    hidden = await harness.preview(
        "sis_products_publish", {"status_from": "ACTIVE", "stock_lte": 0, "target_status": "HIDDEN"}
    )
    out_of_stock = sorted(pid for pid, p in before.items() if p.status == "ACTIVE" and p.stock <= 0)
    assert out_of_stock, "the seeded shop has active products out of stock"
    assert hidden.status is PreviewStatus.READY, hidden.error
    result = await harness.commit(hidden)
    assert result.status is CommitStatus.COMMITTED and result.result is not None
    assert sorted(result.result.details["ids"]) == out_of_stock
