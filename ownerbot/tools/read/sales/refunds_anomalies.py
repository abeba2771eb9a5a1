"""`refunds_anomalies`: failed payments and refunds of a recent window against the weeks before it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.sales.common import (
    ToolPayload,
    dedupe_warnings,
    no_data_warning,
    provenance_sources,
    shop_today,
    span_window,
    window_warnings,
)
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.sales import ZERO, MethodPaymentStats, PaymentIssueStats, ProductPaymentStats, ratio

BASELINE_DAYS = 28
# A failure spike: enough failures to matter, and a share both twice the baseline and 15 points above it.
FAIL_MIN_FAILED = 3
FAIL_MIN_RATIO = Decimal(2)
FAIL_MIN_POINTS = Decimal(15)
# A refund spike: enough refunds, at least twice the baseline's refunds per day.
REFUND_MIN_COUNT = 3
REFUND_MIN_RATIO = Decimal(2)
MAX_PRODUCT_ROWS = 10


class RefundsAnomaliesPayload(ToolPayload):
    """`days` (3; 1..90) ending today, compared with the 28 days before them.

    Three local days (today partial) always hold the whole last 48 hours, whatever the time of day.
    """

    days: int = Field(default=3, ge=1, le=90)


@dataclass(frozen=True)
class Rates:
    """Failure share and refunds per day of one method or product in one window."""

    attempts: int
    failed: int
    refunds: int
    days: int

    @property
    def fail_rate_pct(self) -> Decimal | None:
        return ratio(self.failed, self.attempts, scale=100)

    @property
    def refunds_per_day(self) -> Decimal:
        return ratio(self.refunds, self.days) or ZERO


def spike_flags(current: Rates, baseline: Rates) -> list[str]:
    """Which spikes `current` shows against `baseline`: `fail_rate_spike`, `refund_spike` (rules above)."""
    flags = []
    rate, base_rate = current.fail_rate_pct, baseline.fail_rate_pct or ZERO
    if (
        rate is not None
        and current.failed >= FAIL_MIN_FAILED
        and rate >= base_rate * FAIL_MIN_RATIO
        and rate - base_rate >= FAIL_MIN_POINTS
    ):
        flags.append("fail_rate_spike")
    if (
        current.refunds >= REFUND_MIN_COUNT
        and current.refunds_per_day >= baseline.refunds_per_day * REFUND_MIN_RATIO
    ):
        flags.append("refund_spike")
    return flags


def _rates(stats: MethodPaymentStats | ProductPaymentStats | None, days: int) -> Rates:
    if stats is None:
        return Rates(0, 0, 0, days)
    return Rates(stats.attempts, stats.failed, stats.refunds, days)


def _rates_block(rates: Rates) -> dict[str, Any]:
    return {
        "attempts": rates.attempts,
        "failed": rates.failed,
        "fail_rate_pct": rates.fail_rate_pct,
        "refunds": rates.refunds,
        "refunds_per_day": rates.refunds_per_day,
    }


def _anomaly(scope: str, key: str, flag: str, current: Rates, baseline: Rates) -> dict[str, Any]:
    if flag == "fail_rate_spike":
        value, base = current.fail_rate_pct, baseline.fail_rate_pct
    else:
        value, base = current.refunds_per_day, baseline.refunds_per_day
    return {"scope": scope, "key": key, "kind": flag, "value": value, "baseline": base}


def _compare(
    window_stats: PaymentIssueStats, baseline_stats: PaymentIssueStats, days: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows by method, rows by product (the most affected), and the anomalies found in either."""
    anomalies: list[dict[str, Any]] = []
    base_methods = {m.method: m for m in baseline_stats.by_method}
    methods = []
    for m in window_stats.by_method:
        current, base = _rates(m, days), _rates(base_methods.get(m.method), BASELINE_DAYS)
        flags = spike_flags(current, base)
        anomalies += [_anomaly("method", m.method, flag, current, base) for flag in flags]
        methods.append(
            {
                "method": m.method,
                **_rates_block(current),
                "pending": m.pending,
                "refund_amount": m.refund_amount,
                "baseline": _rates_block(base),
                "flags": flags,
            }
        )
    base_products = {p.product_id: p for p in baseline_stats.by_product}
    products = []
    for p in window_stats.by_product:
        if not (p.failed or p.refunds):
            continue
        current, base = (
            _rates(p, days),
            _rates(base_products.get(p.product_id), BASELINE_DAYS),
        )
        flags = spike_flags(current, base)
        anomalies += [_anomaly("product", str(p.product_id), flag, current, base) for flag in flags]
        products.append(
            {
                "product_id": p.product_id,
                "name": p.name,
                **_rates_block(current),
                "baseline": _rates_block(base),
            }
            | {"flags": flags}
        )
    products.sort(key=lambda row: (-len(row["flags"]), -row["failed"], -row["refunds"], row["product_id"]))
    return methods, products, anomalies


async def refunds_anomalies(payload: RefundsAnomaliesPayload, ctx: ToolContext) -> ToolResult:
    """Failure share and refunds by payment method and product, each against its own 28-day baseline.

    Attempts are counted by creation time, refunds by refund time; pending attempts do not dilute the
    failure share. Products inherit the payments of the orders they are in.
    """
    today = shop_today(ctx)
    window = DayWindow.last_days(payload.days, today, ctx.tenant.timezone)
    baseline_window = DayWindow.last_days(BASELINE_DAYS, window.start - timedelta(days=1), window.tz)
    sales = ctx.provider.sales
    # The two windows are independent scans of the payments: ask for both at once.
    current, baseline = await asyncio.gather(
        sales.payment_issues(window), sales.payment_issues(baseline_window)
    )
    methods, products, anomalies = _compare(current, baseline, window.n_days)

    warnings = window_warnings(window, today)
    if not current.by_method:
        warnings.append(no_data_warning("payment attempts or refunds"))
    if not baseline.by_method:
        message = f"no payments in the {BASELINE_DAYS} days before the window: nothing to compare with"
        warnings.append(ToolWarning(code="no_baseline", message=message, params={"days": BASELINE_DAYS}))
    attempts = sum(m.attempts for m in current.by_method)
    failed = sum(m.failed for m in current.by_method)
    totals = {
        "attempts": attempts,
        "failed": failed,
        "fail_rate_pct": ratio(failed, attempts, scale=100),
        "pending": sum(m.pending for m in current.by_method),
        "refunds": sum(m.refunds for m in current.by_method),
        "refund_amount": sum((m.refund_amount for m in current.by_method), ZERO),
    }
    data = {
        "window": window.as_provenance(),
        "days": window.n_days,
        "baseline_window": baseline_window.as_provenance(),
        "currency": current.currency,
        "totals": totals,
        "by_method": methods,
        "by_product": products[:MAX_PRODUCT_ROWS],
        "products_with_issues": len(products),
        "anomalies": anomalies,
        "rules": {
            "fail_rate_spike": f">= {FAIL_MIN_FAILED} failed, share >= {FAIL_MIN_RATIO}x baseline "
            f"and >= baseline + {FAIL_MIN_POINTS} points",
            "refund_spike": f">= {REFUND_MIN_COUNT} refunds, per day >= {REFUND_MIN_RATIO}x baseline",
        },
    }
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, current.sources, baseline.sources),
        window=span_window(baseline_window, window),
        warnings=dedupe_warnings(warnings),
    )


SPEC: ToolSpec[RefundsAnomaliesPayload] = ToolSpec(
    name="refunds_anomalies",
    kind=ToolKind.READ,
    payload_model=RefundsAnomaliesPayload,
    description="Failed payments and refunds by method and product against the 28 days before",
    handler=refunds_anomalies,
    risk=Risk.LOW,
    examples=({}, {"days": 7}),
)
