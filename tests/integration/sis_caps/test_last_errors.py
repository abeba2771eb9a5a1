"""sys_last_errors over a real audit log (PostgreSQL and SQLite): failures only, newest first, classed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ownerbot.storage.dto import AuditEventIn
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Actor, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.read.system import SPECS
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.tools.services import AUDIT_REPOSITORY_SERVICE

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def audit_db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def repository(audit_db_url: str) -> AsyncIterator[AuditRepository]:
    await upgrade(audit_db_url)
    engine = create_engine_for_url(audit_db_url)
    try:
        yield AuditRepository(create_session_factory(engine))
    finally:
        await engine.dispose()


async def _run(repository: AuditRepository, payload: dict[str, Any]) -> ToolResponse:
    runner = ToolRunner(
        ToolRegistry(SPECS),
        provider_for=lambda: None,  # type: ignore[arg-type,return-value]  # never asked
        audit=None,
        clock=lambda: NOW,
        services={AUDIT_REPOSITORY_SERVICE: repository},
    )
    request = ToolRequest(
        tool="sys_last_errors",
        correlation_id="c-q",
        actor=Actor(owner_user_id=1),
        tenant=Tenant(),
        payload=payload,
    )
    return await runner.run(request)


async def _write(repository: AuditRepository, event_type: str, cid: str, **fields: Any) -> int:
    return await repository.write(AuditEventIn(event_type=event_type, correlation_id=cid, **fields))


async def test_failures_newest_first_with_kind_and_correlation_id(repository: AuditRepository) -> None:
    await _write(repository, "ACTION_COMMIT", "c-ok", action_name="flag_order", status="ok")
    fail = await _write(repository, "ACTION_FAIL", "c-fail", action_name="sis_prices_bump", status="failed")
    await _write(
        repository,
        "tool_call_finished",
        "c-tool-ok",
        action_name="kpi_snapshot",
        status="ok",
        details={"status": "ok", "error_code": None},
    )
    sis = await _write(
        repository,
        "tool_call_finished",
        "c-sis",
        action_name="kpi_snapshot",
        status="error",
        details={"status": "error", "error_code": "SIS_UNAVAILABLE"},
    )
    tool = await _write(
        repository,
        "tool_call_finished",
        "c-val",
        action_name="revenue_trend",
        status="error",
        details={"status": "error", "error_code": "VALIDATION_ERROR"},
    )
    await _write(repository, "access_denied", "c-deny", status="denied")
    handler = await _write(
        repository, "handler_error", "c-crash", status="error", summary="KeyError in message"
    )

    response = await _run(repository, {})
    assert response.status == "ok", response.error
    rows = response.data["errors"]
    assert [(r["id"], r["kind"], r["correlation_id"]) for r in rows] == [
        (handler, "handler", "c-crash"),
        (tool, "tool", "c-val"),
        (sis, "upstream", "c-sis"),
        (fail, "action", "c-fail"),
    ]
    assert rows[2]["error_code"] == "SIS_UNAVAILABLE" and rows[2]["name"] == "kpi_snapshot"
    assert response.data["by_kind"] == {"action": 1, "tool": 1, "upstream": 1, "handler": 1}
    assert response.provenance.sources == ["ownerbot:audit_events"]

    limited = await _run(repository, {"limit": 2})
    assert [r["id"] for r in limited.data["errors"]] == [handler, tool]


async def test_no_failures_is_an_empty_list(repository: AuditRepository) -> None:
    await _write(repository, "ACTION_COMMIT", "c-ok", status="ok")
    response = await _run(repository, {"limit": 50})
    assert response.status == "ok" and response.data["errors"] == [] and response.data["count"] == 0
