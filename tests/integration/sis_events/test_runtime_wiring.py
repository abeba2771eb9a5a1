"""The runtime starts event ingestion with polling (SIS_HTTP + push enabled) and stops it on close."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import httpx
import pytest

from ownerbot.config.settings import Settings
from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.runtime import build_runtime
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.storage.engine import create_session_factory
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.upstream.sis.push_server import PUSH_PATH, SIGNATURE_HEADER, PushServer, sign
from tests.integration.sis_events.conftest import T0, envelope
from tests.integration.sis_sim.conftest import SIM_KEY

TOKEN = "424242:E2E-test-token-AAAAAAAAAAAAAAAAAAAAAAAAA"
SECRET = "runtime-push-secret-42"


async def test_polling_runtime_pulls_and_accepts_pushes_then_closes_both(
    sim: RunningSimulator, tmp_path: Path
) -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        owner_ids=[1],
        telegram_api_url=emulator.base_url,
        ownerbot_data_dir=tmp_path,
        upstream_mode="SIS_HTTP",
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
        sis_events_push_secret=SECRET,
        sis_events_push_listen="127.0.0.1:0",
    )
    runtime = await build_runtime(settings)
    task: asyncio.Task[None] | None = None
    try:
        ingestion = runtime.sis_events
        assert ingestion is not None and ingestion.pull is not None
        assert isinstance(ingestion.push, PushServer)
        task = asyncio.create_task(runtime.poll(handle_as_tasks=False))
        await emulator.wait_for(lambda call: call.method == "getMe", timeout=10)
        assert ingestion.pull.running  # started with polling; first pass one interval later

        body = json.dumps(envelope("pushed-1", "ACCESS_RENEW_OFFERED", T0, target=("product", "1"))).encode()
        async with httpx.AsyncClient(base_url=ingestion.push.base_url, timeout=5) as client:
            response = await client.post(
                PUSH_PATH, content=body, headers={SIGNATURE_HEADER: sign(SECRET, body)}
            )
        assert response.status_code == 200 and response.json()["stored"] == 1

        report = await ingestion.pull.tick()  # one pass now instead of waiting 30 s
        assert report is not None and report.stored > 0
        repository = SisEventRepository(create_session_factory(runtime.engine))
        assert await repository.count() == report.stored + 1
        assert await repository.cursor() == report.cursor
        push_url = ingestion.push.base_url
    finally:
        await runtime.stop()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=15)
        await runtime.close()
        await emulator.stop()
    assert not ingestion.pull.running
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(timeout=2) as client:
            await client.post(push_url + PUSH_PATH, content=b"{}")
