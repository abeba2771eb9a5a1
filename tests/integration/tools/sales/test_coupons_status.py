"""coupons_status: active coupons, uses and sales under discount against the raw coupon uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ownerbot.tools.read.sales.coupons_status import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import ZERO

CASES_COUPONS_MATCH_THE_RAW_USES: list[dict[str, Any]] = [
    {},
    {"days": 1},
    {"days": 7, "limit": 2},
    {"days": 365, "limit": 100},
]


async def test_coupons_match_the_raw_uses(sales: SalesHarness) -> None:
    await each_case(
        CASES_COUPONS_MATCH_THE_RAW_USES, lambda payload: _coupons_match_the_raw_uses(sales, payload)
    )


async def _coupons_match_the_raw_uses(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    raw = sales.raw
    first = raw.today - timedelta(days=payload.get("days", 30) - 1)
    report = raw.coupons_report(first, raw.today)
    data = result.data

    assert data["coupons_total"] == len(report)
    assert data["active"] == sum(1 for c in report.values() if c["active"])
    assert data["totals"] == {
        "uses": sum(c["uses"] for c in report.values()),
        "discount": sum((c["discount"] for c in report.values()), ZERO),
        "order_total": sum((c["order_total"] for c in report.values()), ZERO),
    }
    expected_order = sorted(
        report, key=lambda code: (not report[code]["active"], -report[code]["uses"], code)
    )
    assert [row["code"] for row in data["coupons"]] == expected_order[: payload.get("limit", 20)]
    coupons = {c.code: c for c in raw.coupons}
    for row in data["coupons"]:
        expected = report[row["code"]]
        max_uses = coupons[row["code"]].max_uses
        assert {k: row[k] for k in expected} == expected
        assert row["max_uses"] == max_uses
        assert row["uses_left"] == (None if max_uses is None else max(max_uses - expected["uses_total"], 0))


async def test_the_shop_has_active_used_and_inactive_coupons(sales: SalesHarness) -> None:
    # Guards the comparison above against a catalog where every coupon looks the same.
    data = (await sales.run(SPEC, {"days": 365, "limit": 100})).data
    assert 0 < data["active"] < data["coupons_total"]
    assert data["totals"]["uses"] > 0 and data["totals"]["discount"] > 0
