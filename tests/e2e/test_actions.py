"""The ACTION pipeline through the real bot and the Bot API emulator: preview, confirm, result in place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.runtime import Runtime
from ownerbot.storage.action_models import ActionConfirmToken
from ownerbot.storage.engine import create_session_factory
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot
from tests.integration.actions.support import (
    ManualClock,
    execution_statuses,
    flag_rows,
    note_count,
    seed_orders,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgresql"])
def start_bot(request: pytest.FixtureRequest, start_bot: StartBot) -> StartBot:
    """Every flow here runs on the embedded SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        return start_bot
    url: str = request.getfixturevalue("pg_url")

    async def start_on_postgres(**overrides: Any) -> RunningBot:
        return await start_bot(database_url=url, **overrides)

    return start_on_postgres


SECOND_OWNER = 5550003
TAMPER = "Некорректное подтверждение. Запусти действие снова."


def _db(bot: RunningBot) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(bot.runtime.engine)


def _buttons(call: ApiCall) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _data(call: ApiCall, prefix: str) -> str:
    found = [b["callback_data"] for b in _buttons(call) if b["callback_data"].startswith(prefix + ":")]
    assert len(found) == 1, _buttons(call)
    data: str = found[0]
    return data


async def _say(emulator: BotApiEmulator, text: str) -> ApiCall:
    """The owner sends `text`; returns the bot's reply (a sendMessage)."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, text)
    return await emulator.wait_for(
        lambda c: c.method == "sendMessage" and c.ok and c.params.get("chat_id") in (OWNER_ID, str(OWNER_ID)),
        start=mark,
        timeout=10,
    )


def _message_id(call: ApiCall) -> int:
    assert isinstance(call.result, dict)
    message_id: int = call.result["message_id"]
    return message_id


async def _press(
    emulator: BotApiEmulator, message_id: int, data: str, *, user: int = OWNER_ID, **options: Any
) -> tuple[dict[str, Any], int]:
    """Press a button; returns the callback answer and the call index it arrived at."""
    mark = emulator.mark()
    query_id = emulator.press_button(user, message_id, data, **options)
    await emulator.wait_for(
        lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id,
        start=mark,
        timeout=10,
    )
    return emulator.callback_answers[query_id], mark


async def _edit_of(emulator: BotApiEmulator, message_id: int, start: int) -> ApiCall:
    return await emulator.wait_for(
        lambda c: c.method == "editMessageText" and c.ok and c.params.get("message_id") == message_id,
        start=start,
        timeout=10,
    )


async def _barrier(emulator: BotApiEmulator) -> None:
    """Updates run one by one in tests: the reply to /help proves every earlier update is done."""
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")
    await emulator.wait_for_message(OWNER_ID, contains="/audit", start=mark, timeout=10)


async def test_flag_preview_confirm_result_edited_in_place(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    orders = await seed_orders(_db(bot))
    preview = await _say(emulator, f"/flag {orders[0]} клиент <просит> звонок")
    text = preview.params["text"]
    assert "LOW" in text and "Пометить заказ" in text and "Затронуто: 1" in text
    assert "&lt;просит&gt;" in text  # typed text is escaped, never markup
    assert all(len(b["callback_data"].encode()) <= 64 for b in _buttons(preview))
    message_id = _message_id(preview)

    answer, mark = await _press(emulator, message_id, _data(preview, "ok"))
    assert answer["text"] == "⏳ Выполняю…"
    result = await _edit_of(emulator, message_id, mark)
    assert "выполнено" in result.params["text"] and "Изменено: 1" in result.params["text"]
    assert "Откат" in result.params["text"] and "LOW" in result.params["text"]
    assert [b["callback_data"][:3] for b in _buttons(result)] == ["ud:"]
    assert (await flag_rows(_db(bot)))[orders[0]] == (True, "клиент <просит> звонок")

    # A second press of the (now gone) confirm button answers from the stored status.
    again, _ = await _press(emulator, message_id, _data(preview, "ok"), strict=False)
    assert again["text"] == "Уже выполнено."
    assert await execution_statuses(_db(bot)) == ["committed"]

    # /audit lists the preview and the commit with who and the correlation id.
    listing = await _say(emulator, "/audit")
    commit = (await bot.runtime.services.audit.repository.recent(event_type="ACTION_COMMIT"))[0]
    assert "ACTION_COMMIT" in listing.params["text"] and "ACTION_PREVIEW" in listing.params["text"]
    assert commit.correlation_id is not None and commit.correlation_id in listing.params["text"]
    assert str(OWNER_ID) in listing.params["text"] and "flag_order" in listing.params["text"]


async def test_undo_button_previews_and_rolls_back(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    orders = await seed_orders(_db(bot))
    preview = await _say(emulator, f"/flag {orders[1]} проверить")
    message_id = _message_id(preview)
    _, mark = await _press(emulator, message_id, _data(preview, "ok"))
    result = await _edit_of(emulator, message_id, mark)

    mark = emulator.mark()
    emulator.press_button(OWNER_ID, message_id, _data(result, "ud"))
    undo = await emulator.wait_for(
        lambda c: c.method == "sendMessage" and c.ok and "Снять пометку" in c.params.get("text", ""),
        start=mark,
    )
    undo_id = _message_id(undo)
    _, mark = await _press(emulator, undo_id, _data(undo, "ok"))
    done = await _edit_of(emulator, undo_id, mark)
    assert "Это откат" in done.params["text"]
    assert (await flag_rows(_db(bot)))[orders[1]] == (False, None)
    assert await bot.runtime.services.audit.repository.count(event_type="ACTION_ROLLBACK") == 1


async def test_cancel_edits_the_message_and_commits_nothing(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    orders = await seed_orders(_db(bot))
    preview = await _say(emulator, f"/note {orders[0]} перезвонить завтра")
    message_id = _message_id(preview)
    answer, mark = await _press(emulator, message_id, _data(preview, "no"))
    assert answer["text"] == "Отменено."
    edit = await _edit_of(emulator, message_id, mark)
    assert "Отменено" in edit.params["text"] and not _buttons(edit)
    refused, _ = await _press(emulator, message_id, _data(preview, "ok"), strict=False)
    assert refused["text"] == TAMPER and refused["show_alert"] is True
    assert await note_count(_db(bot)) == 0


async def test_expired_token_is_refused(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    clock = ManualClock(datetime.now(UTC))

    def use_clock(runtime: Runtime) -> None:
        assert runtime.services.actions is not None
        runtime.services.actions.pipeline.clock = clock

    bot = await start_bot(configure=use_clock, action_confirm_ttl_sec=60)
    orders = await seed_orders(_db(bot))
    preview = await _say(emulator, f"/flag {orders[0]} поздно")
    clock.advance(61)
    answer, _ = await _press(emulator, _message_id(preview), _data(preview, "ok"))
    assert answer["text"] == TAMPER
    assert (await flag_rows(_db(bot)))[orders[0]] == (False, None)
    tampers = await bot.runtime.services.audit.repository.recent(event_type="ACTION_TAMPER")
    assert [t.details["reason"] for t in tampers] == ["expired"]


async def test_noop_previews_show_no_button(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    orders = await seed_orders(_db(bot))
    unflag = await _say(emulator, f"/unflag {orders[0]}")
    assert "Менять нечего" in unflag.params["text"] and f"#{orders[0]} не помечен" in unflag.params["text"]
    assert _buttons(unflag) == []
    notify = await _say(emulator, "/notify Всем привет")
    assert "MANAGER_CHAT_IDS" in notify.params["text"] and _buttons(notify) == []
    missing = await _say(emulator, "/flag 999999 нет такого")
    assert "не нашёл такой заказ" in missing.params["text"] and _buttons(missing) == []
    assert await bot.runtime.services.audit.repository.count(event_type="ACTION_PREVIEW") == 3


async def test_anomalous_bulk_flag_needs_the_force_step(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_orders(_db(bot), 60, status="new")
    preview = await _say(emulator, "/bulkflag new массовая проверка")
    assert "MED" in preview.params["text"] and "Аномалия" in preview.params["text"]
    message_id = _message_id(preview)

    answer, mark = await _press(emulator, message_id, _data(preview, "ok"))
    assert answer["text"] == "Нужно ещё одно подтверждение."
    step = await _edit_of(emulator, message_id, mark)
    assert "Нужно явное подтверждение" in step.params["text"] and "60" in step.params["text"]
    assert not any(flagged for flagged, _ in (await flag_rows(_db(bot))).values())

    _, mark = await _press(emulator, message_id, _data(step, "fz"))
    result = await _edit_of(emulator, message_id, mark)
    assert "выполнено" in result.params["text"] and "Изменено: 60" in result.params["text"]
    assert sum(flagged for flagged, _ in (await flag_rows(_db(bot))).values()) == 60


async def test_notify_team_reports_partial_delivery(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(manager_chat_ids=[-1001, -1002])
    preview = await _say(emulator, "/notify Проверьте заказы без оплаты")
    assert "чат -1001" in preview.params["text"] and "чат -1002" in preview.params["text"]
    message_id = _message_id(preview)
    # Recipients go in ascending order: the first send (to -1002) is refused, -1001 still gets it.
    emulator.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    _, mark = await _press(emulator, message_id, _data(preview, "ok"))
    result = await _edit_of(emulator, message_id, mark)
    text = result.params["text"]
    assert "частично" in text and "Доставлено: 1 из 2" in text and "Чат -1002 не получил" in text
    delivered = [
        c
        for c in emulator.requests[mark:]
        if c.method == "sendMessage" and c.ok and c.params.get("chat_id") == -1001
    ]
    assert len(delivered) == 1 and delivered[0].params["text"] == "Проверьте заказы без оплаты"


async def test_every_forged_press_is_refused_and_audited(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot(owner_ids=[OWNER_ID, SECOND_OWNER])
    orders = await seed_orders(_db(bot))
    preview = await _say(emulator, f"/flag {orders[0]} подделка")
    message_id = _message_id(preview)
    data = _data(preview, "ok")
    audit = bot.runtime.services.audit.repository

    # Every byte of the real confirm data, changed in place.
    queries = []
    for i, char in enumerate(data):
        forged = data[:i] + ("A" if char != "A" else "B") + data[i + 1 :]
        queries.append(emulator.press_button(OWNER_ID, message_id, forged, strict=False))
    # The genuine data pressed by another owner, and by the owner in another chat.
    queries.append(emulator.press_button(SECOND_OWNER, message_id, data, chat_id=OWNER_ID, strict=False))
    queries.append(emulator.press_button(OWNER_ID, message_id, data, chat_id=-100777, strict=False))
    await _barrier(emulator)
    assert [emulator.callback_answers[q]["text"] for q in queries] == [TAMPER] * len(queries)
    assert await audit.count(event_type="ACTION_TAMPER") == len(queries)

    # The stored payload changed behind the bot's back: the real press is refused too.
    async with _db(bot)() as session:
        await session.execute(
            update(ActionConfirmToken)
            .where(ActionConfirmToken.message_id == message_id)
            .values(payload=f'{{"order_id":"{orders[1]}","reason":"подделка"}}')
        )
        await session.commit()
    answer, _ = await _press(emulator, message_id, data)
    assert answer["text"] == TAMPER
    assert await audit.count(event_type="ACTION_TAMPER") == len(queries) + 1
    assert not any(flagged for flagged, _ in (await flag_rows(_db(bot))).values())
    assert await execution_statuses(_db(bot)) == []

    # The pipeline itself is fine: an untouched preview still commits.
    fresh = await _say(emulator, f"/flag {orders[2]} настоящее")
    _, mark = await _press(emulator, _message_id(fresh), _data(fresh, "ok"))
    await _edit_of(emulator, _message_id(fresh), mark)
    assert (await flag_rows(_db(bot)))[orders[2]] == (True, "настоящее")
