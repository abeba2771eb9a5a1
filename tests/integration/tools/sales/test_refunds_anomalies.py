"""refunds_anomalies: failures and refunds by method and product vs the 28-day baseline, from raw payments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ownerbot.tools.read.sales.refunds_anomalies import SPEC
from tests.integration.tools.sales.conftest import SalesHarness, each_case
from tests.integration.tools.sales.reference import ZERO, div, pct


def _rates(stats: dict[str, Any] | None, days: int) -> dict[str, Any]:
    stats = stats or {"attempts": 0, "failed": 0, "refunds": 0}
    return {
        "attempts": stats["attempts"],
        "failed": stats["failed"],
        "fail_rate_pct": pct(stats["failed"], stats["attempts"]),
        "refunds": stats["refunds"],
        "refunds_per_day": div(stats["refunds"], days),
    }


async def test_method_and_product_figures_match_the_raw_payments(sales: SalesHarness) -> None:
    await each_case([None, 1, 7, 30], lambda days: _figures_match_the_raw_payments(sales, days))


async def _figures_match_the_raw_payments(sales: SalesHarness, days: int | None) -> None:
    result = await sales.run(SPEC, {} if days is None else {"days": days})
    raw, n_days = sales.raw, days or 3
    first = raw.today - timedelta(days=n_days - 1)
    base_last = first - timedelta(days=1)
    base_first = base_last - timedelta(days=27)
    methods, products = raw.payment_issues(first, raw.today)
    base_methods, base_products = raw.payment_issues(base_first, base_last)
    data = result.data

    assert data["baseline_window"]["from"] == base_first.isoformat()
    assert data["baseline_window"]["to"] == base_last.isoformat()
    got_methods = {row["method"]: row for row in data["by_method"]}
    assert set(got_methods) == set(methods)
    for method, stats in methods.items():
        row = got_methods[method]
        assert {
            k: row[k] for k in ("attempts", "failed", "fail_rate_pct", "refunds", "refunds_per_day")
        } == _rates(stats, n_days)
        assert (row["pending"], row["refund_amount"]) == (stats["pending"], stats["refund_amount"])
        assert row["baseline"] == _rates(base_methods.get(method), 28)

    with_issues = {pid: s for pid, s in products.items() if s["failed"] or s["refunds"]}
    assert data["products_with_issues"] == len(with_issues)
    for row in data["by_product"]:
        assert {
            k: row[k] for k in ("attempts", "failed", "fail_rate_pct", "refunds", "refunds_per_day")
        } == _rates(with_issues[row["product_id"]], n_days)
        assert row["baseline"] == _rates(base_products.get(row["product_id"]), 28)
        assert row["name"] == raw.products[row["product_id"]].name

    totals = data["totals"]
    assert totals["attempts"] == sum(s["attempts"] for s in methods.values())
    assert totals["failed"] == sum(s["failed"] for s in methods.values())
    assert totals["refunds"] == sum(s["refunds"] for s in methods.values())
    assert totals["refund_amount"] == sum((s["refund_amount"] for s in methods.values()), ZERO)
    assert totals["attempts"] > 0


async def test_the_planted_crypto_failures_surface_by_default(sales: SalesHarness) -> None:
    data = (await sales.run(SPEC)).data
    crypto = next(row for row in data["by_method"] if row["method"] == "crypto")
    assert "fail_rate_spike" in crypto["flags"]
    # The generator plants ~60 % failures in the last 48 h against ~5 % before.
    assert crypto["fail_rate_pct"] >= Decimal(40)
    assert crypto["fail_rate_pct"] >= 3 * crypto["baseline"]["fail_rate_pct"]
    assert {"scope": "method", "key": "crypto", "kind": "fail_rate_spike"}.items() <= next(
        a for a in data["anomalies"] if a["key"] == "crypto"
    ).items()
    # The other methods fail as usual: the spike is crypto's alone.
    assert [a["key"] for a in data["anomalies"] if a["scope"] == "method"] == ["crypto"]
