"""Runtime diagnostics for `/start` and `/systems`: versions, reachability, configuration — never secrets."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot import __version__
from ownerbot.config.settings import TELEGRAM_DEFAULT_API_URL, Settings
from ownerbot.services.preflight import PreflightReport, run_preflight
from ownerbot.services.upstream_status import UpstreamStatus, describe_upstream
from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.storage.engine import create_session_factory, ping_database
from ownerbot.storage.migrate import current_revision, head_revision
from ownerbot.upstream.sis.event_ingestion import EventIngestionStatus, ingestion_status

if TYPE_CHECKING:
    from ownerbot.upstream.modes import UpstreamModeService


class RuntimeStatus(BaseModel):
    """The short status line of `/start`."""

    storage_backend: str
    state_backend: str
    upstream: UpstreamStatus
    asr_provider: str
    llm_provider: str


class Probe(BaseModel):
    reachable: bool
    latency_ms: float | None = None
    error: str | None = None


class DriftInfo(BaseModel):
    """A SIS answer field that does not match the contract (recorded by the SIS client)."""

    endpoint: str
    field: str
    problem: str


class Diagnostics(BaseModel):
    """Everything `/systems` shows. Secrets appear only as booleans."""

    versions: dict[str, str]
    status: RuntimeStatus
    database: Probe
    migration_current: str | None
    migration_head: str
    state: Probe
    sis_base_url: str | None
    sis_key_present: bool
    openai_key_present: bool
    bot_token_present: bool
    telegram_api: str
    bot_mode: str
    owner_count: int
    manager_chat_count: int
    preflight: PreflightReport
    contract_check_enabled: bool = True
    contract_drift: list[DriftInfo] = []
    sis_events: EventIngestionStatus | None = None  # None: the database or its events table is unreadable


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def runtime_status(
    settings: Settings, state: StateStore, modes: UpstreamModeService | None = None
) -> RuntimeStatus:
    """Backends in use right now (state may have fallen back to in-process when Redis was down)."""
    return RuntimeStatus(
        storage_backend=settings.storage_backend,
        state_backend=state.backend,
        upstream=describe_upstream(settings, modes),
        asr_provider=settings.asr_provider.value,
        llm_provider=settings.llm_provider.value,
    )


async def _probe_database(engine: AsyncEngine) -> Probe:
    try:
        return Probe(reachable=True, latency_ms=round(await ping_database(engine), 1))
    except Exception as exc:
        return Probe(reachable=False, error=type(exc).__name__)


async def _probe_state(state: StateStore) -> Probe:
    try:
        return Probe(reachable=True, latency_ms=round(await state.ping(), 1))
    except StateStoreUnavailable as exc:
        return Probe(reachable=False, error=str(exc)[:120])


def _public_api_url(settings: Settings) -> str:
    url = settings.telegram_api_url.rstrip("/")
    return "Telegram" if url == TELEGRAM_DEFAULT_API_URL else url


async def collect_diagnostics(
    settings: Settings, engine: AsyncEngine, state: StateStore, modes: UpstreamModeService | None = None
) -> Diagnostics:
    """Probe every dependency once and describe the configuration (`modes`: the live upstream mode)."""
    database = await _probe_database(engine)
    current = await current_revision(engine) if database.reachable else None
    return Diagnostics(
        versions={
            "ownerbot": __version__,
            "python": platform.python_version(),
            "aiogram": _version("aiogram"),
            "sqlalchemy": _version("SQLAlchemy"),
        },
        status=runtime_status(settings, state, modes),
        database=database,
        migration_current=current,
        migration_head=head_revision(),
        state=await _probe_state(state),
        sis_base_url=settings.sis_base_url,
        sis_key_present=settings.sis_ownerbot_api_key is not None,
        openai_key_present=settings.openai_api_key is not None,
        bot_token_present=settings.bot_token is not None,
        telegram_api=_public_api_url(settings),
        bot_mode=settings.bot_mode.value,
        owner_count=len(settings.owner_ids),
        manager_chat_count=len(settings.manager_chat_ids),
        preflight=await run_preflight(settings, engine=engine, state=state),
        contract_check_enabled=settings.sis_contract_check_enabled,
        contract_drift=_contract_drift(modes),
        sis_events=await sis_events_status(settings, engine) if database.reachable else None,
    )


async def sis_events_status(settings: Settings, engine: AsyncEngine) -> EventIngestionStatus | None:
    """Event ingestion as stored; None when the events table cannot be read (e.g. migrations behind)."""
    try:
        return await ingestion_status(settings, create_session_factory(engine))
    except SQLAlchemyError:
        return None


def _contract_drift(modes: UpstreamModeService | None) -> list[DriftInfo]:
    """Drift the SIS client recorded (SIS_CONTRACT_CHECK_ENABLED), newest first."""
    client = modes.sis_client() if modes is not None else None
    if client is None:
        return []
    return [
        DriftInfo(endpoint=w.endpoint, field=w.field, problem=w.problem)
        for w in reversed(client.drift_warnings())
    ]
