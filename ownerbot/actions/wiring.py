"""Builds the pipeline and recovery for a process (bot, CLI, test workers) from settings and an engine.

With an `UpstreamModeService` (the bot) both the data source (`provider_for`) and the catalog actions
follow the mode of the moment, so an owner's `/upstream` switch moves where actions go: DEMO → the demo
tables; SIS_HTTP and AUTO → SIS (AUTO never writes to DEMO: SIS down is `SIS_UNAVAILABLE`). Without one
(CLI, tests) the configured mode is used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.actions.contract import ActionDeps
from ownerbot.actions.outcomes import Claim
from ownerbot.actions.pipeline import DEFAULT_COMMIT_TIMEOUT_SEC, ActionPipeline, utc_now
from ownerbot.actions.ports import ChatMessenger
from ownerbot.actions.recovery import ActionRecovery
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.services.audit_log import AuditLog
from ownerbot.services.notifications.wiring import build_notification_services
from ownerbot.storage.engine import create_session_factory
from ownerbot.storage.repositories.actions import ActionRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Tenant
from ownerbot.tools.registry import ToolRegistry
from ownerbot.upstream.annotations import build_annotations
from ownerbot.upstream.base import UpstreamProvider
from ownerbot.upstream.catalog import (
    CatalogActions,
    CatalogOutcomeUnknown,
    CatalogUpstreamError,
    build_catalog_actions,
)
from ownerbot.upstream.factory import build_provider

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ownerbot.upstream.modes import UpstreamModeService


@dataclass(frozen=True)
class ActionServices:
    """What entry points hold: the pipeline (preview/confirm/execute), crash recovery, the data source."""

    pipeline: ActionPipeline
    recovery: ActionRecovery
    provider_for: Callable[[], UpstreamProvider]


def action_registry() -> ToolRegistry:
    """The registry actions run against: the shipped catalog, which lists the action tools too."""
    return default_registry()


def tenant_of(settings: Settings) -> Tenant:
    return Tenant(
        shop_id=settings.shop_id,
        currency=settings.shop_currency,
        timezone=settings.shop_timezone,
        locale=settings.shop_locale,
    )


class ModeCatalog:
    """`CatalogActions` that asks, on every call, which mode is selected now and acts on its catalog.

    DEMO → the demo tables; SIS_HTTP and AUTO → SIS. A SIS mode without SIS configured refuses with
    `SIS_UNAVAILABLE` instead of quietly acting on DEMO.
    """

    def __init__(
        self,
        upstream: UpstreamModeService,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
    ) -> None:
        self._upstream = upstream
        self._settings = settings
        self._session_factory = session_factory
        self._catalogs: dict[UpstreamMode, CatalogActions | None] = {}

    def target(self) -> str:
        """Where catalog actions go now: `DEMO` or `SIS` (SIS_HTTP and AUTO alike)."""
        return "DEMO" if self._upstream.selected is UpstreamMode.DEMO else "SIS"

    def current(self) -> CatalogActions:
        mode = UpstreamMode.DEMO if self.target() == "DEMO" else UpstreamMode.SIS_HTTP
        if mode not in self._catalogs:
            client = self._upstream.sis_client() if mode is UpstreamMode.SIS_HTTP else None
            self._catalogs[mode] = build_catalog_actions(
                self._settings, self._session_factory, mode=mode, sis_client=client
            )
        catalog = self._catalogs[mode]
        if catalog is None:
            raise CatalogUpstreamError(
                f"SIS is not configured (SIS_BASE_URL, SIS_OWNERBOT_API_KEY): in {self._upstream.selected} "
                "mode actions go to SIS, never to the demo shop. Switch to DEMO to act on the demo shop.",
                code="SIS_UNAVAILABLE",
            )
        return catalog

    @property
    def sources(self) -> tuple[str, ...]:
        return self.current().sources

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name.startswith("_"):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await getattr(self.current(), name)(*args, **kwargs)
            except CatalogOutcomeUnknown:
                raise
            except CatalogUpstreamError as exc:
                if exc.code != "SIS_UNAVAILABLE" or self._upstream.selected is not UpstreamMode.AUTO:
                    raise
                # Reads fall back to DEMO in AUTO; say plainly that writes do not.
                raise CatalogUpstreamError(
                    f"{exc.message} (AUTO mode: actions are never done on the demo shop instead)",
                    exc.details,
                    code=exc.code,
                ) from exc

        return call


def build_action_services(
    settings: Settings,
    engine: AsyncEngine,
    audit: AuditLog | None,
    messenger: ChatMessenger | None,
    *,
    registry: ToolRegistry | None = None,
    clock: Callable[[], datetime] = utc_now,
    after_claim: Callable[[Claim], Awaitable[None]] | None = None,
    commit_timeout_sec: float | None = None,
    upstream: UpstreamModeService | None = None,
) -> ActionServices:
    """One pipeline and one recovery over `engine`; `messenger` is None where Telegram is not reachable.

    `upstream` (the bot's mode service) makes the data source and the catalog follow the runtime mode;
    without it they are the configured mode's.
    """
    session_factory = create_session_factory(engine)
    registry = registry or action_registry()
    repository = ActionRepository(session_factory)
    provider_for: Callable[[], UpstreamProvider]
    catalog: CatalogActions | None
    target_for: Callable[[], str] | None = None
    if upstream is not None:
        provider_for = upstream.provider
        mode_catalog = ModeCatalog(upstream, settings, session_factory)
        catalog = cast(CatalogActions, mode_catalog)
        target_for = mode_catalog.target
    else:
        provider = build_provider(settings, session_factory)
        provider_for = lambda: provider  # noqa: E731
        catalog = build_catalog_actions(settings, session_factory)
    deps = ActionDeps(
        annotations=build_annotations(settings, session_factory),
        messenger=messenger,
        manager_chat_ids=tuple(settings.manager_chat_ids),
        catalog=catalog,
        notifications=build_notification_services(settings, session_factory, registry, audit),
    )
    pipeline = ActionPipeline(
        registry,
        repository,
        audit,
        deps=deps,
        provider_for=provider_for,
        owner_ids=settings.owner_ids,
        tenant=tenant_of(settings),
        confirm_ttl_sec=settings.action_confirm_ttl_sec,
        planner_allowed=settings.llm_allowed_action_tools,
        clock=clock,
        after_claim=after_claim,
        commit_timeout_sec=commit_timeout_sec or DEFAULT_COMMIT_TIMEOUT_SEC,
        upstream_target_for=target_for,
    )
    recovery = ActionRecovery(repository, audit, messenger, registry, clock=clock)
    return ActionServices(pipeline=pipeline, recovery=recovery, provider_for=provider_for)
