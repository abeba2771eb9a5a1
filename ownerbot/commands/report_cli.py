"""`ownerbot report`: the bot's reports as files — `weekly`, `ops` (PDF), `trend`, `dashboard`, `funnel`,
`access` (PNG), or the data behind any of them with `--format json|csv`.

    ownerbot report weekly --out weekly.pdf
    ownerbot report trend --days 30 --out trend.png
    ownerbot report dashboard --format csv --out dashboard.csv

Settings, migration and demo anchoring as `ownerbot tool` does. Exit codes: 0 written, 2 bad input or
configuration (a section whose tool failed is rendered as unavailable and named on stderr, exit 0).
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from ownerbot.commands.tool_cli import EXIT_BAD_INPUT, _database_unreachable, _load_settings, anchor_demo
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.i18n import pick_locale, t
from ownerbot.observability.correlation import correlation_scope
from ownerbot.reports.inputs import TREND_DAYS, ExportFormat, ReportKind, ReportRequest
from ownerbot.reports.service import ReportOutcome, build_report_service
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.factory import build_provider


class OutputFormat(StrEnum):
    PNG = "png"
    PDF = "pdf"
    JSON = "json"
    CSV = "csv"


report_app = typer.Typer(
    help="Reports as files: PDF (weekly, ops), PNG (trend, dashboard, funnel, access), or their data "
    "as JSON/CSV.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="File to write (default: the report's own name, here).")
]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="The report's own format (default), or json / csv for its data."),
]
LocaleOption = Annotated[str | None, typer.Option("--locale", help="ru or en (default: SHOP_LOCALE).")]


async def produce_report(settings: Settings, request: ReportRequest, export: ExportFormat) -> ReportOutcome:
    """Migrate, open the database, anchor the demo shop in DEMO mode, run the report as the CLI actor."""
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    try:
        if settings.upstream_mode is UpstreamMode.DEMO:
            await anchor_demo(engine, settings)
        session_factory = create_session_factory(engine)
        provider = build_provider(settings, session_factory)
        audit_repository = AuditRepository(session_factory, settings.secret_values())
        service = build_report_service(
            settings,
            lambda: provider,
            AuditLog(audit_repository),
            tool_services=build_tool_services(settings, session_factory, audit_repository),
        )
        with correlation_scope():
            return await service.build(request, export=export)
    finally:
        await engine.dispose()


def _run(
    kind: ReportKind, out: Path | None, output: OutputFormat | None, locale: str | None, days: int = 30
) -> None:
    settings = _load_settings()
    export = _export(kind, output)
    request = ReportRequest(
        kind, locale=pick_locale(locale or settings.shop_locale), days=days, actor_id=None, role="cli"
    )
    try:
        outcome = asyncio.run(produce_report(settings, request, export))
    except (OSError, SQLAlchemyError) as exc:
        _database_unreachable(exc)
    artifact = outcome.artifact
    path = out or Path(artifact.filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(artifact.data)
    failed = outcome.failed_sections
    if failed:
        sections = ", ".join(f"{key} ({code})" for key, code in failed)
        typer.echo(t("reports.common.sections_failed", request.locale, sections=sections), err=True)
    typer.echo(f"{path} ({len(artifact.data):,} bytes): {artifact.caption}")


def _export(kind: ReportKind, output: OutputFormat | None) -> ExportFormat:
    if output is None or output.value == kind.native_type:
        return "native"
    if output is OutputFormat.JSON:
        return "json"
    if output is OutputFormat.CSV:
        return "csv"
    typer.echo(
        f"--format {output.value}: the {kind.value} report is {kind.native_type}, or json / csv.", err=True
    )
    raise typer.Exit(code=EXIT_BAD_INPUT)


@report_app.command("weekly")
def weekly(out: OutOption = None, output: FormatOption = None, locale: LocaleOption = None) -> None:
    """The weekly PDF: KPI week over week, trend, rankings, funnel, access, problems, forecast, FX."""
    _run(ReportKind.WEEKLY, out, output, locale)


@report_app.command("ops")
def ops(out: OutOption = None, output: FormatOption = None, locale: LocaleOption = None) -> None:
    """The ops PDF: every stuck / late / unpaid order with waiting times, and unanswered chats."""
    _run(ReportKind.OPS, out, output, locale)


@report_app.command("trend")
def trend(
    days: Annotated[int, typer.Option("--days", help="7, 30 or 90.")] = 30,
    out: OutOption = None,
    output: FormatOption = None,
    locale: LocaleOption = None,
) -> None:
    """The revenue trend PNG of 7, 30 or 90 days over the previous window."""
    if days not in TREND_DAYS:
        typer.echo(f"--days: one of {', '.join(map(str, TREND_DAYS))}, got {days}.", err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT)
    _run(ReportKind.TREND, out, output, locale, days)


@report_app.command("dashboard")
def dashboard(out: OutOption = None, output: FormatOption = None, locale: LocaleOption = None) -> None:
    """The daily dashboard PNG: yesterday's KPI, 14-day trend, top products, problems now."""
    _run(ReportKind.DASHBOARD, out, output, locale)


@report_app.command("funnel")
def funnel(out: OutOption = None, output: FormatOption = None, locale: LocaleOption = None) -> None:
    """The payment funnel PNG of the orders created in 30 days."""
    _run(ReportKind.FUNNEL, out, output, locale)


@report_app.command("access")
def access(out: OutOption = None, output: FormatOption = None, locale: LocaleOption = None) -> None:
    """The access denials PNG of 7 days against the usual level."""
    _run(ReportKind.ACCESS, out, output, locale)
