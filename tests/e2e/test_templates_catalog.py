"""Every template of the shipped catalog, reached from the home panel by pressing buttons, filled with
valid inputs (its default, else its first preset, else a sample for its parser) and run on the demo
shop: the answer is not an error (for actions: a preview to confirm, or a clear no-op).

Parametrised over whatever `load_catalog()` returns, so a template added later is covered too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ownerbot.bot.template_panel import template_runner
from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.templates.loader import load_catalog
from ownerbot.templates.spec import InputSpec, ParserName, TemplateKind, TemplateSpec
from ownerbot.tools.runner import make_request
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot
from tests.e2e.templates_support import (
    call_buttons,
    message_buttons,
    message_id_of,
    next_send,
    open_home,
    panel_edit,
    press,
    say,
    seed_shop,
)

pytestmark = pytest.mark.e2e

CATALOG = load_catalog()
MANAGER_CHAT = -1001234567
ERROR_MARKS = ("⛔", "Что-то пошло не так", "Каталог операций не загружен", "Недоступно")
# Inputs whose meaning a parser sample cannot guess: real ids of the demo shop, a tool and its payload.
KEY_SAMPLES = {
    "order_id": "5",
    "tool": "kpi_snapshot",
    "payload": '{"range": "today"}',
    "message": "Проверка связи",
    "reason": "проверка",
}


def _sample(item: InputSpec, known: dict[str, str]) -> str:
    """A valid raw answer for `item` when it has neither a default nor presets."""
    if item.key in known:
        return known[item.key]
    options = item.options
    low = options.min if options.min is not None else 1
    high = options.max if options.max is not None else max(low, 10)
    samples: dict[ParserName, str] = {
        ParserName.INT: str(int(max(low, min(high, 3)))),
        ParserName.DECIMAL: str(max(low, min(high, 5))),
        ParserName.PERCENT: str(int(max(low, min(high, 10)))),
        ParserName.IDS: "1, 2, 3",
        ParserName.DATE: (date.today() - timedelta(days=1)).isoformat(),
        ParserName.DATE_RANGE: "за 7 дней",
        ParserName.PHONE: "+49 151 2345678",
        ParserName.TEXT: "проверка",
        ParserName.CHOICE: options.choices[0] if options.choices else "",
        ParserName.BOOL: "да",
        ParserName.TIME_LOCAL: "09:00",
        ParserName.TIMEZONE: "Europe/Berlin",
        ParserName.KV: f"{options.keys[0]}=1" if options.keys else "",
    }
    return samples[item.parser]


def _is_prompt(call: ApiCall) -> bool:
    return any(b["callback_data"].startswith("ti:") for b in call_buttons(call))


async def _reach(emulator: BotApiEmulator, spec: TemplateSpec) -> tuple[int, str]:
    """From /start to the template's button: its section, then «Ещё…» until it shows."""
    panel, home = await open_home(emulator)
    section = [b["callback_data"] for b in home if b["callback_data"].startswith(f"tn:c:{spec.category}:")]
    assert len(section) == 1, [b["callback_data"] for b in home]
    _, mark = await press(emulator, panel, section[0])
    await panel_edit(emulator, panel, mark)
    for _ in range(20):
        found = message_buttons(emulator, panel)
        mine = [b["callback_data"] for b in found if b["callback_data"].startswith(f"tn:r:{spec.id}:")]
        if mine:
            return panel, mine[0]
        more = [b["callback_data"] for b in found if b["text"] == "Ещё…"]
        assert more, f"{spec.id} not in section {spec.category}"
        _, mark = await press(emulator, panel, more[0])
        await panel_edit(emulator, panel, mark)
    raise AssertionError(f"{spec.id} not reachable")


async def _answer_prompts(
    emulator: BotApiEmulator, spec: TemplateSpec, first: ApiCall, known: dict[str, str]
) -> ApiCall:
    """Fill each asked input; returns the first message that is not a prompt (the outcome)."""
    call = first
    for _ in range(len(spec.inputs) + 1):
        if not _is_prompt(call):
            return call
        step = int(call_buttons(call)[0]["callback_data"].split(":")[3])
        item = spec.inputs[step]
        found = call_buttons(call)
        default = [b["callback_data"] for b in found if b["callback_data"].startswith("ti:d:")]
        presets = [b["callback_data"] for b in found if b["callback_data"].startswith("ti:p:")]
        if default or presets:
            _, mark = await press(emulator, message_id_of(call), (default or presets)[0])
            call = await next_send(emulator, mark)
        else:
            call = await say(emulator, _sample(item, known))
    raise AssertionError(f"{spec.id}: still asking after every input")


def _text(call: ApiCall) -> str:
    value: Any = call.params.get("text") or call.params.get("caption") or ""
    return str(value)


async def _current_rate_set(bot: RunningBot) -> str:
    """The demo shop's latest FX rate set id (what «Статус FX» shows the owner)."""
    runner = template_runner(bot.runtime.dispatcher["services"])
    assert runner is not None
    response = await runner.tool_runner.run(
        make_request("sis_fx_status", {}, settings=bot.runtime.settings, actor_id=OWNER_ID)
    )
    rate_set: str = response.data["last_snapshot"]["rate_set_id"]
    return rate_set


def _params() -> list[Any]:
    return [pytest.param(spec, id=spec.id) for spec in CATALOG.all()]


@pytest.mark.parametrize("spec", _params())
async def test_every_template_answers(
    spec: TemplateSpec, emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot(manager_chat_ids=[MANAGER_CHAT])
    await seed_shop(bot)
    if spec.category.value == "advanced":
        await say(emulator, "/orders")  # something to export or replay
    known = dict(KEY_SAMPLES)
    if any(item.key == "rate_set_id" for item in spec.inputs):
        known["rate_set_id"] = await _current_rate_set(bot)
    panel, data = await _reach(emulator, spec)
    _, mark = await press(emulator, panel, data)
    outcome = await _answer_prompts(emulator, spec, await next_send(emulator, mark), known)
    text = _text(outcome)
    assert not any(mark_ in text for mark_ in ERROR_MARKS), f"{spec.id}: {text[:600]}"
    if spec.kind is TemplateKind.ACTION and not spec.is_builtin:
        assert "Затронуто" in text or "Менять нечего" in text, f"{spec.id}: {text[:600]}"
    elif outcome.method == "sendMessage" and not spec.is_builtin:
        assert "Источник:" in text or "Данные на" in text, f"{spec.id}: {text[:600]}"
