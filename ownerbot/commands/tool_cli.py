"""`ownerbot tool`: list the tools, or run one with a JSON payload and print its ToolResponse.

`ownerbot tool list [--json]` and `ownerbot tool NAME --payload '{...}'` (same as `tool run NAME`).
Exit codes: 0 an ok answer, 1 an error answer (the JSON says which), 2 bad input or configuration.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.core import TyperGroup

from ownerbot.config.settings import Settings, SettingsError, UpstreamMode, load_settings
from ownerbot.observability.correlation import correlation_scope
from ownerbot.observability.logging import configure_logging
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.factory import build_provider

EXIT_ERROR_RESPONSE = 1
EXIT_BAD_INPUT = 2
RUN_COMMAND = "run"
# Key under which tools such as sys_audit_recent find the audit repository in `ToolContext.services`.
_DESCRIPTION_CHARS = 80


class ToolCommandGroup(TyperGroup):
    """Routes `tool NAME ...` to `tool run NAME ...` when NAME is not a sub-command such as `list`."""

    # Typer's vendored click types are private; `Any` keeps this override compatible with them.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [RUN_COMMAND, *args]
        return super().resolve_command(ctx, args)


tool_app = typer.Typer(
    cls=ToolCommandGroup,
    help="Tools: `ownerbot tool list`, or `ownerbot tool NAME --payload '{...}'` to run one.",
    no_args_is_help=True,
)


@tool_app.command("list")
def list_tools(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with payload schemas.")] = False,
) -> None:
    """List every tool: name, kind, risk and what it answers."""
    specs = default_registry().all()
    if as_json:
        rows = [
            {
                "name": spec.name,
                "kind": spec.kind.value,
                "risk": spec.risk.value,
                "version": spec.version,
                "windowless": spec.windowless,
                "description": spec.description,
                "examples": list(spec.examples),
                "payload_schema": spec.payload_model.model_json_schema(),
            }
            for spec in specs
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(spec.name) for spec in specs), default=4)
    typer.echo(f"{'NAME':<{width}}  {'KIND':<6}  {'RISK':<4}  DESCRIPTION")
    for spec in specs:
        summary = _first_line(spec.description)
        typer.echo(f"{spec.name:<{width}}  {spec.kind.value:<6}  {spec.risk.value:<4}  {summary}")


@tool_app.command(RUN_COMMAND)
def run_tool(
    name: Annotated[str, typer.Argument(help="Tool name, e.g. kpi_snapshot (see `ownerbot tool list`).")],
    payload: Annotated[
        str, typer.Option("--payload", "-p", help='The payload as a JSON object, e.g. \'{"range":"today"}\'.')
    ] = "{}",
) -> None:
    """Run tool NAME and print its ToolResponse as JSON (exit 1 when the answer is an error)."""
    parsed = parse_payload(payload)
    settings = _load_settings()
    try:
        response = asyncio.run(execute_tool(settings, name, parsed))
    except (OSError, SQLAlchemyError) as exc:
        _database_unreachable(exc)
    typer.echo(response.model_dump_json(indent=2, by_alias=True))
    raise typer.Exit(code=0 if response.status == "ok" else EXIT_ERROR_RESPONSE)


def parse_payload(text: str) -> dict[str, Any]:
    """The `--payload` JSON object, or a usage error (exit 2) saying what is wrong with it."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        _usage_error(f"--payload is not valid JSON ({exc.msg} at position {exc.pos}).")
    except ValueError:
        _usage_error("--payload is not valid JSON.")
    if not isinstance(value, dict):
        kind = type(value).__name__
        _usage_error(f"--payload must be a JSON object such as '{{\"days\": 7}}', not {kind}.")
    return value


async def execute_tool(settings: Settings, name: str, payload: dict[str, Any]) -> ToolResponse:
    """Migrate, open the database, anchor the demo shop in DEMO mode and run one tool as the CLI actor."""
    registry = default_registry()
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    try:
        session_factory = create_session_factory(engine)
        if settings.upstream_mode is UpstreamMode.DEMO:
            await anchor_demo(engine, settings)
        provider = build_provider(settings, session_factory)
        audit_repository = AuditRepository(session_factory, settings.secret_values())
        runner = ToolRunner(
            registry,
            provider_for=lambda: provider,
            audit=AuditLog(audit_repository),
            services=build_tool_services(settings, session_factory, audit_repository),
        )
        with correlation_scope() as correlation_id:
            request = make_request(
                name, payload, settings=settings, role="cli", correlation_id=correlation_id
            )
            return await runner.run(request)
    finally:
        await engine.dispose()


async def anchor_demo(engine: AsyncEngine, settings: Settings) -> int:
    """Move the demo shop's dates up to today, so "today" and "last 7 days" have data."""
    # Imported by name: the demo anchor ships separately and is only needed in DEMO mode.
    anchor = importlib.import_module("ownerbot.upstream.demo.anchor")
    shifted: int = await anchor.ensure_anchored(engine, tz=settings.shop_timezone, now=datetime.now(UTC))
    return shifted


def _load_settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT) from None
    configure_logging(settings.log_level, settings.log_format.value, settings.secret_values())
    return settings


def _usage_error(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=EXIT_BAD_INPUT)


def _database_unreachable(exc: BaseException) -> NoReturn:
    typer.echo(
        f"Cannot open the database ({type(exc).__name__}); check DATABASE_URL and that it is reachable.",
        err=True,
    )
    raise typer.Exit(code=EXIT_BAD_INPUT) from None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _DESCRIPTION_CHARS else line[: _DESCRIPTION_CHARS - 1] + "…"
