"""End-to-end fixtures: the Bot API emulator over real HTTP and the real bot (aiogram) polling it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ownerbot.config.settings import Settings
from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.runtime import Runtime, build_runtime

OWNER_ID = 5550001
STRANGER_ID = 7770002
TOKEN = "424242:E2E-test-token-AAAAAAAAAAAAAAAAAAAAAAAAA"


def e2e_settings(base_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "owner_ids": [OWNER_ID],
        "telegram_api_url": base_url,
        "ownerbot_data_dir": data_dir,
        "database_url": None,
        "redis_url": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator()
    await emu.start()
    yield emu
    await emu.stop()


class RunningBot:
    """A runtime polling the emulator, handling updates one by one: a later reply proves earlier ones done."""

    def __init__(self, runtime: Runtime, task: asyncio.Task[None]) -> None:
        self.runtime = runtime
        self.task = task

    async def stop(self) -> None:
        await self.runtime.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=15)
        await self.runtime.close()


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[StartBot]:
    started: list[RunningBot] = []

    async def start(*, configure: Callable[[Runtime], None] | None = None, **overrides: Any) -> RunningBot:
        settings = e2e_settings(emulator.base_url, tmp_path, **overrides)
        runtime = await build_runtime(settings)
        if configure is not None:
            configure(runtime)
        task = asyncio.create_task(runtime.poll(handle_as_tasks=False))
        running = RunningBot(runtime, task)
        started.append(running)
        # Polling starts with getMe, after the commands were registered.
        await emulator.wait_for(lambda call: call.method == "getMe", timeout=10)
        return running

    yield start
    for running in started:
        await running.stop()
