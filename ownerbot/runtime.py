"""Composition root: builds storage, state, services, the bot and its dispatcher once, and runs polling."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.backoff import BackoffConfig
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.actions.wiring import build_action_services
from ownerbot.bot.commands import register_commands
from ownerbot.bot.context import BotServices
from ownerbot.bot.dispatcher import build_dispatcher
from ownerbot.bot.fsm import build_fsm_storage
from ownerbot.bot.messenger import AiogramMessenger
from ownerbot.bot.session import create_bot
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.reports.service import build_report_service
from ownerbot.services.access import AccessPolicy
from ownerbot.services.audit_log import AuditLog
from ownerbot.services.preflight import PreflightReport, run_preflight
from ownerbot.services.sis_capabilities import CapabilityService
from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.state.factory import build_state_store
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.templates.loader import TemplateCatalog, TemplateCatalogError, load_catalog
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.event_ingestion import EventIngestion, build_event_ingestion

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """OwnerBot cannot start; the message says which file and what is wrong."""


def load_templates() -> TemplateCatalog:
    """The template catalog, checked against the tools; a broken catalog stops start-up."""
    try:
        return load_catalog()
    except TemplateCatalogError as exc:
        raise StartupError(str(exc)) from exc


POLLING_BACKOFF = BackoffConfig(min_delay=0.5, max_delay=5.0, factor=1.5, jitter=0.1)


async def prepare_upstream(settings: Settings, engine: AsyncEngine) -> None:
    """DEMO (and AUTO, whose fallback is DEMO) needs a demo shop anchored to today: seed or move it."""
    if settings.upstream_mode is UpstreamMode.SIS_HTTP:
        return
    from ownerbot.upstream.demo.bootstrap import prepare_demo_shop

    await prepare_demo_shop(
        engine, tz=settings.shop_timezone, currency=settings.shop_currency, now=datetime.now(UTC)
    )


async def open_state(settings: Settings) -> StateStore:
    """Redis when configured and reachable; otherwise the in-process store (with a warning)."""
    state = build_state_store(settings)
    if state.backend == "redis":
        try:
            await state.ping()
        except StateStoreUnavailable:
            log.warning("redis_unreachable_fallback_to_memory")
            await state.close()
            return MemoryStateStore()
    return state


@dataclass
class Runtime:
    """Everything a running OwnerBot holds. Built by `build_runtime`, closed by `close`."""

    settings: Settings
    engine: AsyncEngine
    state: StateStore
    services: BotServices
    bot: Bot
    dispatcher: Dispatcher
    sis_events: EventIngestion | None = None  # SIS event pull loop / push endpoint (docs/sis-events.md)
    _closed: bool = field(default=False, repr=False)

    async def preflight(self) -> PreflightReport:
        return await run_preflight(self.settings, engine=self.engine, state=self.state)

    async def poll(self, *, handle_as_tasks: bool = True, handle_signals: bool = False) -> None:
        """Long polling until `stop()` (or a signal, when `handle_signals`)."""
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
            await register_commands(self.bot)
        except TelegramAPIError as exc:
            # The server answered but refused: polling can still work, so log and go on.
            log.warning("bot_startup_call_failed", extra={"error": type(exc).__name__})
        if self.sis_events is not None:
            await self.sis_events.start()
        await self.dispatcher.start_polling(
            self.bot,
            handle_as_tasks=handle_as_tasks,
            handle_signals=handle_signals,
            close_bot_session=False,
            backoff_config=POLLING_BACKOFF,
            polling_timeout=10,
        )

    async def stop(self) -> None:
        """Ask polling to stop (returns at once; `poll()` then finishes)."""
        with contextlib.suppress(RuntimeError):  # not polling
            await self.dispatcher.stop_polling()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.sis_events is not None:
            await self.sis_events.stop()
        from ownerbot.upstream.sis.client import close_sis_client

        await close_sis_client()
        await self.bot.session.close()
        await self.dispatcher.storage.close()
        await self.state.close()
        await self.engine.dispose()


async def build_runtime(
    settings: Settings,
    *,
    migrate: bool = True,
    engine: AsyncEngine | None = None,
    state: StateStore | None = None,
) -> Runtime:
    """Upgrade the schema (unless told not to), open state, wire services, bot and dispatcher.

    `engine` and `state` may be passed in when the caller already opened them (e.g. for preflight).
    """
    templates = load_templates()  # first: a broken catalog stops start-up before any side effect
    if migrate:
        await upgrade(settings.resolved_database_url)
    engine = engine or create_engine(settings)
    state = state or await open_state(settings)
    audit = AuditLog(AuditRepository(create_session_factory(engine), secrets=settings.secret_values()))
    upstream = UpstreamModeService(settings, state, session_factory=create_session_factory(engine))
    await upstream.load()  # the runtime override (UPSTREAM_REDIS_KEY) survives restarts
    services = BotServices(
        settings=settings,
        engine=engine,
        state=state,
        audit=audit,
        access=AccessPolicy(settings, state, audit),
        upstream=upstream,
        capabilities=CapabilityService(settings, state, modes=upstream),  # cached in the state store
    )
    redis_url = (
        settings.redis_url.get_secret_value() if settings.redis_url and state.backend == "redis" else None
    )
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    bot = create_bot(token, settings.telegram_api_url)
    # The ACTION pipeline sends Telegram messages (notify_team, crash notices) through this bot, so it is
    # wired once the bot exists; its start-up recovery runs from the actions router's startup hook.
    services = dataclasses.replace(
        # Read tools and catalog actions follow the mode of the moment (/upstream).
        services,
        actions=build_action_services(settings, engine, audit, AiogramMessenger(bot), upstream=upstream),
    )
    # Reports (ownerbot/reports/): PNG/PDF over the read tools, reading the data source the actions use.
    if services.actions is not None:
        services = dataclasses.replace(
            services,
            reports=build_report_service(
                settings,
                services.actions.provider_for,
                audit,
                tool_services=build_tool_services(
                    settings,
                    create_session_factory(engine),
                    audit.repository,
                    state=state,
                    modes=upstream,
                    capabilities=services.capabilities,
                ),
            ),
        )
    services = dataclasses.replace(services, templates=templates)
    dispatcher = build_dispatcher(services, build_fsm_storage(redis_url))
    sis_events = build_event_ingestion(
        settings,
        create_session_factory(engine),
        active=lambda: upstream.selected is not UpstreamMode.DEMO,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        state=state,
        services=services,
        bot=bot,
        dispatcher=dispatcher,
        sis_events=sis_events,
    )
