"""Sales tool fixtures: the seeded demo shop (both backends), a tool context at its `now`, the raw rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pytest

from ownerbot.tools.contract import Actor, Tenant, ToolResult
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.tools.validation import validate_payload
from ownerbot.upstream.demo.provider import DemoProvider
from tests.integration.tools.sales.reference import Raw, load_raw


@dataclass
class SalesHarness:
    """Calls sales tool handlers directly, with a `ToolContext` over the DEMO provider at the demo's `now`."""

    demo: Any
    provider: DemoProvider
    raw: Raw

    @property
    def tz(self) -> str:
        tz: str = self.demo.tz
        return tz

    @property
    def now(self) -> datetime:
        now: datetime = self.demo.now
        return now

    def ctx(self, now: datetime | None = None) -> ToolContext:
        return ToolContext(
            correlation_id="test-sales",
            actor=Actor(owner_user_id=1),
            tenant=Tenant(timezone=self.demo.tz, currency=self.demo.currency),
            now=now or self.demo.now,
            provider=self.provider,
        )

    async def run(
        self, spec: ToolSpec[Any], payload: dict[str, Any] | None = None, *, now: datetime | None = None
    ) -> ToolResult:
        """Validate like the runner does, call the handler, and check the provenance every answer needs."""
        result = await spec.handler(validate_payload(spec.payload_model, payload or {}), self.ctx(now))
        assert result.sources, "an answer with figures must name its sources"
        assert all(source.startswith("demo:demo_") for source in result.sources), result.sources
        assert result.window is not None and result.window.tz == self.demo.tz
        return result


Case = TypeVar("Case")


async def each_case(cases: Iterable[Case], check: Callable[[Case], Awaitable[None]]) -> None:
    """Run `check` for every case against one seeded shop (seeding costs far more than a check).

    A failing case is named in the assertion message, as a parametrized test id would.
    """
    for case in cases:
        try:
            await check(case)
        except AssertionError as exc:
            raise AssertionError(f"case {case!r}: {exc}") from exc


@pytest.fixture
async def sales(seeded_demo: Any) -> SalesHarness:
    provider = DemoProvider(seeded_demo.session_factory, tz=seeded_demo.tz, currency=seeded_demo.currency)
    raw = await load_raw(seeded_demo.session_factory, tz=seeded_demo.tz, now=seeded_demo.now)
    assert raw.orders, "the seeded demo has no orders: every comparison below would be vacuous"
    return SalesHarness(demo=seeded_demo, provider=provider, raw=raw)
