"""The update queue: updates waiting for the bot, getUpdates long polling and the webhook setting."""

from __future__ import annotations

import asyncio
import copy

from ownerbot.playground.botapi.changes import Changes
from ownerbot.playground.botapi.errors import POLL_CONFLICT, WEBHOOK_CONFLICT, ApiError
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.params import Upload, as_int
from ownerbot.playground.botapi.state import EmulatorState

MAX_POLL_TIMEOUT = 50

# Update types Telegram knows; anything else injected via inject_update() is always delivered.
KNOWN_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _update_type(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue(EmulatorState):
    """Queues updates and hands them to the bot through getUpdates (or refuses while a webhook is set)."""

    def __init__(self) -> None:
        super().__init__()
        self.webhook: JsonDict | None = None
        self._pending: list[JsonDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._polling = 0  # getUpdates calls parked right now
        self._updates_changed = Changes()
        self._pollers_changed = Changes()

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via getUpdates offset)."""
        return copy.deepcopy(self._pending)

    def inject_update(self, raw: JsonDict) -> int:
        """Queue an arbitrary raw update (update_id assigned when missing); returns its update_id."""
        update = copy.deepcopy(raw)
        if "update_id" in update:
            update_id = int(update["update_id"])
            self._next_update_id = max(self._next_update_id, update_id + 1)
            self._pending.append(update)
            self._updates_changed.bump()
            return update_id
        return self._push_update(update)

    def _push_update(self, payload: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **payload})
        self._updates_changed.bump()
        return update_id

    async def _get_updates(self, params: JsonDict, uploads: dict[str, Upload]) -> list[JsonDict]:
        offset = as_int(params.get("offset"))
        limit = min(max(as_int(params.get("limit")) or 100, 1), 100)
        timeout = min(max(as_int(params.get("timeout")) or 0, 0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if offset:
            self._confirm_updates(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.bump()  # an older parked poll must now give up with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            version = self._updates_changed.version
            batch = self._deliverable_updates(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            self._polling += 1
            self._pollers_changed.bump()
            try:
                await self._updates_changed.wait(version, remaining)
            finally:
                self._polling -= 1

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        else:
            self._pending = self._pending[offset:]

    def _deliverable_updates(self, limit: int) -> list[JsonDict]:
        allowed = set(self._allowed_updates or ()) or (KNOWN_UPDATE_TYPES - _OPT_IN_UPDATE_TYPES)
        kept: list[JsonDict] = []
        for update in self._pending:
            kind = _update_type(update)
            if kind in KNOWN_UPDATE_TYPES and kind not in allowed:
                continue  # Telegram never delivers update types the bot did not ask for
            kept.append(update)
        self._pending = kept
        return copy.deepcopy(kept[:limit])

    async def _set_webhook(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        url = params.get("url")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if not url:
            self.webhook = None
            return True
        self.webhook = {key: value for key, value in params.items() if key != "certificate"}
        return True

    async def _delete_webhook(self, params: JsonDict, uploads: dict[str, Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, params: JsonDict, uploads: dict[str, Upload]) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["url"] = str(self.webhook.get("url", ""))
            info["max_connections"] = as_int(self.webhook.get("max_connections")) or 40
            if isinstance(self.webhook.get("allowed_updates"), list):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info
