"""The real bot through the Bot API emulator: status, owner gate, diagnostics, resilience."""

from __future__ import annotations

import pytest
from aiogram.filters import Command
from aiogram.types import Message

from ownerbot.observability.logging import configure_logging, reset_logging
from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.runtime import Runtime
from tests.e2e.conftest import OWNER_ID, STRANGER_ID, TOKEN, StartBot

pytestmark = pytest.mark.e2e


def _to_chat(chat_id: int) -> object:
    def match(call: ApiCall) -> bool:
        return str(call.params.get("chat_id")) == str(chat_id)

    return match


def _sent_to(emulator: BotApiEmulator, chat_id: int, start: int = 0) -> list[ApiCall]:
    return [c for c in emulator.requests[start:] if str(c.params.get("chat_id")) == str(chat_id)]


async def _barrier(emulator: BotApiEmulator) -> None:
    """Updates are handled in order in tests, so the owner's /help reply proves earlier updates are done."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")
    await emulator.wait_for_message(OWNER_ID, contains="/systems", start=mark, timeout=10)


async def _audit_count(runtime: Runtime, event_type: str, actor: int | None = None) -> int:
    return await runtime.services.audit.repository.count(event_type=event_type, actor_tg_id=actor)


async def test_owner_start_shows_status_and_menu(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    emulator.user_message(OWNER_ID, "/start")
    call = await emulator.wait_for_message(OWNER_ID, contains="OwnerBot")
    text = call.params["text"]
    assert "sqlite" in text and "memory" in text and "DEMO" in text and "mock" in text
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    buttons = [b for row in keyboard for b in row]
    assert len(buttons) == 11 and all(len(row) <= 2 for row in keyboard)
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    # Pressing a section edits the same panel in place.
    message_id = call.result["message_id"]  # type: ignore[index]
    mark = emulator.mark()
    emulator.press_button(OWNER_ID, message_id, buttons[0]["callback_data"])
    edit = await emulator.wait_for(lambda c: c.method == "editMessageText", start=mark)
    assert edit.params["message_id"] == message_id
    await emulator.wait_for(lambda c: c.method == "answerCallbackQuery", start=mark)


async def test_english_owner_gets_english(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    emulator.user_message(OWNER_ID, "/start", language_code="en")
    call = await emulator.wait_for_message(OWNER_ID, contains="OwnerBot")
    assert "is online" in call.params["text"] and "Storage" in call.params["text"]


async def test_commands_registered_in_russian_and_english(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    await start_bot()
    calls = [c for c in emulator.requests if c.method == "setMyCommands"]
    languages = {c.params.get("language_code") for c in calls}
    assert languages == {None, "en"}
    ru = next(c for c in calls if c.params.get("language_code") is None)
    assert {cmd["command"] for cmd in ru.params["commands"]} >= {"start", "systems", "help"}


async def test_stranger_gets_silence_and_throttled_audit(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    emulator.user_message(OWNER_ID, "/start")
    menu = await emulator.wait_for_message(OWNER_ID, contains="OwnerBot")
    owner_button = menu.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    mark = emulator.mark()
    emulator.user_message(STRANGER_ID, "привет")
    emulator.user_message(STRANGER_ID, "/start")
    emulator.user_message(STRANGER_ID, "/systems")
    # A replayed button: the owner's callback data pressed by the stranger in the owner's chat.
    query_id = emulator.press_button(STRANGER_ID, menu.result["message_id"], owner_button, chat_id=OWNER_ID)  # type: ignore[index]
    await _barrier(emulator)

    assert _sent_to(emulator, STRANGER_ID, mark) == []
    assert not [c for c in emulator.requests[mark:] if c.method == "editMessageText"]
    assert query_id not in emulator.callback_answers
    # One audit row per update kind per TTL: message and callback_query.
    assert await _audit_count(bot.runtime, "access_denied", STRANGER_ID) == 2
    records = await bot.runtime.services.audit.repository.recent(limit=10, event_type="access_denied")
    assert all(r.correlation_id for r in records)
    assert {r.details["update_kind"] for r in records} == {"message", "callback_query"}

    emulator.user_message(STRANGER_ID, "ещё раз")
    await _barrier(emulator)
    assert await _audit_count(bot.runtime, "access_denied", STRANGER_ID) == 2


async def test_stranger_notified_once_when_enabled(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(access_deny_notify_once=True)
    mark = emulator.mark()
    for text in ("a", "b", "c"):
        emulator.user_message(STRANGER_ID, text)
    await _barrier(emulator)
    sent = [c for c in _sent_to(emulator, STRANGER_ID, mark) if c.method == "sendMessage"]
    assert [c.params["text"] for c in sent] == ["Нет доступа."]


async def test_systems_shows_no_secret(
    emulator: BotApiEmulator, start_bot: StartBot, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {
        "sis_ownerbot_api_key": "sis-key-0123456789-very-secret",
        "openai_api_key": "sk-openai-0123456789-very-secret",
        "webhook_secret": "webhook-0123456789-very-secret",
    }
    configure_logging("DEBUG", "json", [TOKEN, *secrets.values()])
    try:
        bot = await start_bot(upstream_mode="AUTO", sis_base_url="http://sis.local", **secrets)
        emulator.user_message(OWNER_ID, "/systems")
        call = await emulator.wait_for_message(OWNER_ID, contains="Preflight", timeout=10)
        emulator.user_message(STRANGER_ID, "/systems")
        await _barrier(emulator)
    finally:
        logs = capsys.readouterr().err
        reset_logging()
    text = call.params["text"]
    assert "ключ SIS: задан" in text and "ключ OpenAI: задан" in text
    assert "AUTO" in text and "sqlite" in text
    records = await bot.runtime.services.audit.repository.recent(limit=50)
    audit_dump = " ".join(r.model_dump_json() for r in records)
    everything = [c.params.get("text", "") for c in emulator.requests]
    for secret in [*secrets.values(), TOKEN.split(":")[1]]:
        assert secret not in text
        assert all(secret not in str(t) for t in everything)
        assert secret not in logs
        assert secret not in audit_dump
    assert "update_received" in logs  # the logs were really captured


async def test_survives_429_and_502(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    emulator.fail_next("sendMessage", 429, retry_after=1)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")
    ok = await emulator.wait_for(
        lambda c: (
            c.method == "sendMessage" and c.error is None and str(c.params.get("chat_id")) == str(OWNER_ID)
        ),
        start=mark,
        timeout=10,
    )
    failed = [c for c in emulator.requests[mark:] if c.method == "sendMessage" and c.error is not None]
    assert len(failed) == 1 and ok.params["text"] == failed[0].params["text"]

    emulator.fail_next("sendMessage", 502, times=2)
    emulator.fail_next("getUpdates", 502)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")
    await emulator.wait_for(
        lambda c: (
            c.method == "sendMessage" and c.error is None and str(c.params.get("chat_id")) == str(OWNER_ID)
        ),
        start=mark,
        timeout=15,
    )
    errors = [c for c in emulator.requests[mark:] if c.error is not None]
    assert len(errors) == 3


async def test_keeps_polling_after_emulator_restart(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    await _barrier(emulator)
    await emulator.stop()
    emulator.user_message(OWNER_ID, "/start")  # queued while the server is down
    await emulator.restart()
    await emulator.wait_for_message(OWNER_ID, contains="OwnerBot", timeout=20)


async def test_odd_input_does_not_break_the_bot(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    mark = emulator.mark()
    long = emulator.user_message(OWNER_ID, "я" * 10_000)
    reply = await emulator.wait_for_message(OWNER_ID, start=mark)
    assert reply.error is None and len(reply.params["text"]) <= 4096
    emulator.user_edits_message(OWNER_ID, long["message_id"], "KPI")
    emulator.user_sticker(OWNER_ID)
    emulator.inject_update({"business_future_event": {"id": 1, "from": {"id": OWNER_ID}}})
    emulator.inject_update({"message_reaction_count": {"chat": {"id": OWNER_ID, "type": "private"}}})
    await _barrier(emulator)
    assert not [c for c in emulator.requests[mark:] if c.error is not None]


async def test_handler_error_gets_apology_with_correlation_id(
    emulator: BotApiEmulator, start_bot: StartBot, capsys: pytest.CaptureFixture[str]
) -> None:
    async def explode(message: Message) -> None:
        raise RuntimeError("kaboom")

    def add_boom(runtime: Runtime) -> None:
        # The dispatcher's own handlers run before its routers, so /boom reaches this one first.
        runtime.dispatcher.message.register(explode, Command("boom"))

    configure_logging("INFO", "json", [])
    try:
        bot = await start_bot(configure=add_boom)
        mark = emulator.mark()
        emulator.user_message(OWNER_ID, "/boom")
        apology = await emulator.wait_for_message(OWNER_ID, contains="Код", start=mark)
        await _barrier(emulator)  # still polling
    finally:
        logs = capsys.readouterr().err
        reset_logging()
    text = apology.params["text"]
    assert "Traceback" not in text and "kaboom" not in text
    cid = text.split("<code>")[1].split("</code>")[0]
    assert len(cid) == 32
    assert any(cid in line and "handler_failed" in line for line in logs.splitlines())
    errors = await bot.runtime.services.audit.repository.recent(event_type="handler_error")
    assert errors and errors[0].correlation_id == cid
