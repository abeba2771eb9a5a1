"""Every registered read tool answers on the demo shop with full provenance, through the real runner."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Actor, Tenant, ToolKind, ToolRequest
from ownerbot.tools.runner import ToolRunner
from ownerbot.tools.services import build_tool_services
from ownerbot.tools.verifier import verify_response
from ownerbot.upstream.demo.provider import DemoProvider
from tests.conftest import SeededDemo


async def test_every_read_tool_answers_with_provenance(seeded_demo: SeededDemo) -> None:
    registry = default_registry()
    provider = DemoProvider(seeded_demo.session_factory, tz=seeded_demo.tz, currency=seeded_demo.currency)
    runner = ToolRunner(
        registry,
        provider_for=lambda: provider,
        audit=None,
        clock=lambda: seeded_demo.now,
        services=build_tool_services(seeded_demo.settings, seeded_demo.session_factory),
    )
    tenant = Tenant(timezone=seeded_demo.tz, currency=seeded_demo.currency)
    read_tools = registry.names(ToolKind.READ)
    assert len(read_tools) >= 20
    for name in read_tools:
        spec = registry.get(name)
        assert spec is not None
        payloads: list[dict[str, Any]] = [dict(example) for example in spec.examples] or [{}]
        for payload in payloads:
            request = ToolRequest(
                tool=name,
                correlation_id=f"cid-{name}",
                actor=Actor(owner_user_id=1),
                tenant=tenant,
                payload=payload,
            )
            response = await runner.run(request)
            assert response.status == "ok", (name, payload, response.error)
            assert response.as_of is not None and response.provenance.sources, name
            assert all(s.startswith(("demo:", "ownerbot:")) for s in response.provenance.sources), name
            if not spec.windowless:
                assert response.provenance.window is not None, name
            assert response.provenance.filters_hash, name
            # Stripped of provenance, the same answer must be refused whenever it holds numbers.
            stripped = response.model_copy(
                update={"provenance": response.provenance.model_copy(update={"sources": [], "window": None})}
            )
            checked = verify_response(stripped, windowless=spec.windowless)
            if checked.status == "ok":
                assert not _has_numbers(response.data), name
            else:
                assert checked.error is not None
                assert checked.error.code.value in {"PROVENANCE_MISSING", "PROVENANCE_INCOMPLETE"}


def _has_numbers(value: Any) -> bool:
    from ownerbot.tools.verifier import has_numeric_facts

    return has_numeric_facts(value if isinstance(value, dict) else {"v": value})
