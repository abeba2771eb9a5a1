"""Ops tool fixtures: the seeded demo shop (both backends), a runner over the ops tools, the raw rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from ownerbot.storage.demo_models import DemoOrder
from ownerbot.tools.contract import Actor, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.read.ops import SPECS
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.demo.provider import DemoProvider
from tests.integration.tools.ops.reference import Raw, load_raw


@dataclass
class OpsHarness:
    """Runs ops tools through the real runner (validation, provenance verifier) at the demo's `now`."""

    demo: Any
    provider: DemoProvider
    raw: Raw
    services: dict[str, Any]

    async def insert(self, *rows: Any) -> None:
        """Add rows the generator would not produce (exact boundary cases), then reload the raw rows."""
        async with self.demo.session_factory() as session:
            session.add_all(rows)
            await session.commit()
        self.raw = await load_raw(self.demo.session_factory)

    def order_like(self, template: DemoOrder, **changes: Any) -> DemoOrder:
        """A new order copying `template`'s columns except the id and `changes`."""
        taken = max(o.id for o in self.raw.orders)
        self._added = max(getattr(self, "_added", taken), taken) + 1
        columns = {c.key: getattr(template, c.key) for c in DemoOrder.__table__.columns}
        return DemoOrder(**{**columns, **changes, "id": self._added})

    @property
    def now(self) -> datetime:
        now: datetime = self.demo.now
        return now

    @property
    def tz(self) -> str:
        tz: str = self.demo.tz
        return tz

    async def call(
        self, tool: str, payload: dict[str, Any] | None = None, *, now: datetime | None = None
    ) -> ToolResponse:
        at = now or self.now
        runner = ToolRunner(
            ToolRegistry(SPECS),
            provider_for=lambda: self.provider,
            audit=None,
            clock=lambda: at,
            services=self.services,
        )
        request = ToolRequest(
            tool=tool,
            correlation_id="test-ops",
            actor=Actor(owner_user_id=1),
            tenant=Tenant(timezone=self.demo.tz, currency=self.demo.currency),
            payload=payload or {},
        )
        return await runner.run(request)

    async def ok(
        self, tool: str, payload: dict[str, Any] | None = None, *, now: datetime | None = None
    ) -> dict[str, Any]:
        """The data of a successful answer (fails the test with the error otherwise)."""
        response = await self.call(tool, payload, now=now)
        assert response.status == "ok", response.error
        assert response.provenance.sources, "an ok answer must name its sources"
        return response.data


@pytest.fixture
async def ops(seeded_demo: Any) -> OpsHarness:
    provider = DemoProvider(seeded_demo.session_factory, tz=seeded_demo.tz, currency=seeded_demo.currency)
    raw = await load_raw(seeded_demo.session_factory)
    return OpsHarness(demo=seeded_demo, provider=provider, raw=raw, services={})
