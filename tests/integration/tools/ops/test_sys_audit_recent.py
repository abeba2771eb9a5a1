"""sys_audit_recent: the newest action and access events from the audit log, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from ownerbot.storage.dto import AuditEventIn
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.read.ops import SPECS
from ownerbot.tools.read.ops.sys_audit_recent import SysAuditRecentPayload
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def audit_db_url(request: pytest.FixtureRequest) -> str:
    # Resolved in a sync fixture: async fixtures cannot be fetched by name from an async one.
    url: str = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    return url


@pytest.fixture
async def audit_repository(audit_db_url: str) -> AsyncIterator[AuditRepository]:
    url = audit_db_url
    await upgrade(url)
    engine = create_engine_for_url(url)
    try:
        yield AuditRepository(create_session_factory(engine))
    finally:
        await engine.dispose()


async def _run(services: dict[str, Any], payload: dict[str, Any]) -> ToolResponse:
    runner = ToolRunner(
        ToolRegistry(SPECS),
        provider_for=lambda: None,  # type: ignore[arg-type,return-value]  # this tool never asks it
        audit=None,
        clock=lambda: NOW,
        services=services,
    )
    request = ToolRequest(
        tool="sys_audit_recent",
        correlation_id="c-test",
        actor=Actor(owner_user_id=1),
        tenant=Tenant(),
        payload=payload,
    )
    return await runner.run(request)


async def test_lists_actions_and_denials_newest_first(audit_repository: AuditRepository) -> None:
    written: list[tuple[int, str]] = []
    for i, kind in enumerate(
        [
            "ACTION_PREVIEW",
            "tool_call_started",
            "ACTION_COMMIT",
            "access_denied",
            "tool_call_finished",
            "ACTION_FAIL",
        ]
        * 3
    ):
        event_id = await audit_repository.write(
            AuditEventIn(event_type=kind, correlation_id=f"c{i}", action_name="flag_order", status="ok")
        )
        written.append((event_id, kind))
    shown = [(event_id, kind) for event_id, kind in written if not kind.startswith("tool_call")]
    expected = sorted(shown, reverse=True)[:5]

    response = await _run({"audit_repository": audit_repository}, {"limit": 5})
    assert response.status == "ok", response.error
    assert [(e["id"], e["event_type"]) for e in response.data["events"]] == expected
    assert response.data["count"] == 5
    assert response.data["events"][0]["correlation_id"] == f"c{len(written) - 1}"
    assert response.provenance.sources == ["ownerbot:audit_events"]
    assert response.provenance.window is None


async def test_default_limit_is_twenty(audit_repository: AuditRepository) -> None:
    for i in range(25):
        await audit_repository.write(AuditEventIn(event_type="ACTION_COMMIT", correlation_id=f"c{i}"))
    response = await _run({"audit_repository": audit_repository}, {})
    assert response.status == "ok", response.error
    assert len(response.data["events"]) == 20


async def test_without_the_audit_repository_it_is_not_supported() -> None:
    response = await _run({}, {})
    assert response.error is not None
    assert response.error.code is ErrorCode.NOT_SUPPORTED


@pytest.mark.parametrize(
    ("field", "value"), [("limit", 0), ("limit", 101), ("limit", "all"), ("event_type", "x")]
)
def test_bad_values_name_their_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        SysAuditRecentPayload.model_validate({field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]
