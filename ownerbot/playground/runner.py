"""`ownerbot playground`: the Bot API emulator, the real bot polling it, and the chat page — one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Any

from ownerbot.config.settings import Settings
from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.playground.web import attach_playground_routes
from ownerbot.runtime import Runtime, build_runtime, prepare_upstream

log = logging.getLogger(__name__)

DEMO_OWNER_ID = 100001
STRANGER_ID = 200002
# A well-formed but fake token: the emulator checks the shape, Telegram never sees it.
PLAYGROUND_TOKEN = "100000001:PLAYGROUND-local-token-not-a-secret"  # noqa: S105


def playground_settings(upstream: str = "DEMO") -> dict[str, Any]:
    """Embedded defaults for the playground; they override the environment so `make demo` is predictable.

    `upstream` other than DEMO keeps the environment's SIS settings (`SIS_BASE_URL`, the key), so the
    playground can drive a SIS — for example the simulator of `ownerbot sis-sim`.
    """
    return {
        "bot_token": PLAYGROUND_TOKEN,
        "owner_ids": [DEMO_OWNER_ID],
        "database_url": None,
        "redis_url": None,
        "upstream_mode": upstream,
        "asr_provider": "mock",
        "llm_provider": "OFF",
    }


@dataclass
class Playground:
    """A running playground; `url` is the chat page and the Bot API base at once."""

    emulator: BotApiEmulator
    runtime: Runtime
    polling: asyncio.Task[None]

    @property
    def url(self) -> str:
        return self.emulator.base_url

    async def stop(self) -> None:
        await self.runtime.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.polling, timeout=15)
        await self.runtime.close()
        await self.emulator.stop()


async def start_playground(settings: Settings, *, host: str = "127.0.0.1", port: int = 8765) -> Playground:
    """Start the emulator with the chat page, then the bot polling it."""
    emulator = BotApiEmulator()
    attach_playground_routes(emulator, owner_id=DEMO_OWNER_ID, stranger_id=STRANGER_ID)
    base_url = await emulator.start(host=host, port=port)
    runtime = await build_runtime(settings.model_copy(update={"telegram_api_url": base_url}))
    await prepare_upstream(runtime.settings, runtime.engine)
    polling = asyncio.create_task(runtime.poll(), name="ownerbot-polling")
    return Playground(emulator=emulator, runtime=runtime, polling=polling)


async def serve_playground(settings: Settings, *, host: str, port: int) -> None:
    """Run until Ctrl+C / SIGTERM."""
    playground = await start_playground(settings, host=host, port=port)
    print(f"OwnerBot playground: open http://{host}:{port} (Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    done = asyncio.create_task(stop.wait())
    await asyncio.wait({done, playground.polling}, return_when=asyncio.FIRST_COMPLETED)
    done.cancel()
    await playground.stop()
