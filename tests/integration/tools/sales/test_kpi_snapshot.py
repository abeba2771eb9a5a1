"""kpi_snapshot against figures recomputed from the raw orders and payments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from ownerbot.tools.contract import Tenant
from ownerbot.tools.read.sales.kpi_snapshot import SPEC, KpiSnapshotPayload
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.demo.provider import DemoProvider
from tests.integration.tools.sales.conftest import SalesHarness, each_case

KPI_FIELDS = (
    "revenue_gross",
    "refunds",
    "revenue_net",
    "orders_created",
    "orders_paid",
    "paid_orders_value",
    "aov",
    "paid_rate_pct",
)


def _expected_window(payload: dict[str, Any], today: date) -> tuple[date, date]:
    one = timedelta(days=1)
    match payload:
        case {"day": day}:
            return date.fromisoformat(day), date.fromisoformat(day)
        case {"from": first, "to": last}:
            return date.fromisoformat(first), date.fromisoformat(last)
        case {"range": "yesterday"}:
            return today - one, today - one
        case {"range": "7d"}:
            return today - 6 * one, today
        case {"range": "30d"}:
            return today - 29 * one, today
    return today, today


PAYLOADS: list[dict[str, Any]] = [
    {},
    {"range": "today"},
    {"range": "yesterday"},
    {"range": "7d"},
    {"range": "30d"},
    {"range": "custom", "from": "2026-03-01", "to": "2026-03-29"},
    {"range": "custom", "from": "2026-03-28", "to": "2026-03-30"},  # crosses the DST change of 29 March
    {"day": "2026-03-29"},  # a 23-hour day in Berlin
]


async def _check_figures(sales: SalesHarness, payload: dict[str, Any]) -> None:
    result = await sales.run(SPEC, payload)
    first, last = _expected_window(payload, sales.raw.today)
    expected = sales.raw.kpi(first, last)

    assert result.data["window"] == {"from": first.isoformat(), "to": last.isoformat(), "tz": sales.tz}
    assert result.window is not None and (result.window.from_, result.window.to) == (
        first.isoformat(),
        last.isoformat(),
    )
    assert {name: result.data[name] for name in KPI_FIELDS} == expected
    assert result.data["currency"] == sales.demo.currency
    assert result.sources == ["demo:demo_daily_sales"]
    codes = {w.code for w in result.warnings}
    assert ("partial_day" in codes) == (first <= sales.raw.today <= last)
    assert "no_data" not in codes


async def test_every_figure_matches_the_raw_rows(sales: SalesHarness) -> None:
    await each_case(PAYLOADS, lambda payload: _check_figures(sales, payload))


async def test_the_window_sees_activity(sales: SalesHarness) -> None:
    # Guards the comparisons above against a quiet month, where zeros would match zeros.
    result = await sales.run(SPEC, {"range": "30d"})
    assert result.data["orders_paid"] > 100
    assert result.data["refunds"] > 0
    assert result.data["aov"] is not None


async def test_days_before_the_history_are_zeros_with_warnings(sales: SalesHarness) -> None:
    first_day = sales.raw.first_activity_day()
    last = first_day - timedelta(days=1)
    result = await sales.run(
        SPEC, {"range": "custom", "from": (last - timedelta(days=9)).isoformat(), "to": last.isoformat()}
    )

    assert result.data["revenue_gross"] == 0 and result.data["orders_created"] == 0
    assert result.data["aov"] is None and result.data["paid_rate_pct"] is None
    codes = [w.code for w in result.warnings]
    assert "no_data" in codes and "partial_coverage" in codes


async def test_a_window_straddling_the_history_start_says_how_much_is_covered(sales: SalesHarness) -> None:
    first_day = sales.raw.first_activity_day()
    first, last = first_day - timedelta(days=3), first_day + timedelta(days=6)
    result = await sales.run(SPEC, {"range": "custom", "from": first.isoformat(), "to": last.isoformat()})

    assert {name: result.data[name] for name in KPI_FIELDS} == sales.raw.kpi(first, last)
    coverage = [w.message for w in result.warnings if w.code == "partial_coverage"]
    assert coverage == ["the source has data for 7 of 10 past day(s) of the window"]


async def test_rollups_of_another_time_zone_are_refused(sales: SalesHarness) -> None:
    await each_case(
        ["America/New_York", "Europe/Berlin"], lambda tz: _another_time_zone_is_refused(sales, tz)
    )


async def _another_time_zone_is_refused(sales: SalesHarness, reader_tz: str) -> None:
    # Either the setting changed since the seed (reader ≠ seed) or the tenant asks in another zone.
    provider = DemoProvider(sales.demo.session_factory, tz=reader_tz, currency=sales.demo.currency)
    ctx = replace(sales.ctx(), provider=provider, tenant=Tenant(timezone="America/New_York"))
    with pytest.raises(ProviderNotSupported, match="days"):
        await SPEC.handler(KpiSnapshotPayload(), ctx)
