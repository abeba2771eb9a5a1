"""The `ownerbot` command line: run the bot, the playground, preflight, health and database migrations."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer

from ownerbot import __version__
from ownerbot.commands.action_cli import action_app
from ownerbot.commands.demo_cli import demo_app
from ownerbot.commands.report_cli import report_app
from ownerbot.commands.sis_sim_cli import sis_sim_app
from ownerbot.commands.templates_cli import templates_app
from ownerbot.commands.tool_cli import tool_app
from ownerbot.config.settings import Settings, SettingsError, UpstreamMode, load_settings
from ownerbot.observability.logging import configure_logging

app = typer.Typer(help="OwnerBot: true reports and safe actions for a shop owner.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tool_app, name="tool")
app.add_typer(action_app, name="action")
app.add_typer(demo_app, name="demo")
app.add_typer(report_app, name="report")
app.add_typer(sis_sim_app, name="sis-sim")
app.add_typer(templates_app, name="templates")

log = logging.getLogger("ownerbot")

EXIT_PREFLIGHT_FAILED = 2


def _settings(**overrides: object) -> Settings:
    """Load settings or stop with the list of bad variables (exit code 2)."""
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    configure_logging(settings.log_level, settings.log_format.value, settings.secret_values())
    return settings


@app.command()
def version() -> None:
    """Print the OwnerBot version."""
    typer.echo(__version__)


@app.command()
def run() -> None:
    """Run the bot with long polling (preflight first; see PREFLIGHT_FAIL_FAST)."""
    from ownerbot.app_runner import run_bot

    settings = _settings()
    raise typer.Exit(code=asyncio.run(run_bot(settings)))


@app.command()
def preflight(
    require_token: Annotated[bool, typer.Option(help="Treat a missing BOT_TOKEN as a failure.")] = True,
) -> None:
    """Check the environment and print every finding; exit 2 when something FAILs."""
    from ownerbot.app_runner import preflight_report

    settings = _settings()
    report = asyncio.run(preflight_report(settings, require_token=require_token))
    for finding in report.findings:
        typer.echo(f"{finding.level.value:<4} {finding.code:<22} {finding.message}")
    typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(code=EXIT_PREFLIGHT_FAILED)


@app.command()
def health() -> None:
    """Exit 0 when the database answers (used by the container healthcheck), 1 otherwise."""
    from ownerbot.app_runner import healthy

    settings = _settings()
    ok = asyncio.run(healthy(settings))
    typer.echo("ok" if ok else "unhealthy")
    raise typer.Exit(code=0 if ok else 1)


@app.command()
def playground(
    host: Annotated[str, typer.Option(help="Address of the chat page and Bot API emulator.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the chat page and Bot API emulator.")] = 8765,
    upstream: Annotated[
        UpstreamMode,
        typer.Option(help="Data source: DEMO, or SIS_HTTP/AUTO with SIS_BASE_URL and the key from the env."),
    ] = UpstreamMode.DEMO,
) -> None:
    """Local Telegram: a Bot API emulator, the real bot polling it, and a chat page in the browser."""
    from ownerbot.playground.runner import playground_settings, serve_playground

    settings = _settings(**playground_settings(upstream.value))
    asyncio.run(serve_playground(settings, host=host, port=port))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from ownerbot.storage.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings.resolved_database_url, revision))
    typer.echo(f"database upgraded to {revision} ({settings.storage_backend})")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Revert migrations down to REVISION (`base` for an empty schema)."""
    from ownerbot.storage.migrate import downgrade

    settings = _settings()
    asyncio.run(downgrade(settings.resolved_database_url, revision))
    typer.echo(f"database downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the current and the newest schema revision."""
    from ownerbot.app_runner import schema_revisions

    settings = _settings()
    current, head = asyncio.run(schema_revisions(settings))
    typer.echo(f"current: {current or '-'}  head: {head}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        sys.exit(130)
