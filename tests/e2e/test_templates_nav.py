"""Template menus through the real bot and the Bot API emulator: one panel edited in place, input
dialogues (presets, re-ask on a parse error, /cancel, expiry, switching menus), stale and double taps,
an action preview confirmed through the ACTION router's buttons, pages of a long list, /lang en.
"""

from __future__ import annotations

import dataclasses
import re
import time
from typing import cast

import pytest
import redis
from aiogram.fsm.storage.base import StorageKey

from ownerbot.bot import template_flow
from ownerbot.bot.fsm import FSM_TTL_SEC
from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.runtime import Runtime
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.spec import TemplateSpec
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot
from tests.e2e.templates_support import (
    barrier,
    button_data,
    call_buttons,
    message_buttons,
    message_id_of,
    next_send,
    open_home,
    panel_edit,
    press,
    say,
    seed_shop,
    to_owner,
)

pytestmark = pytest.mark.e2e

STALE = "Меню обновлено."


async def _fsm_state(bot: RunningBot) -> str | None:
    storage = bot.runtime.dispatcher.storage
    key = StorageKey(bot_id=bot.runtime.bot.id, chat_id=OWNER_ID, user_id=OWNER_ID)
    return await storage.get_state(key)


async def _expire_fsm(bot: RunningBot) -> None:
    """What a TTL does to an abandoned dialogue: its state and data are gone."""
    storage = bot.runtime.dispatcher.storage
    key = StorageKey(bot_id=bot.runtime.bot.id, chat_id=OWNER_ID, user_id=OWNER_ID)
    await storage.set_state(key, None)
    await storage.set_data(key, {})


async def _open_template(emulator: BotApiEmulator, section: str, button: str) -> tuple[int, int]:
    """/start → section → template button; returns the panel id and the mark before the last press."""
    panel, home = await open_home(emulator)
    _, mark = await press(emulator, panel, button_data(home, section))
    await panel_edit(emulator, panel, mark)
    _, mark = await press(emulator, panel, button_data(message_buttons(emulator, panel), button))
    return panel, mark


async def test_start_to_a_report_and_its_answer(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    panel, home = await open_home(emulator)
    assert len(home) == 11 and all(len(b["callback_data"].encode()) <= 64 for b in home)

    _, mark = await press(emulator, panel, button_data(home, "Отчёты"))
    edit = await panel_edit(emulator, panel, mark)
    assert "Отчёты" in edit.params["text"]
    section = call_buttons(edit)
    texts = [b["text"] for b in section]
    assert "Ещё…" in texts and "🏠 Домой" in texts and "⬅️ Назад" in texts
    rows = edit.params["reply_markup"]["inline_keyboard"]
    template_buttons = [b for b in section if b["callback_data"].startswith("tn:r:")]
    # The reports section holds more than eight templates: a full first page, then «Ещё…».
    assert len(template_buttons) == 8 and all(len(row) <= 2 for row in rows)

    _, mark = await press(emulator, panel, button_data(section, "KPI сегодня"))
    answer = await next_send(emulator, mark, "sendMessage")
    text = answer.params["text"]
    assert "KPI за сегодня" in text and "Источник:" in text and "Данные на" in text
    assert message_id_of(answer) != panel  # answers come below the panel, the panel stays

    # «Ещё…» pages on, ⬅️ goes back a page, 🏠 home.
    _, mark = await press(emulator, panel, button_data(message_buttons(emulator, panel), "Ещё…"))
    page2 = await panel_edit(emulator, panel, mark)
    assert "стр. 2/" in page2.params["text"]
    _, mark = await press(emulator, panel, button_data(call_buttons(page2), "Назад"))
    back = await panel_edit(emulator, panel, mark)
    assert "Ещё…" in [b["text"] for b in call_buttons(back)]
    _, mark = await press(emulator, panel, button_data(call_buttons(back), "Домой"))
    again = await panel_edit(emulator, panel, mark)
    assert len(call_buttons(again)) == 11


async def test_input_flow_reasks_then_preset_preview_and_confirm(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    assert "На сколько процентов" in prompt.params["text"]
    labels = [b["text"] for b in call_buttons(prompt)]
    assert labels[:4] == ["+5%", "+10%", "+15%", "+20%"] and "❌ Отмена" in labels

    reask = await say(emulator, "много")
    assert "Не понял" in reask.params["text"] and "На сколько процентов" in reask.params["text"]
    assert await _fsm_state(bot) is not None

    _, mark = await press(emulator, message_id_of(reask), button_data(call_buttons(reask), "+10%"))
    preview = await next_send(emulator, mark, "sendMessage")
    assert "HIGH" in preview.params["text"]
    confirm = button_data(call_buttons(preview), "")
    assert confirm.startswith("ok:")  # the ACTION router's own ✅ button
    assert await _fsm_state(bot) is None

    answer, mark = await press(emulator, message_id_of(preview), confirm)
    assert answer["text"] == "⏳ Выполняю…"
    result = await panel_edit(emulator, message_id_of(preview), mark)
    assert "выполнено" in result.params["text"]


async def test_cancel_leaves_the_flow(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    assert await _fsm_state(bot) is not None
    reply = await say(emulator, "/cancel")
    assert reply.params["text"] == "Отменено."
    assert await _fsm_state(bot) is None
    # The prompt's buttons no longer belong to a live dialogue.
    answer, _ = await press(emulator, message_id_of(prompt), button_data(call_buttons(prompt), "+5%"))
    assert answer["text"] == "Этот вопрос уже неактуален."


async def test_cancel_button(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    _, mark = await press(emulator, message_id_of(prompt), button_data(call_buttons(prompt), "Отмена"))
    reply = await next_send(emulator, mark, "sendMessage")
    assert reply.params["text"] == "Отменено." and await _fsm_state(bot) is None


async def test_press_on_an_old_panel_is_stale(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    old_panel, old_home = await open_home(emulator)
    new_panel, _ = await open_home(emulator)
    answer, mark = await press(emulator, old_panel, button_data(old_home, "Заказы"))
    assert answer["text"] == STALE
    redraw = await next_send(emulator, mark, "sendMessage")
    assert len(call_buttons(redraw)) == 11  # the current panel, drawn again below
    # Nothing was navigated on either panel.
    assert not [c for c in emulator.requests[mark:] if c.method == "editMessageText"]
    assert message_id_of(redraw) not in (old_panel, new_panel)


async def test_double_tap_navigates_once(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    panel, home = await open_home(emulator)
    data = button_data(home, "Заказы")
    first, mark = await press(emulator, panel, data)
    second, _ = await press(emulator, panel, data, strict=False)
    await barrier(emulator)
    assert "text" not in first or first.get("text") in (None, "")
    assert second["text"] == STALE
    edits = [c for c in emulator.requests[mark:] if c.method == "editMessageText" and to_owner(c)]
    assert len(edits) == 1


async def test_double_tap_on_a_report_runs_it_once(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    panel, home = await open_home(emulator)
    _, mark = await press(emulator, panel, button_data(home, "Отчёты"))
    section = call_buttons(await panel_edit(emulator, panel, mark))
    data = button_data(section, "KPI сегодня")
    _, mark = await press(emulator, panel, data)
    second, _ = await press(emulator, panel, data, strict=False)
    await barrier(emulator)
    assert second["text"] == STALE
    answers = [
        c
        for c in emulator.requests[mark:]
        if c.method == "sendMessage" and to_owner(c) and "KPI за сегодня" in c.params["text"]
    ]
    assert len(answers) == 1


async def test_expired_input_is_stale_and_text_is_not_an_answer(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    await _expire_fsm(bot)
    answer, _ = await press(emulator, message_id_of(prompt), button_data(call_buttons(prompt), "+10%"))
    assert answer["text"] == "Этот вопрос уже неактуален."
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "10")
    await barrier(emulator)
    sent = [c for c in emulator.requests[mark:] if c.method == "sendMessage" and to_owner(c)]
    assert not any("HIGH" in c.params["text"] for c in sent)  # no preview from a dead dialogue


async def test_switching_menus_mid_input_ends_it(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    panel, mark = await _open_template(emulator, "Цены", "Поднять цены")
    await next_send(emulator, mark, "sendMessage")
    assert await _fsm_state(bot) is not None
    _, mark = await press(emulator, panel, button_data(message_buttons(emulator, panel), "Домой"))
    await panel_edit(emulator, panel, mark)
    assert await _fsm_state(bot) is None


def _long_list_catalog(runtime: Runtime) -> None:
    services = runtime.dispatcher["services"]
    spec = TemplateSpec.model_validate(
        {
            "id": "ORD_TEST_LIST",
            "category": "orders",
            "title": "Все заказы (тест)",
            "button": "🧪 Все заказы",
            "kind": "report",
            "tool": "orders_search",
            "payload": {"limit": 35},
            "render": "table",
            "paginate": True,
        }
    )
    catalog = TemplateCatalog([spec], {})
    runtime.dispatcher["services"] = dataclasses.replace(services, templates=catalog)


async def test_long_list_pages_without_a_new_query(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot(configure=_long_list_catalog)
    await seed_shop(bot)
    _, mark = await _open_template(emulator, "Заказы", "Все заказы")
    first = await next_send(emulator, mark, "sendMessage")
    assert "стр. 1/4" in first.params["text"] and "<pre>" in first.params["text"]
    assert len(first.params["text"]) <= 4096
    table = first.params["text"].split("<pre>")[1].split("</pre>")[0]
    assert all(len(line) <= 34 for line in table.split("\n"))
    nav = call_buttons(first)
    assert [b["text"] for b in nav] == ["▶️"]
    calls_before = await bot.runtime.services.audit.repository.count(event_type="tool_call_started")
    _, mark = await press(emulator, message_id_of(first), nav[0]["callback_data"])
    second = await panel_edit(emulator, message_id_of(first), mark)
    assert "стр. 2/4" in second.params["text"] and "11." in second.params["text"]
    assert [b["text"] for b in call_buttons(second)] == ["◀️", "▶️"]
    calls_after = await bot.runtime.services.audit.repository.count(event_type="tool_call_started")
    assert calls_after == calls_before  # the page came from the stored answer


async def test_lang_en_switches_the_menus(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    reply = await say(emulator, "/lang en")
    assert reply.params["text"] == "Language: English."
    panel, home = await open_home(emulator)  # the client still says ru: the stored choice wins
    assert "📊 Reports" in [b["text"] for b in home]
    _, mark = await press(emulator, panel, button_data(home, "Reports"))
    edit = await panel_edit(emulator, panel, mark)
    assert "Back" in " ".join(b["text"] for b in call_buttons(edit))
    reply = await say(emulator, "/lang ru")
    assert reply.params["text"] == "Язык: русский."


async def test_kpi_command_and_free_text(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    kpi = await say(emulator, "/kpi")
    assert "KPI за сегодня" in kpi.params["text"]
    yesterday = await say(emulator, "KPI за вчера")
    assert "вчера" in yesterday.params["text"].lower() and "Источник:" in yesterday.params["text"]


async def test_disabled_entry_says_why(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()  # no MANAGER_CHAT_IDS
    panel, home = await open_home(emulator)
    _, mark = await press(emulator, panel, button_data(home, "Команда"))
    section = call_buttons(await panel_edit(emulator, panel, mark))
    locked = [b for b in section if b["text"].startswith("🔒")]
    assert locked, [b["text"] for b in section]
    answer, _ = await press(emulator, panel, locked[0]["callback_data"])
    assert "MANAGER_CHAT_IDS" in answer["text"] and answer.get("show_alert") is True


async def test_free_text_suggests_closest_templates(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    reply = await say(emulator, "скидка")
    suggested = call_buttons(reply)
    assert 2 <= len(suggested) <= 3 and all(b["callback_data"].startswith("ts:") for b in suggested)
    _, mark = await press(emulator, message_id_of(reply), suggested[0]["callback_data"])
    prompt = await next_send(emulator, mark, "sendMessage")
    assert any(b["callback_data"].startswith("ti:") for b in call_buttons(prompt))  # its first input
    second, _ = await press(emulator, message_id_of(reply), suggested[0]["callback_data"])
    assert second["text"] == "Этот вопрос уже неактуален."  # a double tap starts it once
    await say(emulator, "/cancel")  # the suggestion started a dialogue: leave it first
    nothing = await say(emulator, "абракадабра")
    assert "Пока не понимаю" in nothing.params["text"]  # the fallback's hint, unchanged


async def test_free_text_fills_inputs_and_asks_only_what_is_missing(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    answer = await say(emulator, "заказ 5")
    assert "Номер заказа" not in answer.params["text"]  # the id came with the text: nothing asked
    assert "Источник:" in answer.params["text"]


async def test_weekly_pdf_from_free_text_is_a_named_document(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "weekly pdf")
    chat_action = await emulator.wait_for(
        lambda c: c.method == "sendChatAction" and to_owner(c), start=mark, timeout=30
    )
    assert chat_action.params["action"] == "upload_document"
    document = await next_send(emulator, mark, "sendDocument")
    assert isinstance(document.result, dict)
    filename = document.result["document"]["file_name"]
    assert re.fullmatch(r"ownerbot-weekly-\d{4}-W\d{2}\.pdf", filename), filename


async def test_chart_template_sends_a_photo_and_a_summary(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    panel, home = await open_home(emulator)
    _, mark = await press(emulator, panel, button_data(home, "Отчёты"))
    await panel_edit(emulator, panel, mark)
    wanted = "tn:r:RPT_REVENUE_TREND_30D_PNG:"
    while not [b for b in message_buttons(emulator, panel) if b["callback_data"].startswith(wanted)]:
        _, mark = await press(emulator, panel, button_data(message_buttons(emulator, panel), "Ещё…"))
        await panel_edit(emulator, panel, mark)
    data = next(b for b in message_buttons(emulator, panel) if b["callback_data"].startswith(wanted))
    _, mark = await press(emulator, panel, data["callback_data"])
    photo = await next_send(emulator, mark, "sendPhoto")
    assert 0 < len(photo.params.get("caption", "")) <= 1024
    summary = await emulator.wait_for(
        lambda c: c.method == "sendMessage" and to_owner(c) and c.index > photo.index, start=mark, timeout=15
    )
    assert summary.params["text"]


async def test_templates_and_menu_commands(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    listing = await say(emulator, "/templates")
    assert "RPT_KPI_TODAY" in listing.params["text"] and len(listing.params["text"]) <= 4096
    await barrier(emulator)  # the list may take several messages
    menu = await say(emulator, "/menu")
    assert len(call_buttons(menu)) == 11
    _, mark = await press(emulator, message_id_of(menu), button_data(call_buttons(menu), "Заказы"))
    assert (await panel_edit(emulator, message_id_of(menu), mark)).params["message_id"] == message_id_of(menu)


async def test_input_flow_on_redis_expires_with_its_ttl(
    emulator: BotApiEmulator, start_bot: StartBot, redis_url: str
) -> None:
    bot = await start_bot(redis_url=redis_url)
    assert bot.runtime.state.backend == "redis"
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    client = redis.Redis.from_url(redis_url)
    try:
        found: list[bytes] = list(cast(list[bytes], client.keys("fsm:*")))
        keys = [key for key in found if str(OWNER_ID).encode() in key]
        assert keys, found
        ttls = [cast(int, client.ttl(key)) for key in keys]
        assert all(0 < ttl <= FSM_TTL_SEC for ttl in ttls)  # an abandoned input expires
        client.delete(*keys)  # what the TTL does, without waiting a day
    finally:
        client.close()
    answer, _ = await press(emulator, message_id_of(prompt), button_data(call_buttons(prompt), "+5%"))
    assert answer["text"] == "Этот вопрос уже неактуален."


async def test_typed_input_then_skip_an_optional_one(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    _, mark = await _open_template(emulator, "Заказы", "Пометить")
    first = await next_send(emulator, mark, "sendMessage")
    assert "Шаг 1 из 2" in first.params["text"]
    second = await say(emulator, "5")
    assert "Шаг 2 из 2" in second.params["text"]
    _, mark = await press(emulator, message_id_of(second), button_data(call_buttons(second), "Пропустить"))
    preview = await next_send(emulator, mark, "sendMessage")
    assert "Затронуто: 1" in preview.params["text"]
    assert button_data(call_buttons(preview), "").startswith("ok:")


async def test_unanswered_question_lapses_in_memory_storage(
    emulator: BotApiEmulator, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_bot()  # MemoryStorage: no TTL of its own
    _, mark = await _open_template(emulator, "Цены", "Поднять цены")
    prompt = await next_send(emulator, mark, "sendMessage")
    later = time.time() + template_flow.INPUT_TTL_SEC + 1
    monkeypatch.setattr(template_flow, "flow_clock", lambda: later)
    reply = await say(emulator, "10")
    assert reply.params["text"] == "Ввод устарел. Начни заново из /menu."
    assert await _fsm_state(bot) is None
    answer, _ = await press(emulator, message_id_of(prompt), button_data(call_buttons(prompt), "+5%"))
    assert answer["text"] == "Этот вопрос уже неактуален."
