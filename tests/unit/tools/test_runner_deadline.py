"""The runner's deadline and the SIS client's timeout agree: a hanging SIS is always a breaker failure.

The defaults are a 10 s tool deadline and SIS_TIMEOUT_SEC=15. Before the fix the runner cancelled a
hanging SIS call first, the client counted nothing, and the breaker never opened. These tests keep the
defaults' proportion (deadline : SIS timeout = 10 : 15) at a tenth of the size, against a transport that
accepts every request and never answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ownerbot.config.settings import Settings
from ownerbot.domain.windows import DayWindow
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ErrorCode, ToolResponse
from ownerbot.tools.runner import DEFAULT_TIMEOUT_SEC, ToolRunner, make_request
from ownerbot.upstream.deadline import deadline_at, deadline_passed, time_left
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE
from ownerbot.upstream.modes import AutoProvider
from ownerbot.upstream.sales import KpiTotals
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import CANCELLED_DETAIL, FALLBACK_RESERVE_SHARE, SisClient
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.provider import SisProvider

SCALE = 0.1
RUNNER_DEADLINE = DEFAULT_TIMEOUT_SEC * SCALE  # 1.0 s
SIS_TIMEOUT = 15.0 * SCALE  # 1.5 s: longer than the deadline, as with the defaults
FAILURES = 3
KEY = "sis-deadline-test-key"
TZ = "Europe/Berlin"


class HangingSis:
    """A transport that takes every request and never answers (until the test ends)."""

    def __init__(self, *, block_loop_sec: float = 0.0) -> None:
        self.requests = 0
        self.asked = asyncio.Event()
        self.released = asyncio.Event()
        self._block = block_loop_sec

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.asked.set()
        if self._block:
            # A CPU-starved process: the loop is stuck past every timer, which then fire together.
            time.sleep(self._block)  # noqa: ASYNC251 - blocking is the point
        await self.released.wait()
        return httpx.Response(503)


class FakeDemoSales:
    """DEMO's answer for the AUTO fallback."""

    async def kpi_totals(self, window: DayWindow) -> KpiTotals:
        return KpiTotals(
            start=window.start,
            end=window.end,
            currency="EUR",
            revenue_gross=Decimal("100.00"),
            refunds=Decimal("0.00"),
            orders_created=2,
            orders_paid=2,
            paid_orders_value=Decimal("100.00"),
            days_covered=window.n_days,
            sources=("demo_orders",),
        )


class FakeDemo:
    name = "DEMO"
    source_prefix = "demo:"
    sales: Any = FakeDemoSales()
    ops: Any = None


@pytest.fixture
async def hanging() -> AsyncIterator[HangingSis]:
    sis = HangingSis()
    yield sis
    sis.released.set()


def client_for(sis: HangingSis, **options: Any) -> SisClient:
    settings: dict[str, Any] = {
        "timeout_sec": SIS_TIMEOUT,
        "max_retries": 2,
        "backoff_base_sec": 0.0,
        "breaker_failures": FAILURES,
        "breaker_cooldown_sec": 60.0,
        **options,
    }
    return SisClient("http://sis.test", KEY, transport=httpx.MockTransport(sis.handle), **settings)


async def run_kpi(runner: ToolRunner) -> tuple[ToolResponse, float]:
    request = make_request("kpi_snapshot", {"range": "today"}, settings=Settings(_env_file=None))
    started = time.monotonic()
    response = await runner.run(request)
    return response, time.monotonic() - started


def code_of(response: ToolResponse) -> ErrorCode | None:
    return response.error.code if response.error is not None else None


async def test_hanging_sis_fails_before_the_deadline_and_opens_the_breaker(hanging: HangingSis) -> None:
    client = client_for(hanging)
    provider = SisProvider(client, tz=TZ, currency="EUR")
    runner = ToolRunner(
        default_registry(), provider_for=lambda: provider, audit=None, timeout_sec=RUNNER_DEADLINE
    )
    try:
        for failed in range(1, FAILURES + 1):
            response, took = await run_kpi(runner)
            # The client's own timeout fired (SIS_UNAVAILABLE), not the runner's (TIMEOUT) ...
            assert code_of(response) is ErrorCode.SIS_UNAVAILABLE, response.error
            assert took < RUNNER_DEADLINE
            # ... so the breaker counted it.
            assert client.breaker.snapshot().consecutive_failures == failed
        assert client.breaker.state is BreakerState.OPEN
        asked = hanging.requests
        response, took = await run_kpi(runner)
        assert code_of(response) is ErrorCode.SIS_UNAVAILABLE
        assert took < RUNNER_DEADLINE / 4  # refused at once, not after the timeout
        assert hanging.requests == asked  # SIS was not asked again
    finally:
        await client.aclose()


async def test_auto_answers_from_demo_within_the_deadline_when_sis_hangs(hanging: HangingSis) -> None:
    client = client_for(hanging)
    auto = AutoProvider(SisProvider(client, tz=TZ, currency="EUR"), FakeDemo())
    runner = ToolRunner(
        default_registry(), provider_for=lambda: auto, audit=None, timeout_sec=RUNNER_DEADLINE
    )
    try:
        for _ in range(FAILURES):
            response, took = await run_kpi(runner)
            assert response.status == "ok", response.error
            assert took < RUNNER_DEADLINE
            assert DEMO_FALLBACK_CODE in {w.code for w in response.warnings}
            assert response.provenance.sources and all(
                s.startswith("demo:") for s in response.provenance.sources
            )
        assert client.breaker.state is BreakerState.OPEN
        response, took = await run_kpi(runner)
        assert response.status == "ok" and took < RUNNER_DEADLINE / 4
    finally:
        await client.aclose()


async def test_a_call_cancelled_at_the_deadline_counts_as_a_failure() -> None:
    """Even when the runner's cancellation lands first (a starved loop fires both timers at once)."""
    sis = HangingSis(block_loop_sec=RUNNER_DEADLINE * 1.2)
    client = client_for(sis, breaker_failures=1)
    provider = SisProvider(client, tz=TZ, currency="EUR")
    runner = ToolRunner(
        default_registry(), provider_for=lambda: provider, audit=None, timeout_sec=RUNNER_DEADLINE
    )
    try:
        response, _took = await run_kpi(runner)
        # The runner's deadline won the race (the owner hears TIMEOUT) and still the breaker knows.
        assert code_of(response) is ErrorCode.TIMEOUT
        snapshot = client.breaker.snapshot()
        assert snapshot.state is BreakerState.OPEN
        assert snapshot.last_error == CANCELLED_DETAIL
    finally:
        sis.released.set()
        await client.aclose()


async def test_a_cancellation_before_the_deadline_says_nothing_about_sis(hanging: HangingSis) -> None:
    client = client_for(hanging, breaker_failures=1)
    try:
        loop = asyncio.get_running_loop()
        with deadline_at(loop.time() + 60):
            call = asyncio.create_task(client.kpi_summary(date(2026, 1, 1), date(2026, 1, 1), TZ))
            await hanging.asked.wait()  # the request is with SIS
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
        snapshot = client.breaker.snapshot()
        assert (snapshot.state, snapshot.consecutive_failures) == (BreakerState.CLOSED, 0)
    finally:
        await client.aclose()


async def test_the_call_budget_stays_under_the_callers_deadline() -> None:
    """With the shipped defaults (10 s deadline, SIS_TIMEOUT_SEC 15) a SIS call ends before the deadline."""
    settings = Settings(_env_file=None, sis_base_url="http://sis.test", sis_ownerbot_api_key=KEY)
    client = SisClient.from_settings(settings)
    try:
        assert client.call_budget() == settings.sis_timeout_sec  # no caller deadline: SIS_TIMEOUT_SEC
        loop = asyncio.get_running_loop()
        with deadline_at(loop.time() + DEFAULT_TIMEOUT_SEC):
            budget = client.call_budget()
            left = time_left()
            assert left is not None
            assert budget == pytest.approx(left * (1 - FALLBACK_RESERVE_SHARE))
            assert budget < DEFAULT_TIMEOUT_SEC < settings.sis_timeout_sec
            with deadline_at(loop.time() + 1000):  # an outer, earlier deadline wins
                assert client.call_budget() == pytest.approx(budget, abs=0.05)
            with deadline_at(loop.time() - 1):
                assert deadline_passed()
                assert client.call_budget() < 0
        assert time_left() is None and not deadline_passed()
    finally:
        await client.aclose()


async def test_no_time_left_fails_without_asking_sis_or_touching_the_breaker(hanging: HangingSis) -> None:
    client = client_for(hanging, breaker_failures=1)
    try:
        past = asyncio.get_running_loop().time() - 0.5
        with deadline_at(past), pytest.raises(SisError) as caught:
            await client.kpi_summary(date(2026, 1, 1), date(2026, 1, 1), TZ)
        assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
        assert hanging.requests == 0
        assert client.breaker.snapshot().consecutive_failures == 0
    finally:
        await client.aclose()
