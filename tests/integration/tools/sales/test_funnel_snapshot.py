"""funnel_snapshot: stages, due-now buckets, medians and deposit drop-off against the raw orders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ownerbot.tools.read.sales.funnel_snapshot import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import ZERO, pct

# (payload, how many days before today the window starts; None: the payload's from/to).
CASES: list[tuple[dict[str, Any], int | None]] = [
    ({}, 29),
    ({"range": "7d"}, 6),
    ({"range": "today"}, 0),
    ({"range": "custom", "from": "2026-02-01", "to": "2026-03-30"}, None),
]


async def test_funnel_matches_the_raw_orders(sales: SalesHarness) -> None:
    await each_case(CASES, lambda case: _funnel_matches_the_raw_orders(sales, *case))


async def _funnel_matches_the_raw_orders(
    sales: SalesHarness, payload: dict[str, Any], days_back: int | None
) -> None:
    result = await sales.run(SPEC, payload)
    raw = sales.raw
    if days_back is None:
        first, last = date.fromisoformat(payload["from"]), date.fromisoformat(payload["to"])
    else:
        first, last = raw.today - timedelta(days=days_back), raw.today
    expected = raw.funnel(first, last)
    data = result.data

    assert data["as_of"] == sales.now.isoformat()
    assert data["orders_created"] == expected["orders_created"]
    assert data["cancelled"] == expected["cancelled"]
    assert data["stages"] == [{"stage": stage, **values} for stage, values in expected["stages"].items()]
    assert data["due_now_buckets"] == [
        {"age": label, "orders": n, "due_now": due} for label, (n, due) in expected["buckets"].items()
    ]
    open_stages = [v for stage, v in expected["stages"].items() if stage != "fully_paid"]
    assert data["open_orders"] == sum(v["orders"] for v in open_stages)
    assert data["open_due_now"] == sum((v["due_now"] for v in open_stages), ZERO)
    assert data["deposit"] == {
        "paid_deposit": expected["deposit_paid"],
        "balance_not_paid": expected["deposit_dropped"],
        "drop_pct": pct(expected["deposit_dropped"], expected["deposit_paid"]),
    }
    assert result.sources == ["demo:demo_daily_funnel", "demo:demo_orders"]


async def test_the_month_has_orders_in_every_open_stage_and_bucket(sales: SalesHarness) -> None:
    # Guards the comparison above: with empty stages, zeros would match zeros.
    data = (await sales.run(SPEC, {"range": "custom", "from": "2026-02-01", "to": "2026-03-30"})).data
    assert data["cancelled"] > 0
    assert all(stage["orders"] > 0 for stage in data["stages"] if stage["stage"] != "preorder")
    assert all(stage["median_hours_in_stage"] is not None for stage in data["stages"][:3])
    assert data["stages"][-1]["median_hours_in_stage"] is None  # fully paid: nothing waits
    assert sum(b["orders"] for b in data["due_now_buckets"]) > 0
    assert data["deposit"]["paid_deposit"] > 0


async def test_a_window_with_no_orders_is_zeros_with_a_warning(sales: SalesHarness) -> None:
    before = sales.raw.first_activity_day() - timedelta(days=1)
    result = await sales.run(SPEC, {"day": before.isoformat()})
    assert result.data["orders_created"] == 0
    assert all(
        stage["orders"] == 0 and stage["median_hours_in_stage"] is None for stage in result.data["stages"]
    )
    assert result.data["deposit"]["drop_pct"] is None
    assert "no_data" in {w.code for w in result.warnings}
