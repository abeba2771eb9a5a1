"""Crash safety: claims left `in_progress` become `unknown`, the owner is told once, nothing is re-run.

At start-up every claim started before this process booted is orphaned (its process is gone); while
running, a sweep marks claims older than `stale_after` (longer than any commit may take, since the
pipeline's own commit deadline finalizes slow commits as `unknown` itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ownerbot.actions.audit_trail import EVENT_FAIL
from ownerbot.actions.pipeline import utc_now
from ownerbot.actions.ports import ChatMessenger, DeliveryError
from ownerbot.i18n import catalog_keys, t
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.repositories.actions import ActionRepository, ExecutionRecord
from ownerbot.tools.registry import ToolRegistry

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER_SEC = 300.0
DEFAULT_SWEEP_INTERVAL_SEC = 60.0


class ActionRecovery:
    """Marks orphaned claims `unknown` and tells the owner who pressed, once per execution."""

    def __init__(
        self,
        repository: ActionRepository,
        audit: AuditLog | None,
        messenger: ChatMessenger | None,
        registry: ToolRegistry,
        *,
        clock: Callable[[], datetime] = utc_now,
        stale_after_sec: float = DEFAULT_STALE_AFTER_SEC,
    ) -> None:
        self._repository = repository
        self._audit = audit
        self._messenger = messenger
        self._registry = registry
        self.clock = clock
        self._stale_after = timedelta(seconds=stale_after_sec)
        self.booted_at = clock()

    async def recover_at_startup(self) -> list[ExecutionRecord]:
        """Claims of earlier processes are orphans: mark them `unknown`, then tell their owners."""
        marked = await self._mark(self.booted_at, "startup")
        await self.notify_pending()
        return marked

    async def sweep(self) -> list[ExecutionRecord]:
        """Claims `in_progress` for longer than `stale_after` become `unknown`; pending notices go out."""
        marked = await self._mark(self.clock() - self._stale_after, "timeout")
        await self.notify_pending()
        return marked

    async def _mark(self, started_before: datetime, trigger: str) -> list[ExecutionRecord]:
        marked = await self._repository.mark_unknown(started_before=started_before, now=self.clock())
        for execution in marked:
            log.warning(
                "action_outcome_unknown",
                extra={"action": execution.action_name, "trigger": trigger, "execution_id": execution.id},
            )
            if self._audit is not None:
                await self._audit.record(
                    EVENT_FAIL,
                    correlation_id=execution.correlation_id,
                    action_name=execution.action_name,
                    actor_tg_id=execution.actor_tg_id,
                    payload_hash=execution.payload_hash,
                    status="unknown",
                    summary="outcome unknown: the process stopped between claim and finalize; not re-run",
                    started_at=execution.started_at,
                    finished_at=execution.finished_at,
                    details={"trigger": trigger, "execution_id": execution.id, "forced": execution.forced},
                )
        return marked

    async def notify_pending(self) -> int:
        """Tell owners about `unknown` executions not yet reported; returns how many were told now."""
        if self._messenger is None:
            return 0  # a process without Telegram (the CLI) leaves the notice to the bot
        told = 0
        for execution in await self._repository.unknown_without_notice():
            if not await self._repository.claim_owner_notice(execution.id, self.clock()):
                continue  # another process took this notice
            try:
                delivered = await self._tell(execution)
            except Exception:
                log.exception("action_unknown_notice_crashed", extra={"execution_id": execution.id})
                delivered = False
            if delivered:
                told += 1
            else:
                await self._repository.release_owner_notice(execution.id)
        return told

    async def _tell(self, execution: ExecutionRecord) -> bool:
        assert self._messenger is not None
        token = await self._repository.get_token(execution.token_id)
        locale = token.locale if token else "ru"
        spec = self._registry.get(execution.action_name)
        title_key = spec.action.title_key if spec and spec.action else None
        title = t(title_key, locale) if title_key in catalog_keys(locale) else execution.action_name
        text = t(
            "actions.recovery.unknown",
            locale,
            title=title,
            action=execution.action_name,
            cid=execution.correlation_id,
        )
        # A CLI claim has no chat (chat id 0): the owner's private chat is their user id.
        chat_id = execution.chat_id or execution.actor_tg_id
        try:
            await self._messenger.send_text(chat_id, text, html=True)
        except DeliveryError as exc:
            log.warning("action_unknown_notice_failed", extra={"error": exc.code})
            return False
        return True

    async def run_sweeps(self, stop: asyncio.Event, interval_sec: float = DEFAULT_SWEEP_INTERVAL_SEC) -> None:
        """Sweep every `interval_sec` until `stop` is set; one failing sweep does not end the loop."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_sec)
            if stop.is_set():
                return
            try:
                await self.sweep()
            except Exception:
                log.exception("action_recovery_sweep_failed")
