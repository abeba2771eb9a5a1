"""Builds the pipeline and recovery for a process (bot, CLI, test workers) from settings and an engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.actions.contract import ActionDeps
from ownerbot.actions.outcomes import Claim
from ownerbot.actions.pipeline import DEFAULT_COMMIT_TIMEOUT_SEC, ActionPipeline, utc_now
from ownerbot.actions.ports import ChatMessenger
from ownerbot.actions.recovery import ActionRecovery
from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_session_factory
from ownerbot.storage.repositories.actions import ActionRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Tenant
from ownerbot.tools.registry import ToolRegistry
from ownerbot.upstream.annotations import build_annotations
from ownerbot.upstream.base import UpstreamProvider
from ownerbot.upstream.catalog import build_catalog_actions
from ownerbot.upstream.factory import build_provider


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
) -> ActionServices:
    """One pipeline and one recovery over `engine`; `messenger` is None where Telegram is not reachable."""
    session_factory = create_session_factory(engine)
    registry = registry or action_registry()
    repository = ActionRepository(session_factory)
    provider = build_provider(settings, session_factory)
    deps = ActionDeps(
        annotations=build_annotations(settings, session_factory),
        messenger=messenger,
        manager_chat_ids=tuple(settings.manager_chat_ids),
        catalog=build_catalog_actions(settings, session_factory),
    )
    pipeline = ActionPipeline(
        registry,
        repository,
        audit,
        deps=deps,
        provider_for=lambda: provider,
        owner_ids=settings.owner_ids,
        tenant=tenant_of(settings),
        confirm_ttl_sec=settings.action_confirm_ttl_sec,
        planner_allowed=settings.llm_allowed_action_tools,
        clock=clock,
        after_claim=after_claim,
        commit_timeout_sec=commit_timeout_sec or DEFAULT_COMMIT_TIMEOUT_SEC,
    )
    recovery = ActionRecovery(repository, audit, messenger, registry, clock=clock)
    return ActionServices(pipeline=pipeline, recovery=recovery, provider_for=lambda: provider)
