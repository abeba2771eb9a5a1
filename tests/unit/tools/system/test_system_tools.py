"""The system tools through the real runner with in-process services: answers, provenance, validation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ownerbot.config.settings import Settings
from ownerbot.services.shadow_check import SHADOW_CHECK_SERVICE_KEY, ShadowCheckService
from ownerbot.services.sis_capabilities import CAPABILITIES_SERVICE_KEY, FAMILIES, CapabilityService
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.read.system import SPECS
from ownerbot.tools.read.system.common import STATE_STORE_SERVICE
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.tools.verifier import verify_response

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def services(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    state = MemoryStateStore()
    engine = create_engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}")
    try:
        yield {
            CAPABILITIES_SERVICE_KEY: CapabilityService(settings, state, clock=lambda: NOW),
            STATE_STORE_SERVICE: state,
            SHADOW_CHECK_SERVICE_KEY: ShadowCheckService(
                settings, create_session_factory(engine), sis_client_for=lambda: None, audit=None
            ),
        }
    finally:
        await engine.dispose()


async def _run(services: dict[str, Any], tool: str, payload: dict[str, Any]) -> ToolResponse:
    runner = ToolRunner(
        ToolRegistry(SPECS),
        provider_for=lambda: None,  # type: ignore[arg-type,return-value]  # system tools never ask it
        audit=None,
        clock=lambda: NOW,
        services=services,
    )
    request = ToolRequest(
        tool=tool, correlation_id="c-unit", actor=Actor(owner_user_id=1), tenant=Tenant(), payload=payload
    )
    return await runner.run(request)


def test_the_four_tools_are_read_tools_and_windowless() -> None:
    names = {spec.name for spec in SPECS}
    assert names == {"sys_health", "sys_last_errors", "sis_actions_capabilities", "sys_shadow_check"}
    assert all(spec.kind.value == "read" and spec.windowless for spec in SPECS)


async def test_capabilities_in_demo_mode(services: dict[str, Any]) -> None:
    response = await _run(services, "sis_actions_capabilities", {"force_refresh": True})
    assert response.status == "ok", response.error
    assert response.data["source"] == "demo"
    assert sorted(response.data["supported"]) == sorted(FAMILIES)
    assert response.provenance.sources == ["demo:capabilities"]
    assert response.as_of == NOW


@pytest.mark.parametrize(
    ("tool", "payload", "field", "expected"),
    [
        ("sys_last_errors", {"limit": 0}, "limit", "50"),
        ("sys_last_errors", {"limit": 51}, "limit", "50"),
        ("sis_actions_capabilities", {"force_refresh": "maybe"}, "force_refresh", "true"),
        ("sys_health", {"verbose": True}, "verbose", "verbose"),
        ("sys_shadow_check", {"tools": ["kpi_snapshot"]}, "tools", "tools"),
    ],
)
async def test_validation_names_the_field_and_range(
    services: dict[str, Any], tool: str, payload: dict[str, Any], field: str, expected: str
) -> None:
    response = await _run(services, tool, payload)
    assert response.status == "error" and response.error is not None
    assert response.error.code is ErrorCode.VALIDATION_ERROR
    assert field in response.error.message and expected in response.error.message.lower()


async def test_health_without_database_or_sis(services: dict[str, Any]) -> None:
    response = await _run(services, "sys_health", {})
    assert response.status == "ok", response.error
    data = response.data
    assert data["ownerbot"]["version"]
    assert data["state"]["backend"] == "memory" and data["state"]["reachable"] is True
    assert data["database"]["reachable"] is None  # no engine handed to this runner
    assert data["upstream"]["configured"] == "DEMO" and data["upstream"]["effective"] == "DEMO"
    assert data["sis"] == {"configured": False}
    assert data["capabilities"]["source"] == "demo" and data["capabilities"]["checked"] is True
    assert data["contract_drift_count"] == 0
    assert "ownerbot:state" in response.provenance.sources
    # Its numbers are facts: without sources the verifier refuses it.
    stripped = response.model_copy(
        update={"provenance": response.provenance.model_copy(update={"sources": []})}
    )
    assert verify_response(stripped, windowless=True).status == "error"


async def test_shadow_check_without_sis_says_there_is_nothing_to_compare(services: dict[str, Any]) -> None:
    response = await _run(services, "sys_shadow_check", {})
    assert response.status == "ok", response.error
    assert response.data["sis_configured"] is False and response.data["compared"] == 0
    assert [w.code for w in response.warnings] == ["SIS_NOT_CONFIGURED"]
    assert "SIS_BASE_URL" in response.warnings[0].message
    assert response.provenance.sources == ["ownerbot:settings"]


async def test_without_services_the_tools_say_not_supported() -> None:
    for tool in ("sis_actions_capabilities", "sys_last_errors", "sys_shadow_check"):
        response = await _run({}, tool, {})
        assert response.error is not None and response.error.code is ErrorCode.NOT_SUPPORTED, tool
