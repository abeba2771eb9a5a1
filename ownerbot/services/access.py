"""Who may use OwnerBot: only `OWNER_IDS`. Denials are audited (throttled) and optionally answered once."""

from __future__ import annotations

from pydantic import BaseModel

from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.state.base import StateStore, StateStoreUnavailable


class AccessDecision(BaseModel):
    allowed: bool
    notify: bool = False  # answer «Нет доступа.» to this (private) chat
    audited: bool = False


class AccessPolicy:
    """Owner gate logic, independent of Telegram wiring."""

    def __init__(self, settings: Settings, state: StateStore, audit: AuditLog) -> None:
        self._owners = frozenset(settings.owner_ids)
        self._settings = settings
        self._state = state
        self._audit = audit

    def is_owner(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self._owners

    async def decide(
        self, *, user_id: int | None, update_kind: str, chat_id: int | None, chat_type: str | None
    ) -> AccessDecision:
        """Allow owners; for anyone else write a throttled `access_denied` event and maybe one notice."""
        if self.is_owner(user_id):
            return AccessDecision(allowed=True)
        who = user_id if user_id is not None else "anon"
        ttl = self._settings.access_deny_audit_ttl_sec
        audited = False
        if self._settings.access_deny_audit_enabled and await self._first_in_ttl(
            f"deny:audit:{who}:{update_kind}", ttl
        ):
            await self._audit.record(
                "access_denied",
                actor_tg_id=user_id,
                target_system="OwnerBot",
                status="denied",
                summary=f"update kind {update_kind}",
                details={"update_kind": update_kind, "chat_id": chat_id, "chat_type": chat_type},
            )
            audited = True
        notify = (
            self._settings.access_deny_notify_once
            and chat_type == "private"
            and update_kind == "message"
            and await self._first_in_ttl(f"deny:notify:{who}", ttl)
        )
        return AccessDecision(allowed=False, notify=notify, audited=audited)

    async def _first_in_ttl(self, key: str, ttl: int) -> bool:
        try:
            return await self._state.set_if_absent(key, "1", ttl_sec=ttl)
        except StateStoreUnavailable:
            # Without state we cannot throttle; auditing every denial is safer than auditing none.
            return True
