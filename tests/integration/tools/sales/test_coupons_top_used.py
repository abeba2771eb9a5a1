"""coupons_top_used: the most used coupons in a window against the raw coupon uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ownerbot.tools.read.sales.coupons_top_used import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import ZERO

CASES_RANKING_MATCHES_THE_RAW_USES: list[dict[str, Any]] = [
    {},
    {"days": 7, "limit": 2},
    {"days": 60, "limit": 50},
]


async def test_ranking_matches_the_raw_uses(sales: SalesHarness) -> None:
    await each_case(
        CASES_RANKING_MATCHES_THE_RAW_USES, lambda payload: _ranking_matches_the_raw_uses(sales, payload)
    )


async def _ranking_matches_the_raw_uses(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    raw = sales.raw
    first = raw.today - timedelta(days=payload.get("days", 30) - 1)
    report = raw.coupons_report(first, raw.today)
    used = sorted(
        (c for c in report if report[c]["uses"]),
        key=lambda c: (-report[c]["uses"], -report[c]["discount"], c),
    )
    data = result.data

    assert data["coupons_used"] == len(used)
    assert [row["code"] for row in data["rows"]] == used[: payload.get("limit", 10)]
    assert [row["rank"] for row in data["rows"]] == list(range(1, len(data["rows"]) + 1))
    for row in data["rows"]:
        expected = report[row["code"]]
        assert (row["uses"], row["discount"], row["order_total"]) == (
            expected["uses"],
            expected["discount"],
            expected["order_total"],
        )
    assert data["totals"] == {
        "uses": sum(report[c]["uses"] for c in used),
        "discount": sum((report[c]["discount"] for c in used), ZERO),
        "order_total": sum((report[c]["order_total"] for c in used), ZERO),
    }
    assert used, "no coupon was used in the window: the ranking above compared nothing"


async def test_a_window_without_uses_is_empty_with_a_warning(sales: SalesHarness) -> None:
    # Asked as if it were two days before the first use: nothing can have been used in that window.
    before = min(use.used_at for use in sales.raw.coupon_uses) - timedelta(days=2)
    result = await sales.run(SPEC, {"days": 1}, now=before)
    assert result.data["coupons_used"] == 0 and result.data["rows"] == []
    assert result.data["totals"] == {"uses": 0, "discount": ZERO, "order_total": ZERO}
    assert "no_data" in {w.code for w in result.warnings}
