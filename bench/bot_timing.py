"""Timing bot commands end to end: the real runtime polling the in-process Bot API emulator.

`running_bot` builds OwnerBot as `ownerbot/app_runner.py` does (`build_runtime`, the start-up heap frozen,
updates handled as tasks) against a given database, with no Redis, and points it at a fresh
`BotApiEmulator`. `BotTimer.deliver` injects one owner message and returns the milliseconds (monotonic
clock) until the emulator has received the expected send call for that chat, waiting on the emulator's
own call notification (no polling loops).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.process_tuning import freeze_startup_heap
from ownerbot.runtime import Runtime, build_runtime

# Any token of the Bot API shape: the emulator accepts it, nothing leaves the machine.
BENCH_TOKEN = "424243:BENCH-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # noqa: S105 - fake, local only
# Background report deliveries are created under this name (ownerbot/bot/report_delivery.py).
DELIVERY_TASK_NAME = "report-delivery"
DELIVERY_TIMEOUT_SEC = 120.0
STOP_TIMEOUT_SEC = 15.0


class DeliveryFailed(RuntimeError):
    """The bot answered a timed command with a text (an error or a refusal) instead of the file."""


@dataclass
class BotTimer:
    """A running bot and the emulator it polls."""

    emulator: BotApiEmulator
    runtime: Runtime

    async def deliver(self, owner_id: int, text: str, method: str) -> float:
        """Send `text` as `owner_id`; ms until the emulator received a successful `method` to that chat.

        Waits afterwards (untimed) until the bot's background delivery has finished, so the next call
        starts on an idle bot.
        """
        await self.emulator.wait_until_polling(timeout=STOP_TIMEOUT_SEC)
        mark = self.emulator.mark()

        def answered(call: ApiCall) -> bool:
            return (
                call.ok
                and call.method in (method, "sendMessage")
                and str(call.params.get("chat_id")) == str(owner_id)
            )

        started = time.perf_counter()
        self.emulator.user_message(owner_id, text)
        call = await self.emulator.wait_for(answered, timeout=DELIVERY_TIMEOUT_SEC, start=mark)
        elapsed_ms = (time.perf_counter() - started) * 1000
        await _settle_deliveries()
        if call.method != method:
            # PNG summaries follow the photo, so a text first is a refusal or an error notice.
            raise DeliveryFailed(f"{text!r} was answered with a text: {call.params.get('text')!r}")
        return elapsed_ms


async def _settle_deliveries() -> None:
    pending = [
        task for task in asyncio.all_tasks() if task.get_name() == DELIVERY_TASK_NAME and not task.done()
    ]
    if pending:
        await asyncio.wait(pending, timeout=DELIVERY_TIMEOUT_SEC)


def bench_settings(
    base_url: str, database_url: str, owner_ids: Sequence[int], data_dir: Path, **overrides: Any
) -> Settings:
    """Settings of the bot under test: DEMO data from `database_url`, no Redis, the emulator as Telegram."""
    values: dict[str, Any] = {
        "bot_token": BENCH_TOKEN,
        "owner_ids": list(owner_ids),
        "telegram_api_url": base_url,
        "ownerbot_data_dir": data_dir,
        "database_url": database_url,
        "redis_url": None,
        "upstream_mode": UpstreamMode.DEMO,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def running_bot(
    database_url: str, owner_ids: Sequence[int], **overrides: Any
) -> AsyncIterator[BotTimer]:
    """The runtime polling a fresh emulator; stopped and closed on exit. The schema must be up to date."""
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        with tempfile.TemporaryDirectory(prefix="ownerbot-bench-") as data_dir:
            settings = bench_settings(emulator.base_url, database_url, owner_ids, Path(data_dir), **overrides)
            runtime = await build_runtime(settings, migrate=False)
            # As the bot does once start-up is done (ownerbot/app_runner.py).
            freeze_startup_heap()
            task = asyncio.create_task(runtime.poll())
            try:
                await emulator.wait_for(lambda call: call.method == "getMe", timeout=STOP_TIMEOUT_SEC)
                yield BotTimer(emulator, runtime)
            finally:
                await runtime.stop()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(task, timeout=STOP_TIMEOUT_SEC)
                await runtime.close()
    finally:
        await emulator.stop()
