"""Every action tool in the registry runs only through the pipeline: no other door opens a commit."""

from __future__ import annotations

from typing import Any

import pytest

from ownerbot.actions.outcomes import Claim
from ownerbot.actions.pipeline import ClaimRequired
from ownerbot.actions.wiring import action_registry
from ownerbot.tools.actions import SPECS
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolFailure, ToolKind, ToolRequest
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.demo.provider import DemoProvider
from tests.integration.actions.conftest import CHAT, OWNER, Harness
from tests.integration.actions.support import T0, execution_statuses, flag_rows


def _actions(registry: ToolRegistry) -> list[ToolSpec[Any]]:
    return [spec for spec in registry.all() if spec.kind is ToolKind.ACTION]


def test_every_action_in_the_catalog_has_pipeline_hooks() -> None:
    registry = action_registry()
    actions = _actions(registry)
    assert {spec.name for spec in SPECS} <= {spec.name for spec in actions}
    for spec in actions:
        assert spec.action is not None, spec.name
        assert spec.action.target_system in {"SIS", "OwnerBot", "Telegram"}
    # Whatever the shipped catalog lists as an action must be pipeline-ready too.
    for spec in _actions(default_registry()):
        assert spec.action is not None, spec.name


def test_read_specs_cannot_carry_commit_hooks() -> None:
    flag = next(spec for spec in SPECS if spec.name == "flag_order")
    with pytest.raises(ValueError, match="cannot carry action hooks"):
        ToolSpec(
            name="sneaky_read",
            kind=ToolKind.READ,
            payload_model=flag.payload_model,
            description="a read tool with a commit",
            handler=flag.handler,
            action=flag.action,
        )


async def test_no_action_runs_outside_the_pipeline(harness: Harness) -> None:
    h = harness
    registry = h.pipeline.registry
    provider = DemoProvider(h.session_factory, tz="Europe/Berlin", currency="EUR")
    runner = ToolRunner(registry, provider_for=lambda: provider, audit=None, clock=lambda: T0)
    context = ToolContext(
        correlation_id="c", actor=Actor(owner_user_id=OWNER), tenant=Tenant(), now=T0, provider=provider
    )
    actions = _actions(registry)
    assert len(actions) >= len(SPECS)
    for spec in actions:
        example = dict(spec.examples[0]) if spec.examples else {}
        # The read runner refuses, whatever the payload.
        response = await runner.run(ToolRequest(tool=spec.name, correlation_id="c", payload=example))
        assert response.status == "error" and response.error is not None, spec.name
        assert response.error.code is ErrorCode.PERMISSION_DENIED, spec.name
        # Calling the spec's read handler directly refuses too.
        with pytest.raises(ToolFailure) as refused:
            await spec.handler(spec.payload_model.model_validate(example), context)
        assert refused.value.code is ErrorCode.PERMISSION_DENIED
        # And the pipeline commits nothing without a claim it handed out.
        forged = Claim(
            execution_id=1,
            token_id="t" * 32,
            action=spec.name,
            payload="{}",
            payload_hash="0" * 64,
            idempotency_key="k",
            actor_id=OWNER,
            chat_id=CHAT,
            correlation_id="c",
            forced=False,
        )
        with pytest.raises(ClaimRequired):
            await h.pipeline.execute(forged)
    assert await execution_statuses(h.session_factory) == []
    assert not any(flagged for flagged, _ in (await flag_rows(h.session_factory)).values())
    assert h.messenger.sent == [] and h.probe.commits == []
