"""One SIS simulator and one bot (UPSTREAM_MODE=SIS_HTTP) polling the Bot API emulator, per test module,
and the owner's way through the template menus: /start → section → «Ещё…» → template → inputs → answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.runtime import build_runtime
from ownerbot.sis_sim.server import RunningSimulator, prepare_database, start_simulator
from ownerbot.sis_sim.state import SimConfig
from ownerbot.templates.spec import InputSpec, ParserName, TemplateSpec
from tests.e2e.conftest import OWNER_ID, RunningBot, e2e_settings
from tests.e2e.templates_support import (
    call_buttons,
    message_buttons,
    message_id_of,
    next_send,
    panel_edit,
    press,
    say,
    to_owner,
)
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin

SIM_ORDERS = 200
TZ = "Europe/Berlin"
CURRENCY = "EUR"


@dataclass
class Stack:
    """The emulator (Telegram), the bot in SIS_HTTP mode, and the simulator (SIS) with its admin API."""

    emulator: BotApiEmulator
    bot: RunningBot
    sim: RunningSimulator
    admin: SimAdmin


@contextlib.asynccontextmanager
async def sis_stack(directory: Path, **overrides: Any) -> AsyncIterator[Stack]:
    """Seed and start the simulator, then the bot against it; everything stopped on exit."""
    sim_url = f"sqlite+aiosqlite:///{directory / 'sim.sqlite3'}"
    await prepare_database(sim_url, tz=TZ, currency=CURRENCY, orders=SIM_ORDERS)
    sim = await start_simulator(SimConfig(api_key=SIM_KEY, tz=TZ, currency=CURRENCY), sim_url)
    admin = SimAdmin(sim.base_url)
    emulator = BotApiEmulator()
    await emulator.start()
    bot_dir = directory / "bot"
    bot_dir.mkdir()
    settings = e2e_settings(
        emulator.base_url,
        bot_dir,
        upstream_mode="SIS_HTTP",
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
        sis_timeout_sec=5,
        sis_max_retries=1,
        sis_retry_backoff_base_sec=0,
        shop_timezone=TZ,
        shop_currency=CURRENCY,
        **overrides,
    )
    runtime = await build_runtime(settings)
    task = asyncio.create_task(runtime.poll(handle_as_tasks=False))
    bot = RunningBot(runtime, task)
    try:
        await emulator.wait_for(lambda call: call.method == "getMe", timeout=10)
        yield Stack(emulator, bot, sim, admin)
    finally:
        await bot.stop()
        await emulator.stop()
        await admin.aclose()
        await sim.stop()


def text_of(call: ApiCall) -> str:
    value: Any = call.params.get("text") or call.params.get("caption") or ""
    return str(value)


def is_prompt(call: ApiCall) -> bool:
    return any(b["callback_data"].startswith("ti:") for b in call_buttons(call))


async def open_section(emulator: BotApiEmulator, category: str) -> int:
    """/start, then the section's button: the panel's message id."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/start")
    # The home panel (an earlier report may still be sending its last messages).
    call = await emulator.wait_for(
        lambda c: (
            c.method == "sendMessage"
            and to_owner(c)
            and any(b["callback_data"].startswith("tn:c:") for b in call_buttons(c))
        ),
        start=mark,
        timeout=15,
    )
    panel, home = message_id_of(call), call_buttons(call)
    section = [b["callback_data"] for b in home if b["callback_data"].startswith(f"tn:c:{category}:")]
    assert len(section) == 1, [b["callback_data"] for b in home]
    _, mark = await press(emulator, panel, section[0])
    await panel_edit(emulator, panel, mark)
    return panel


async def find_button(emulator: BotApiEmulator, panel: int, spec: TemplateSpec) -> dict[str, Any]:
    """The template's button on the open section, pressing «Ещё…» until it shows."""
    for _ in range(20):
        found = message_buttons(emulator, panel)
        mine = [b for b in found if b["callback_data"].startswith(f"tn:r:{spec.id}:")]
        if mine:
            return mine[0]
        more = [b["callback_data"] for b in found if b["text"] == "Ещё…"]
        assert more, f"{spec.id} not in section {spec.category}"
        _, mark = await press(emulator, panel, more[0])
        await panel_edit(emulator, panel, mark)
    raise AssertionError(f"{spec.id} not reachable")


async def reach(emulator: BotApiEmulator, spec: TemplateSpec) -> tuple[int, dict[str, Any]]:
    panel = await open_section(emulator, spec.category.value)
    return panel, await find_button(emulator, panel, spec)


async def run_template(emulator: BotApiEmulator, spec: TemplateSpec, answers: dict[str, str]) -> ApiCall:
    """Press the template's button and fill its inputs: the first message that is not a prompt.

    An input is answered with `answers[key]` typed as text when given, else its default button, else
    its first preset; an optional input without either is skipped.
    """
    panel, button = await reach(emulator, spec)
    _, mark = await press(emulator, panel, button["callback_data"])
    call = await next_send(emulator, mark)
    for _ in range(len(spec.inputs) + 1):
        if not is_prompt(call):
            return call
        found = call_buttons(call)
        step = int(found[0]["callback_data"].split(":")[3])
        item = spec.inputs[step]
        if item.key in answers:
            call = await say(emulator, answers[item.key])
            continue
        choice = [b["callback_data"] for b in found if b["callback_data"].startswith("ti:d:")]
        choice = choice or [b["callback_data"] for b in found if b["callback_data"].startswith("ti:p:")]
        choice = choice or [b["callback_data"] for b in found if b["callback_data"].startswith("ti:s:")]
        if choice:
            _, mark = await press(emulator, message_id_of(call), choice[0])
            call = await next_send(emulator, mark)
        else:
            call = await say(emulator, sample(item))
    raise AssertionError(f"{spec.id}: still asking after every input")


def sample(item: InputSpec) -> str:
    """A valid raw answer for an input with neither a default, presets nor a given answer."""
    samples: dict[ParserName, str] = {
        ParserName.DATE_RANGE: "за 7 дней",
        ParserName.TEXT: "проверка",
        ParserName.IDS: "1, 2, 3",
        ParserName.INT: "3",
        ParserName.PHONE: "+49 151 2345678",
    }
    assert item.parser in samples, f"no sample for {item.key} ({item.parser})"
    return samples[item.parser]
