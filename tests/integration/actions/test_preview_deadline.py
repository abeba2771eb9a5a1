"""A SIS-target preview that hangs: the pipeline's preview deadline reaches the SIS client, which ends
its call first, so the breaker counts the failure (as in the tool runner; see upstream/deadline.py).

The defaults give the preview deadline and SIS_TIMEOUT_SEC the same 15 s; scaled down, equal here too.
"""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
from pydantic import BaseModel, ConfigDict

from ownerbot.actions.contract import ActionContext, ActionDeps, ActionPreview, ActionResult
from ownerbot.actions.outcomes import ActionRequest, PreviewStatus
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.wiring import action_registry
from ownerbot.tools.actions.common import action_spec
from ownerbot.tools.contract import Risk, Tenant
from ownerbot.upstream.demo.provider import DemoProvider
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import SisClient
from tests.integration.actions.conftest import CHAT, OWNER, Harness

TIMEOUT = 0.5  # both the preview deadline and SIS_TIMEOUT_SEC, as with the defaults (15 s each)


class SisProbePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")


async def test_a_hanging_sis_preview_is_counted_by_the_breaker(harness: Harness) -> None:
    released = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        await released.wait()
        return httpx.Response(503)

    client = SisClient(
        "http://sis.test",
        "sis-preview-key-0123",
        timeout_sec=TIMEOUT,
        max_retries=0,
        breaker_failures=1,
        breaker_cooldown_sec=60,
        transport=httpx.MockTransport(hang),
    )

    async def preview(payload: SisProbePayload, ctx: ActionContext) -> ActionPreview:
        await client.kpi_summary(date(2026, 1, 1), date(2026, 1, 1), "Europe/Berlin")
        return ActionPreview(affected_count=1, summary="never reached")

    async def commit(payload: SisProbePayload, ctx: ActionContext) -> ActionResult:
        raise AssertionError("no commit without a preview")

    registry = action_registry()
    registry.register(
        action_spec(
            name="sis_probe_action",
            payload_model=SisProbePayload,
            description="a SIS preview that hangs",
            preview=preview,
            commit=commit,
            risk=Risk.MED,
            target_system="SIS",
        )
    )
    pipeline = ActionPipeline(
        registry,
        harness.repository,
        None,
        deps=ActionDeps(),
        provider_for=lambda: DemoProvider(harness.session_factory, tz="Europe/Berlin", currency="EUR"),
        owner_ids=[OWNER],
        tenant=Tenant(),
        confirm_ttl_sec=600,
        clock=harness.clock,
        preview_timeout_sec=TIMEOUT,
    )
    try:
        outcome = await pipeline.preview(
            ActionRequest(action="sis_probe_action", payload={}, actor_id=OWNER, chat_id=CHAT)
        )
        assert outcome.status is not PreviewStatus.READY
        snapshot = client.breaker.snapshot()
        assert (snapshot.state, snapshot.consecutive_failures) == (BreakerState.OPEN, 1)
    finally:
        released.set()
        await client.aclose()
