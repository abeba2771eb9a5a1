"""Driving the template menus through the Bot API emulator: press, wait, read what the bot sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from tests.e2e.conftest import OWNER_ID, RunningBot

SENDS = {"sendMessage", "sendPhoto", "sendDocument"}


def to_owner(call: ApiCall) -> bool:
    return call.ok and str(call.params.get("chat_id")) == str(OWNER_ID)


def buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [b for row in (markup or {}).get("inline_keyboard", []) for b in row]


def call_buttons(call: ApiCall) -> list[dict[str, Any]]:
    return buttons(call.params.get("reply_markup"))


def message_buttons(emulator: BotApiEmulator, message_id: int) -> list[dict[str, Any]]:
    message = emulator.message(OWNER_ID, message_id) or {}
    return buttons(message.get("reply_markup"))


def button_data(found: list[dict[str, Any]], text_part: str) -> str:
    matches = [b["callback_data"] for b in found if text_part in b["text"]]
    assert matches, f"no button with {text_part!r} in {[b['text'] for b in found]}"
    data: str = matches[0]
    return data


def data_for(found: list[dict[str, Any]], predicate: Callable[[str], bool]) -> str:
    matches = [b["callback_data"] for b in found if predicate(b["callback_data"])]
    assert matches, [b["callback_data"] for b in found]
    data: str = matches[0]
    return data


def message_id_of(call: ApiCall) -> int:
    assert isinstance(call.result, dict)
    value: int = call.result["message_id"]
    return value


async def barrier(emulator: BotApiEmulator) -> int:
    """Updates are handled one by one: the reply to /help proves every earlier update is done."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")
    await emulator.wait_for_message(OWNER_ID, contains="/menu", start=mark, timeout=15)
    return emulator.mark()


async def say(emulator: BotApiEmulator, text: str, *, language_code: str = "ru") -> ApiCall:
    """The owner sends `text`; returns the bot's first message after it."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, text, language_code=language_code)
    return await emulator.wait_for(lambda c: c.method in SENDS and to_owner(c), start=mark, timeout=15)


async def press(
    emulator: BotApiEmulator, message_id: int, data: str, **options: Any
) -> tuple[dict[str, Any], int]:
    """Press a button; returns the callback answer and the call index marking the press."""
    mark = emulator.mark()
    query_id = emulator.press_button(OWNER_ID, message_id, data, **options)
    await emulator.wait_for(
        lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id,
        start=mark,
        timeout=15,
    )
    return emulator.callback_answers[query_id], mark


async def next_send(emulator: BotApiEmulator, start: int, method: str | None = None) -> ApiCall:
    methods = {method} if method else SENDS
    return await emulator.wait_for(lambda c: c.method in methods and to_owner(c), start=start, timeout=30)


async def panel_edit(emulator: BotApiEmulator, message_id: int, start: int) -> ApiCall:
    return await emulator.wait_for(
        lambda c: c.method == "editMessageText" and c.ok and c.params.get("message_id") == message_id,
        start=start,
        timeout=15,
    )


async def seed_shop(bot: RunningBot, orders: int = 300) -> None:
    from ownerbot.upstream.demo.generator import seed_demo

    settings = bot.runtime.settings
    await seed_demo(
        bot.runtime.engine,
        orders=orders,
        seed=11,
        now=datetime.now(UTC),
        tz=settings.shop_timezone,
        currency=settings.shop_currency,
        history_days=70,
    )


async def open_home(emulator: BotApiEmulator) -> tuple[int, list[dict[str, Any]]]:
    """/start: the panel's message id and its buttons."""
    call = await say(emulator, "/start")
    return message_id_of(call), call_buttons(call)
