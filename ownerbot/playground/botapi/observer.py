"""Watching the bot: the log of Bot API calls, waiting for calls, and chats as the user sees them."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ownerbot.playground.botapi.json_types import JsonDict, dumps
from ownerbot.playground.botapi.params import as_int
from ownerbot.playground.botapi.updates import UpdateQueue

log = logging.getLogger(__name__)

CHAT_ACTION_SECONDS = 5.0


@dataclass
class ApiCall:
    """One Bot API request the emulator received, and what it answered."""

    method: str
    params: JsonDict
    result: object = None
    error: str | None = None
    error_code: int | None = None
    timestamp: float = field(default_factory=time.time)
    index: int = -1

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    @property
    def result_message(self) -> JsonDict:
        """The Message dict a successful send/edit call returned (``TypeError`` for other results)."""
        if not isinstance(self.result, dict) or "message_id" not in self.result:
            raise TypeError(f"{self.method} did not return a Message: {self.result!r}")
        return self.result

    def summary(self, width: int = 160) -> str:
        """A one-line description for failure messages."""
        params = dumps(self.params, default=str)
        if len(params) > width:
            params = params[: width - 1] + "…"
        outcome = "ok" if self.ok else f"{self.error_code} {self.error}"
        return f"#{self.index} {self.method} {params} -> {outcome}"


class CallObserver(UpdateQueue):
    """Records every call (``requests``) and lets tests wait for calls, polls and chat changes."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ApiCall] = []
        self._calls_cond_by_loop: tuple[asyncio.AbstractEventLoop, asyncio.Condition] | None = None

    def _calls_cond(self) -> asyncio.Condition:
        """The condition notified on every recorded call (one per event loop, so tests may switch loops)."""
        loop = asyncio.get_running_loop()
        if self._calls_cond_by_loop is None or self._calls_cond_by_loop[0] is not loop:
            self._calls_cond_by_loop = (loop, asyncio.Condition())
        return self._calls_cond_by_loop[1]

    async def _record(self, call: ApiCall) -> None:
        call.index = len(self.requests)
        self.requests.append(call)
        if call.ok:
            log.debug("bot api %s ok", call.method)
        else:
            log.debug("bot api %s -> %s %s", call.method, call.error_code, call.error)
        condition = self._calls_cond()
        async with condition:
            condition.notify_all()

    def mark(self) -> int:
        """The current number of recorded calls; pass it as ``start`` to wait only for newer calls."""
        return len(self.requests)

    def calls(self, method: str) -> list[ApiCall]:
        """All recorded calls of ``method``."""
        return [call for call in self.requests if call.method == method]

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the emulator's public test API
        *,
        start: int = 0,
    ) -> ApiCall:
        """The first call at index >= ``start`` matching ``predicate`` (already received or future).

        Raises ``TimeoutError`` listing the latest calls when none arrives within ``timeout`` seconds.
        """
        checked = start
        condition = self._calls_cond()
        try:
            async with asyncio.timeout(timeout), condition:
                while True:
                    while checked < len(self.requests):
                        call = self.requests[checked]
                        checked += 1
                        if predicate(call):
                            return call
                    await condition.wait()
        except TimeoutError:
            raise TimeoutError(
                self._describe_calls(f"no matching Bot API call within {timeout}s", start)
            ) from None

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the emulator's public test API
        start: int = 0,
    ) -> ApiCall:
        """Wait for a successful send/edit of a message to ``chat_id`` (optionally containing a substring)."""
        methods = {
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendVoice",
            "editMessageText",
            "editMessageCaption",
        }

        def matches(call: ApiCall) -> bool:
            if call.method not in methods or not call.ok or as_int(call.params.get("chat_id")) != chat_id:
                return False
            if contains is None:
                return True
            result = call.result if isinstance(call.result, dict) else {}
            texts = (
                call.params.get("text"),
                call.params.get("caption"),
                result.get("text"),
                result.get("caption"),
            )
            return any(isinstance(text, str) and contains in text for text in texts)

        try:
            return await self.wait_for(matches, timeout, start=start)
        except TimeoutError:
            what = f"no message to chat {chat_id}" + (f" containing {contains!r}" if contains else "")
            raise TimeoutError(self._describe_calls(f"{what} within {timeout}s", start)) from None

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long poll is parked in the emulator (the bot is listening)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._polling == 0:
            version = self._pollers_changed.version
            if not await self._pollers_changed.wait(version, deadline - loop.time()):
                raise TimeoutError(self._describe_calls(f"no getUpdates long poll within {timeout}s", 0))

    def _describe_calls(self, headline: str, start: int) -> str:
        tail = self.requests[start:]
        shown = [c for c in tail if not (c.method == "getUpdates" and c.ok and not c.result)]
        skipped = len(tail) - len(shown)
        lines = [
            f"{headline}; {len(tail)} call(s) since #{start}"
            + (f" ({skipped} empty getUpdates)" if skipped else "")
        ]
        lines += ["  " + call.summary() for call in shown[-15:]]
        if not shown:
            lines.append("  (no calls)")
        return "\n".join(lines)

    def chat_history(self, chat_id: int) -> list[JsonDict]:
        """The chat as a Telegram client shows it now: edits applied, deleted messages gone."""
        chat = self._chats.get(chat_id)
        return [] if chat is None else [copy.deepcopy(m) for m in chat.messages.values()]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """One message as it is now, or None."""
        chat = self._chats.get(chat_id)
        found = None if chat is None else chat.messages.get(message_id)
        return copy.deepcopy(found)

    def reply_keyboard(self, chat_id: int) -> JsonDict | None:
        """The reply keyboard (ReplyKeyboardMarkup) currently shown in the chat, if any."""
        chat = self._chats.get(chat_id)
        return None if chat is None else copy.deepcopy(chat.reply_keyboard)

    def chat_action(self, chat_id: int) -> str | None:
        """The chat action (e.g. "typing") the bot set in the last few seconds, if any."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.action is None:
            return None
        action, at = chat.action
        return action if time.monotonic() - at < CHAT_ACTION_SECONDS else None

    def get_commands(self, scope: str = "default", language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope key ("default", "chat:42", ...) and language."""
        return copy.deepcopy(self.commands.get((scope, language_code), []))

    @property
    def history_version(self) -> int:
        """Grows on every visible change in any chat (used by the playground page to long-poll)."""
        return self._history.version

    async def wait_for_change(self, after: int, timeout: float) -> int:  # noqa: ASYNC109
        """Wait until ``history_version > after`` (or timeout / server stop); returns the version."""
        if not self._closing:
            await self._history.wait(after, timeout)
        return self._history.version
