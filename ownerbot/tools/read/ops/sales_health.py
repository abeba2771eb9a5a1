"""`sales_health`: one screen of what is burning now — each finding with its number and where to dig.

Every number comes from the same reader call the deep-dive tool makes (same definitions, same
filters), so following a finding's `tool` + `payload` shows the same figure with its details. Two
findings point at sales tools that work in whole days: the failing payment method (counted over the
last 48 h exactly) leads to `refunds_anomalies`, today's revenue to `kpi_compare`. A check
the provider cannot answer (`ProviderNotSupported`, e.g. nudges over SIS) is skipped with a warning,
never guessed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, ToolWarning
from ownerbot.tools.read.ops.access_summary import spikes
from ownerbot.tools.read.ops.common import OpsPayload
from ownerbot.tools.read.sales.common import provenance_sources, shop_today, to_window
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.ops import OrderQuery, ratio

Severity = Literal["critical", "warning", "info", "ok"]
SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "warning": 1, "info": 2, "ok": 3}

PAYMENT_LOOKBACK = timedelta(hours=48)
PAYMENT_BASELINE = timedelta(days=14)  # the usual failure share: the 14 days before the lookback
METHOD_MIN_FAILED = 3
METHOD_WARN_PCT = Decimal(25)
METHOD_CRIT_PCT = Decimal(50)
METHOD_OVER_USUAL = 2  # at least twice the method's usual failure share
# (warning at, critical at) per counted finding.
THRESHOLDS: dict[str, tuple[int, int]] = {
    "stuck_orders": (1, 20),
    "late_shipping": (1, 10),
    "payment_issues": (1, 20),
    "unanswered_chats_2h": (1, 10),
    "unanswered_chats_6h": (1, 3),
    "stuck_deposits": (1, 5),
    "out_of_stock": (1, 10),
}

CONCURRENT_CALLS = 4
T = TypeVar("T")


class SalesHealthPayload(OpsPayload):
    """No parameters: the shop as it stands now."""


@dataclass
class _Screen:
    """Findings and provenance collected while the checks run."""

    ctx: ToolContext
    # Checks run concurrently, but only a few reader calls at a time: an engine's pool keeps about
    # five connections, and sessions beyond it open and close a connection each, which costs more
    # than the overlap saves (measured on 1M orders: 170 ms unbounded, 100 ms with 4).
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONCURRENT_CALLS))
    findings: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    warnings: list[ToolWarning] = field(default_factory=list)

    def add(
        self,
        code: str,
        value: int | Decimal,
        tool: str,
        payload: dict[str, Any],
        *,
        severity: Severity | None = None,
        **params: Any,
    ) -> None:
        if severity is None:
            warn_at, crit_at = THRESHOLDS[code]
            severity = "critical" if value >= crit_at else "warning" if value >= warn_at else "ok"
        self.findings.append(
            {"code": code, "severity": severity, "value": value, "tool": tool, "payload": payload, **params}
        )

    def read(self, sources: tuple[str, ...]) -> None:
        self.sources.extend(sources)

    async def guarded(self, check: str, call: Awaitable[T]) -> T | None:
        """The call's answer, or None with a warning when the provider cannot answer this check."""
        try:
            async with self.slots:
                return await call
        except ProviderNotSupported:
            self.warnings.append(
                ToolWarning(
                    code="check_skipped",
                    message=f"{check}: not supported by this data source",
                    params={"check": check},
                )
            )
            return None


async def _orders(screen: _Screen, code: str, payload: dict[str, Any]) -> None:
    # limit 0: the count alone, the same count orders_search shows for this payload.
    query = OrderQuery(**payload, limit=0)
    page = await screen.guarded(code, screen.ctx.provider.ops.search_orders(query, screen.ctx.now))
    if page is not None:
        screen.read(page.sources)
        screen.add(code, page.count, "orders_search", payload)


async def _payment_methods(screen: _Screen) -> None:
    now = screen.ctx.now
    ops = screen.ctx.provider.ops
    recent_since = now - PAYMENT_LOOKBACK
    recent = await screen.guarded("payment_methods", ops.payment_failures(recent_since, now))
    if recent is None:
        return
    screen.read(recent.sources)
    period = {"since": recent.since, "until": recent.until}
    failing = 0
    # The usual share is read only when a method already looks bad on its own (the rare case).
    suspects = [m for m in recent.by_method if method_severity(m.failed, m.fail_rate_pct, None) != "ok"]
    baseline = None
    if suspects:
        baseline_since = recent_since - PAYMENT_BASELINE
        baseline = await screen.guarded("payment_methods", ops.payment_failures(baseline_since, recent_since))
        if baseline is None:
            return
    before = {m.method: m for m in baseline.by_method} if baseline is not None else {}
    for method in suspects:
        usual = before.get(method.method)
        usual_pct = None if usual is None else usual.fail_rate_pct
        severity = method_severity(method.failed, method.fail_rate_pct, usual_pct)
        if severity == "ok":
            continue
        failing += 1
        screen.add(
            "failing_payment_method",
            method.fail_rate_pct or Decimal(0),
            "refunds_anomalies",
            {"days": 2},
            severity=severity,
            method=method.method,
            failed=method.failed,
            attempts=method.attempts,
            pending=method.pending,
            period=period,
            baseline_failed=0 if usual is None else usual.failed,
            baseline_attempts=0 if usual is None else usual.attempts,
            baseline_fail_rate_pct=usual_pct,
            baseline_period={"since": recent_since - PAYMENT_BASELINE, "until": recent_since},
        )
    if not failing:
        failed = sum(m.failed for m in recent.by_method)
        attempts = sum(m.attempts for m in recent.by_method)
        screen.add(
            "payment_methods",
            ratio(failed, attempts, scale=100) or Decimal(0),
            "refunds_anomalies",
            {"days": 2},
            severity="ok",
            failed=failed,
            attempts=attempts,
            period=period,
        )


def method_severity(failed: int, pct: Decimal | None, usual_pct: Decimal | None) -> Severity:
    """Failing = enough failures, a high share, and well above the method's own usual share.

    A method that always fails 30 % is a chronic issue for refunds_anomalies, not a fire; three
    failures are the least that is not a coincidence in a small shop.
    """
    if pct is None or failed < METHOD_MIN_FAILED or pct < METHOD_WARN_PCT:
        return "ok"
    if usual_pct is not None and pct < usual_pct * METHOD_OVER_USUAL:
        return "ok"
    return "critical" if pct >= METHOD_CRIT_PCT else "warning"


async def _chats(screen: _Screen, code: str, hours: int) -> None:
    ops, now = screen.ctx.provider.ops, screen.ctx.now
    found = await screen.guarded(code, ops.unanswered_threads(hours * 60, 0, now))
    if found is not None:
        screen.read(found.sources)
        screen.add(code, found.count, "chats_unanswered", {"threshold_hours": hours})


async def _access(screen: _Screen, window: DayWindow) -> None:
    data = await screen.guarded("access_denials", screen.ctx.provider.ops.access(window))
    if data is None:
        return
    screen.read(data.sources)
    payload = {"range": "custom", "from": window.start.isoformat(), "to": window.end.isoformat()}
    spiking = spikes(data)
    for target in spiking:
        screen.add(
            "access_denial_spike",
            target.denials,
            "access_summary",
            payload,
            severity="critical",
            target_type=target.target_type,
            target_id=target.target_id,
            name=target.name,
            spike_factor=target.spike_factor,
            baseline_denials=target.baseline_denials,
            baseline_days=data.baseline_days,
            window=window.as_provenance(),
        )
    if not spiking:
        screen.add(
            "access_denials",
            data.denials_total,
            "access_summary",
            payload,
            severity="ok",
            spike_factor=data.spike_factor,
            window=window.as_provenance(),
        )


async def _deposits(screen: _Screen, today: DayWindow) -> None:
    nudges = screen.ctx.provider.ops.nudges(today, screen.ctx.now, list_limit=0)
    health = await screen.guarded("stuck_deposits", nudges)
    if health is None:
        return
    screen.read(health.sources)
    screen.add(
        "stuck_deposits",
        health.stuck_deposits_count,
        "nudge_health",
        {"range": "today"},
        amount=health.stuck_deposits_amount,
        currency=health.currency,
    )


async def _stock(screen: _Screen) -> None:
    data = await screen.guarded("out_of_stock", screen.ctx.provider.ops.inventory(5, "out_of_stock", 1))
    if data is not None:
        screen.read(data.sources)
        screen.add(
            "out_of_stock", data.counts["out_of_stock"], "inventory_status", {"section": "out_of_stock"}
        )


async def _revenue(screen: _Screen, today: DayWindow) -> None:
    sales = screen.ctx.provider.sales
    last_week = today.shifted(-7)
    current, previous = await asyncio.gather(
        screen.guarded("revenue_today", sales.kpi_totals(today)),
        screen.guarded("revenue_today", sales.kpi_totals(last_week)),
    )
    if current is None or previous is None:
        return
    screen.read(current.sources)
    screen.read(previous.sources)
    start, end = today.utc_bounds()
    elapsed = ratio(
        int((screen.ctx.now - start).total_seconds()), int((end - start).total_seconds()), scale=100
    )
    # Today is still running and last week's day is complete: the change is shown, never alarmed on.
    screen.add(
        "revenue_today",
        current.revenue_gross,
        "kpi_compare",
        {
            "preset": "custom",
            "a_start": str(today.start),
            "a_end": str(today.end),
            "b_start": str(last_week.start),
            "b_end": str(last_week.end),
        },
        severity="info",
        currency=current.currency,
        same_weekday_last_week=previous.revenue_gross,
        last_week_day=last_week.start.isoformat(),
        delta_pct=ratio(current.revenue_gross - previous.revenue_gross, previous.revenue_gross, scale=100),
        day_elapsed_pct=elapsed,
    )


async def sales_health(payload: SalesHealthPayload, ctx: ToolContext) -> ToolResult:
    """Run every check concurrently and list the findings, most severe first."""
    tz = ctx.tenant.timezone
    today_day = shop_today(ctx)
    today = DayWindow.single(today_day, tz)
    access_window = DayWindow(today_day - timedelta(days=1), today_day, tz)
    screen = _Screen(ctx)
    # Slowest first: the slots are granted in this order, so the long chains start at once.
    await asyncio.gather(
        _payment_methods(screen),
        _deposits(screen, today),
        _chats(screen, "unanswered_chats_6h", 6),
        _chats(screen, "unanswered_chats_2h", 2),
        _orders(screen, "stuck_orders", {"preset": "stuck"}),
        _access(screen, access_window),
        _orders(screen, "payment_issues", {"preset": "payment_issues", "since_hours": 48}),
        _orders(screen, "late_shipping", {"preset": "late_ship"}),
        _stock(screen),
        _revenue(screen, today),
    )
    order = {code: i for i, code in enumerate(_CHECK_ORDER)}
    findings = sorted(screen.findings, key=lambda f: (SEVERITY_ORDER[f["severity"]], order[f["code"]]))
    burning = sum(1 for f in findings if f["severity"] in ("critical", "warning"))
    window = DayWindow(today_day - timedelta(days=7), today_day, tz)
    data = {"as_of": ctx.now, "burning": burning, "findings": findings}
    return ToolResult(
        data=data,
        sources=provenance_sources(ctx, sorted(set(screen.sources))),
        window=to_window(window),
        warnings=screen.warnings,
    )


_CHECK_ORDER = (
    "failing_payment_method",
    "access_denial_spike",
    "stuck_deposits",
    "unanswered_chats_6h",
    "unanswered_chats_2h",
    "stuck_orders",
    "late_shipping",
    "payment_issues",
    "out_of_stock",
    "payment_methods",
    "access_denials",
    "revenue_today",
)

SPEC: ToolSpec[SalesHealthPayload] = ToolSpec(
    name="sales_health",
    kind=ToolKind.READ,
    payload_model=SalesHealthPayload,
    description="What is burning now: stuck/late/unpaid orders, failing payment method, chats, access "
    "spikes, stuck deposits, stock-outs, revenue vs last week — each with the tool to dig deeper",
    handler=sales_health,
    risk=Risk.LOW,
    examples=({},),
)
