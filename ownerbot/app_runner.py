"""Process-level flows behind the CLI: preflight, run with fail-fast, health, schema status."""

from __future__ import annotations

import logging

from ownerbot.config.settings import Settings
from ownerbot.process_tuning import freeze_startup_heap
from ownerbot.runtime import StartupError, build_runtime, open_state, prepare_upstream
from ownerbot.services.preflight import Level, PreflightReport, run_preflight
from ownerbot.storage.engine import create_engine, ping_database
from ownerbot.storage.migrate import current_revision, head_revision, upgrade

log = logging.getLogger("ownerbot")


async def preflight_report(settings: Settings, *, require_token: bool = True) -> PreflightReport:
    engine = create_engine(settings)
    state = await open_state(settings)
    try:
        return await run_preflight(settings, engine=engine, state=state, require_token=require_token)
    finally:
        await state.close()
        await engine.dispose()


async def run_bot(settings: Settings) -> int:
    """Migrate, preflight, then poll until SIGINT/SIGTERM. Returns the process exit code."""
    try:
        await upgrade(settings.resolved_database_url)
    except Exception as exc:
        # Preflight below reports the database problem with a stable code.
        log.error("migration_failed", extra={"error": type(exc).__name__})
    engine = create_engine(settings)
    state = await open_state(settings)
    report = await run_preflight(settings, engine=engine, state=state)
    for finding in report.findings:
        log.info("preflight %s %s: %s", finding.level.value, finding.code, finding.message)
    if report.failed and settings.preflight_fail_fast:
        codes = ",".join(report.codes(Level.FAIL))
        log.error("preflight_failed codes=%s", codes, extra={"codes": codes})
        await state.close()
        await engine.dispose()
        return 2
    await prepare_upstream(settings, engine)
    try:
        runtime = await build_runtime(settings, migrate=False, engine=engine, state=state)
    except StartupError as exc:  # e.g. a broken template catalog: the message names file and problem
        log.error("startup_failed\n%s", exc)
        await state.close()
        await engine.dispose()
        return 2
    freeze_startup_heap()
    try:
        log.info("polling_started", extra={"api": settings.telegram_api_url})
        await runtime.poll(handle_signals=True)
    finally:
        await runtime.close()
    return 0


async def healthy(settings: Settings) -> bool:
    engine = create_engine(settings)
    try:
        await ping_database(engine)
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


async def schema_revisions(settings: Settings) -> tuple[str | None, str]:
    engine = create_engine(settings)
    try:
        return await current_revision(engine), head_revision()
    finally:
        await engine.dispose()
