"""/systems shows SIS event ingestion, through the real bot, its pull loop and the SIS simulator."""

from __future__ import annotations

import re

import pytest

from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.storage.engine import create_session_factory
from ownerbot.storage.repositories.sis_events import SisEventRepository
from tests.e2e.conftest import OWNER_ID, StartBot

# The simulator fixtures, shared rather than copied.
from tests.integration.sis_sim.conftest import (  # noqa: F401
    SIM_KEY,
    sim,
    sim_config,
    sim_db_url,
    sim_template,
)

pytestmark = pytest.mark.e2e


async def test_systems_shows_event_ingestion_after_a_pull(
    emulator: BotApiEmulator,
    start_bot: StartBot,
    sim: RunningSimulator,  # noqa: F811  (the fixture imported above)
) -> None:
    bot = await start_bot(upstream_mode="SIS_HTTP", sis_base_url=sim.base_url, sis_ownerbot_api_key=SIM_KEY)
    ingestion = bot.runtime.sis_events
    assert ingestion is not None and ingestion.pull is not None

    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/systems")
    before = await emulator.wait_for_message(OWNER_ID, contains="События SIS", start=mark, timeout=10)
    assert (
        "сохранено 0 · последний успешный опрос ещё не было · курсор нет · опрос вкл · push выкл"
        in (before.params["text"])
    )

    report = await ingestion.pull.tick()  # the runtime's own loop, one pass instead of waiting 30 s
    assert report is not None and report.stored > 0
    stored = await SisEventRepository(create_session_factory(bot.runtime.engine)).count()

    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/systems")
    after = await emulator.wait_for_message(OWNER_ID, contains="События SIS", start=mark, timeout=10)
    line = next(row for row in after.params["text"].splitlines() if row.startswith("События SIS"))
    assert re.fullmatch(
        rf"События SIS: сохранено {stored} · последний успешный опрос \d{{4}}-\d\d-\d\d \d\d:\d\d UTC"
        r" · курсор есть · опрос вкл · push выкл",
        line,
    ), line
