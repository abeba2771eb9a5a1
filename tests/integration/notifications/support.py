"""Helpers for the notification tests: a messenger that records files too, and the pipeline driver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownerbot.actions.outcomes import (
    ActionRequest,
    CommitOutcome,
    ConfirmPress,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
)
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.ports import DeliveryError
from ownerbot.config.settings import Settings
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.upstream.base import UpstreamProvider


@dataclass
class FileMessenger:
    """Records texts, photos and documents; chats in `failing` raise `DeliveryError`."""

    texts: list[tuple[int, str]] = field(default_factory=list)
    files: list[tuple[str, int, str, bytes, str]] = field(default_factory=list)
    failing: dict[int, str] = field(default_factory=dict)

    def _check(self, chat_id: int) -> None:
        if chat_id in self.failing:
            raise DeliveryError(self.failing[chat_id])

    async def send_text(self, chat_id: int, text: str, *, silent: bool = False, html: bool = False) -> None:
        self._check(chat_id)
        self.texts.append((chat_id, text))

    async def send_photo(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None:
        self._check(chat_id)
        self.files.append(("photo", chat_id, filename, data, caption))

    async def send_document(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None:
        self._check(chat_id)
        self.files.append(("document", chat_id, filename, data, caption))


@dataclass
class Driver:
    """Runs actions the way the bot does: preview, press ✅ on message 77, execute the claim."""

    pipeline: ActionPipeline
    owner: int

    async def preview(
        self, action: str, payload: Mapping[str, Any], *, actor: int | None = None, locale: str = "ru"
    ) -> PreviewOutcome:
        actor_id = actor or self.owner
        return await self.pipeline.preview(
            ActionRequest(
                action=action, payload=dict(payload), actor_id=actor_id, chat_id=actor_id, locale=locale
            )
        )

    async def run(
        self, action: str, payload: Mapping[str, Any], *, actor: int | None = None, locale: str = "ru"
    ) -> tuple[PreviewOutcome, CommitOutcome]:
        """Preview (must be ready), confirm and commit."""
        actor_id = actor or self.owner
        outcome = await self.preview(action, payload, actor=actor_id, locale=locale)
        assert outcome.status is PreviewStatus.READY, outcome
        assert outcome.token_id is not None
        await self.pipeline.attach_message(outcome.token_id, 77)
        decision = await self.pipeline.confirm(
            ConfirmPress(token_id=outcome.token_id, actor_id=actor_id, chat_id=actor_id, message_id=77)
        )
        assert decision.status is ConfirmStatus.CLAIMED and decision.claim is not None, decision
        return outcome, await self.pipeline.execute(decision.claim)


async def run_tool(
    registry: ToolRegistry,
    provider: UpstreamProvider,
    settings: Settings,
    services: Mapping[str, Any],
    tool: str,
    payload: Mapping[str, Any],
    *,
    actor: int,
    now: Any,
) -> ToolResponse:
    runner = ToolRunner(
        registry, provider_for=lambda: provider, audit=None, clock=lambda: now, services=services
    )
    return await runner.run(make_request(tool, payload, settings=settings, actor_id=actor))
