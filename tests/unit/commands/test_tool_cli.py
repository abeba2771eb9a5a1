"""`ownerbot tool list` and `ownerbot tool NAME --payload JSON`, through typer's CliRunner."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from typer.main import get_command
from typer.testing import CliRunner

from ownerbot.commands import tool_cli
from ownerbot.commands.tool_cli import tool_app
from ownerbot.config.settings import Settings
from ownerbot.observability.logging import reset_logging
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Risk, ToolKind, ToolResult, Window
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec
from ownerbot.tools.runner import EVENT_FINISHED, EVENT_STARTED
from ownerbot.upstream.base import UpstreamProvider


class DaysPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(7, ge=1, le=365)


async def fake_kpi(payload: DaysPayload, ctx: ToolContext) -> ToolResult:
    return ToolResult(
        data={"revenue": Decimal("42.00"), "days": payload.days, "tz": ctx.tenant.timezone},
        sources=[f"{ctx.provider.source_prefix}payments"],
        window=Window(from_="2025-03-01", to="2025-03-07", tz=ctx.tenant.timezone),
    )


async def fake_sis_kpi(payload: DaysPayload, ctx: ToolContext) -> ToolResult:
    reader = ctx.provider.sales  # the SIS stand-in raises here
    return ToolResult(data={"reader": repr(reader)}, sources=[])


async def fake_audit_count(payload: DaysPayload, ctx: ToolContext) -> ToolResult:
    repository = ctx.services["audit_repository"]
    assert isinstance(repository, AuditRepository)
    return ToolResult(data={"events": await repository.count()}, sources=["ownerbot:audit_events"])


def fake_registry() -> ToolRegistry:
    return ToolRegistry(
        [
            ToolSpec(
                name="fake_kpi",
                kind=ToolKind.READ,
                payload_model=DaysPayload,
                description="Revenue and orders for a period.\nSecond line is not listed.",
                handler=fake_kpi,
                examples=({"days": 7},),
            ),
            ToolSpec(
                name="fake_sis_kpi",
                kind=ToolKind.READ,
                payload_model=DaysPayload,
                description="Asks the SIS reader.",
                handler=fake_sis_kpi,
            ),
            ToolSpec(
                name="fake_audit_count",
                kind=ToolKind.READ,
                payload_model=DaysPayload,
                description="Counts audit events.",
                handler=fake_audit_count,
                windowless=True,
            ),
            ToolSpec(
                name="fake_flag",
                kind=ToolKind.ACTION,
                payload_model=DaysPayload,
                description="Flags an order.",
                handler=fake_kpi,
                risk=Risk.MED,
            ),
        ]
    )


class FakeProvider:
    name = "DEMO"
    source_prefix = "demo:"

    @property
    def sales(self) -> Any:
        return None

    @property
    def ops(self) -> Any:
        return None


def cli_app() -> typer.Typer:
    """The real `ownerbot` app once `tool` is wired into it; until then a local app wired the same way."""
    from ownerbot.cli import app

    group = get_command(app)
    if "tool" in getattr(group, "commands", {}):
        return app
    local = typer.Typer()
    local.add_typer(tool_app, name="tool")

    @local.command()
    def version() -> None:
        """Keeps `tool` a sub-command, as in the real app."""

    return local


@pytest.fixture(autouse=True)
def _detach_log_handler() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def anchored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    async def fake_anchor(engine: AsyncEngine, settings: Settings) -> int:
        calls.append(settings.shop_timezone)
        return 0

    monkeypatch.setattr(tool_cli, "anchor_demo", fake_anchor)
    return calls


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> str:
    """A clean environment: no `.env`, an SQLite file, DEMO mode, the fake registry and provider."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OWNERBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UPSTREAM_MODE", "DEMO")
    monkeypatch.setenv("SHOP_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setattr(tool_cli, "default_registry", fake_registry)

    def fake_build_provider(settings: Settings, sf: async_sessionmaker[AsyncSession]) -> UpstreamProvider:
        if settings.upstream_mode.value == "DEMO":
            return FakeProvider()
        from ownerbot.upstream.factory import build_provider

        return build_provider(settings, sf)

    monkeypatch.setattr(tool_cli, "build_provider", fake_build_provider)
    return sqlite_url


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli_app(), ["tool", *args])


def audit_events(url: str) -> list[Any]:
    async def read() -> list[Any]:
        engine = create_engine_for_url(url)
        try:
            return await AuditRepository(create_session_factory(engine)).recent(limit=50)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_list_prints_name_kind_risk_and_first_line(env: str) -> None:
    result = invoke("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "RISK", "DESCRIPTION"]
    rows = {line.split()[0]: line.split(maxsplit=3) for line in lines[1:]}
    assert rows["fake_kpi"] == ["fake_kpi", "read", "LOW", "Revenue and orders for a period."]
    assert rows["fake_flag"][1:3] == ["action", "MED"]
    assert "Second line" not in result.stdout


def test_list_json_has_schemas_and_examples(env: str) -> None:
    result = invoke("list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"fake_kpi", "fake_sis_kpi", "fake_audit_count", "fake_flag"}
    assert rows["fake_audit_count"]["windowless"] is True
    assert rows["fake_kpi"]["examples"] == [{"days": 7}]
    assert rows["fake_kpi"]["payload_schema"]["properties"]["days"]["maximum"] == 365
    assert rows["fake_flag"]["kind"] == "action"


@pytest.mark.parametrize("form", [(), ("run",)], ids=["tool NAME", "tool run NAME"])
def test_run_prints_the_response_and_audits_it(env: str, anchored: list[str], form: tuple[str, ...]) -> None:
    result = invoke(*form, "fake_kpi", "--payload", '{"days": 3}')
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["status"] == "ok"
    assert response["tool"] == "fake_kpi"
    assert response["data"] == {"revenue": "42.00", "days": 3, "tz": "Asia/Tokyo"}
    assert response["provenance"]["sources"] == ["demo:payments"]
    assert response["provenance"]["window"] == {"from": "2025-03-01", "to": "2025-03-07", "tz": "Asia/Tokyo"}
    assert response["as_of"] is not None
    assert anchored == ["Asia/Tokyo"]

    events = audit_events(env)
    assert [e.event_type for e in events] == [EVENT_FINISHED, EVENT_STARTED]
    assert {e.correlation_id for e in events} == {response["correlation_id"]}
    assert events[0].details["status"] == "ok"
    assert events[1].details["actor_role"] == "cli"


def test_tools_find_the_audit_repository_among_the_services(env: str, anchored: list[str]) -> None:
    result = invoke("fake_audit_count")
    assert result.exit_code == 0, result.output
    # Only this call's `tool_call_started` exists while the tool runs.
    assert json.loads(result.stdout)["data"] == {"events": 1}


def test_payload_defaults_to_an_empty_object(env: str, anchored: list[str]) -> None:
    result = invoke("fake_kpi")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["days"] == 7


def test_error_answer_exits_1_with_the_json(env: str, anchored: list[str]) -> None:
    result = invoke("fake_kpi", "--payload", '{"days": 0}')
    assert result.exit_code == 1
    response = json.loads(result.stdout)
    assert response["status"] == "error"
    assert response["error"]["code"] == "VALIDATION_ERROR"
    assert "days: must be an integer between 1 and 365" in response["error"]["message"]


def test_unknown_tool_exits_1_with_suggestions(env: str, anchored: list[str]) -> None:
    result = invoke("fake_kpj")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["details"]["close_matches"][0] == "fake_kpi"


def test_action_tool_is_refused(env: str, anchored: list[str]) -> None:
    result = invoke("fake_flag")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [("{days: 3}", "--payload is not valid JSON"), ("[1, 2]", "--payload must be a JSON object")],
)
def test_bad_payload_exits_2_naming_the_option(
    env: str, anchored: list[str], payload: str, expected: str
) -> None:
    result = invoke("fake_kpi", "--payload", payload)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stdout == ""
    assert anchored == []


def test_bad_settings_exit_2_naming_the_variable(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_TIMEZONE", "Mars/Olympus")
    result = invoke("fake_kpi")
    assert result.exit_code == 2
    assert "SHOP_TIMEZONE" in result.stderr


def test_sis_mode_skips_the_demo_anchor_and_reports_unavailable(
    env: str, anchored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTREAM_MODE", "SIS_HTTP")
    result = invoke("fake_sis_kpi")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert anchored == []


def test_tool_without_arguments_shows_help(env: str) -> None:
    result = invoke()
    assert "list" in result.output
    assert "--payload" in result.output
