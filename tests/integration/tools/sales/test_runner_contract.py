"""Every sales tool example runs through the real ToolRunner: validated, answered and provenance-complete."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.contract import Actor, Tenant, ToolRequest
from ownerbot.tools.read.sales import SPECS
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from tests.integration.tools.sales.conftest import SalesHarness, each_case

EXAMPLES = [(spec.name, example) for spec in SPECS for example in spec.examples]


def _runner(sales: SalesHarness) -> ToolRunner:
    return ToolRunner(
        ToolRegistry(SPECS), provider_for=lambda: sales.provider, audit=None, clock=lambda: sales.now
    )


def _request(sales: SalesHarness, tool: str, payload: dict[str, Any]) -> ToolRequest:
    return ToolRequest(
        tool=tool,
        correlation_id="test-sales-runner",
        actor=Actor(owner_user_id=1),
        tenant=Tenant(timezone=sales.tz, currency=sales.demo.currency),
        payload=payload,
    )


async def test_examples_answer_with_complete_provenance(sales: SalesHarness) -> None:
    await each_case(EXAMPLES, lambda example: _answers_with_complete_provenance(sales, *example))


async def _answers_with_complete_provenance(sales: SalesHarness, tool: str, payload: dict[str, Any]) -> None:
    response = await _runner(sales).run(_request(sales, tool, payload))
    assert response.status == "ok", response.error
    assert response.as_of == sales.now
    assert response.provenance.sources and response.provenance.window is not None
    assert response.provenance.filters_hash


async def test_a_bad_payload_is_a_validation_error_naming_the_field(sales: SalesHarness) -> None:
    response = await _runner(sales).run(_request(sales, "top_products", {"limit": 500}))
    assert response.status == "error" and response.error is not None
    assert response.error.code == "VALIDATION_ERROR"
    assert "limit" in response.error.message
