"""/upstream through the Bot API emulator: the switch buttons change the mode, the change is audited
(actor, before → after), /start shows configured vs effective, and the choice survives a restart."""

from __future__ import annotations

from typing import Any

import pytest

from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.upstream.modes import AUDIT_EVENT
from tests.e2e.conftest import OWNER_ID, StartBot

pytestmark = pytest.mark.e2e


async def _switch(emulator: BotApiEmulator, mode: str) -> None:
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/upstream")
    call = await emulator.wait_for_message(OWNER_ID, contains="UPSTREAM_MODE", start=mark, timeout=10)
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    buttons = {b["text"].lstrip("• "): b["callback_data"] for row in keyboard for b in row}
    assert set(buttons) == {"DEMO", "SIS_HTTP", "AUTO"}
    message_id = call.result["message_id"]  # type: ignore[index]
    mark = emulator.mark()
    emulator.press_button(OWNER_ID, message_id, buttons[mode])
    edit = await emulator.wait_for(lambda c: c.method == "editMessageText", start=mark, timeout=10)
    assert f"• {mode}" in str(edit.params["reply_markup"])


async def _start_text(emulator: BotApiEmulator) -> str:
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/start")
    call = await emulator.wait_for_message(OWNER_ID, contains="OwnerBot", start=mark, timeout=10)
    text: str = call.params["text"]
    return text


async def test_switch_is_audited_and_shown_in_start(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    assert "DEMO" in await _start_text(emulator)
    await _switch(emulator, "AUTO")
    # No SIS configured: AUTO answers from DEMO, and /start says why.
    text = await _start_text(emulator)
    assert "DEMO → сейчас DEMO" not in text
    assert "runtime override" in text and "SIS not configured" in text
    records = await bot.runtime.services.audit.repository.recent(event_type=AUDIT_EVENT)
    assert len(records) == 1
    record = records[0]
    assert record.actor_tg_id == OWNER_ID
    assert record.details == {"before": "DEMO", "after": "AUTO", "configured": "DEMO"}
    modes = bot.runtime.services.upstream
    assert modes is not None and modes.selected.value == "AUTO"

    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/systems")
    systems = await emulator.wait_for_message(OWNER_ID, contains="SIS", start=mark, timeout=15)
    assert "runtime override" in systems.params["text"]


async def test_toggle_disabled_shows_no_buttons(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(upstream_runtime_toggle_enabled=False)
    emulator.user_message(OWNER_ID, "/upstream")
    call = await emulator.wait_for_message(OWNER_ID, contains="UPSTREAM_RUNTIME_TOGGLE_ENABLED", timeout=10)
    assert "inline_keyboard" not in str(call.params.get("reply_markup") or "")


async def test_switch_survives_a_restart_with_redis(
    emulator: BotApiEmulator, start_bot: StartBot, redis_url: str
) -> None:
    options: dict[str, Any] = {"redis_url": redis_url}
    first = await start_bot(**options)
    await _switch(emulator, "SIS_HTTP")
    await first.stop()
    second = await start_bot(**options)
    modes = second.runtime.services.upstream
    assert modes is not None and modes.selected.value == "SIS_HTTP"
    text = await _start_text(emulator)
    assert "SIS_HTTP" in text or "NONE" in text
