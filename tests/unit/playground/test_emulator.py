"""The Bot API emulator driven over real HTTP: raw aiohttp requests and an unmodified aiogram Bot."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from ownerbot.playground.emulator import ApiCall, BotApiEmulator, parse_html
from ownerbot.playground.web import attach_playground_routes, entities_to_html

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_ID = 123456
OWNER = 100001
STRANGER = 200002


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data) for text, data in buttons]]
    )


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator()
    attach_playground_routes(emu, owner_id=OWNER, stranger_id=STRANGER)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def api(
    http: aiohttp.ClientSession, emulator: BotApiEmulator, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emulator.base_url}/bot{token}/{method}", json=params) as resp:
        return resp.status, await resp.json()


# --------------------------------------------------------------------------------------------- basics


async def test_get_me_over_raw_http_and_aiogram(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.base_url}/bot{TOKEN}/getMe") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["ok"] is True
    assert body["result"]["id"] == BOT_ID
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "ownerbot_local_bot"

    me = await bot.get_me()
    assert (me.id, me.first_name, me.username) == (BOT_ID, "OwnerBot", "ownerbot_local_bot")
    assert [call.method for call in emulator.requests] == ["getMe", "getMe"]

    status, body = await api(http, emulator, "getme")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == BOT_ID


async def test_malformed_token_is_unauthorized(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await api(http, emulator, "getMe", token="123:short")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bad_bot = Bot("42:not-long-enough", session=session)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bad_bot.get_me()
    finally:
        await session.close()


async def test_unknown_method_is_404(emulator: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await api(http, emulator, "sendHologram", chat_id=OWNER)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert emulator.requests[-1].method == "sendHologram"
    assert emulator.requests[-1].error_code == 404


async def test_empty_and_oversized_text_are_bad_requests(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    status, body = await api(http, emulator, "sendMessage", chat_id=OWNER, text="")
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}

    status, body = await api(http, emulator, "sendMessage", text="no chat")
    assert status == 400 and body["description"] == "Bad Request: chat_id is empty"

    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(OWNER, "   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(OWNER, "я" * 4097)
    await bot.send_message(OWNER, "я" * 4096)

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(OWNER, "x", reply_markup=keyboard(("too long", "d" * 65)))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(OWNER, "x", reply_markup={"inline_keyboard": [[{"text": "bare"}]]})  # type: ignore[arg-type]
    assert len(emulator.chat_history(OWNER)) == 1


async def test_params_as_query_urlencoded_and_multipart(
    emulator: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    url = f"{emulator.base_url}/bot{TOKEN}/sendMessage"
    async with http.get(url, params={"chat_id": str(OWNER), "text": "query"}) as resp:
        assert resp.status == 200

    markup = '{"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]}'
    async with http.post(url, data={"chat_id": str(OWNER), "text": "form", "reply_markup": markup}) as resp:
        body = await resp.json()
    assert body["result"]["reply_markup"] == {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]}
    assert emulator.requests[-1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    assert emulator.requests[-1].params["chat_id"] == OWNER

    form = aiohttp.FormData()
    form.add_field("chat_id", str(OWNER))
    form.add_field("document", b"a;b\n1;2\n", filename="table.csv", content_type="text/csv")
    async with http.post(f"{emulator.base_url}/bot{TOKEN}/sendDocument", data=form) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    assert body["result"]["document"]["file_name"] == "table.csv"
    assert body["result"]["document"]["mime_type"] == "text/csv"
    assert emulator.requests[-1].params["document"]["size"] == 8

    assert [m.get("text") for m in emulator.chat_history(OWNER)] == ["query", "form", None]


# --------------------------------------------------------------------------------------------- updates


async def test_keyboard_message_then_press_button_reaches_get_updates(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.user_message(OWNER, "/start", first_name="Анна")
    sent = await bot.send_message(OWNER, "Что показать?", reply_markup=keyboard(("Сегодня", "report:today")))
    assert sent.reply_markup is not None

    query_id = emulator.press_button(OWNER, sent.message_id, "report:today")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1, 2]
    start, press = updates
    assert start.message is not None and start.message.text == "/start"
    assert start.message.entities is not None and start.message.entities[0].type == "bot_command"
    assert start.message.from_user is not None and start.message.from_user.language_code == "ru"

    query = press.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "report:today", OWNER)
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup is not None
    assert query.message.reply_markup.inline_keyboard[0][0].callback_data == "report:today"

    assert await bot.answer_callback_query(query_id, text="Готово")
    assert emulator.callback_answers[query_id] == {"show_alert": False, "text": "Готово"}
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query_id)

    with pytest.raises(LookupError, match="no button"):
        emulator.press_button(OWNER, sent.message_id, "forged")
    forged = emulator.press_button(OWNER, 999, "forged", strict=False)
    assert emulator.pending_updates[-1]["callback_query"]["id"] == forged


async def test_long_poll_returns_as_soon_as_an_update_arrives(emulator: BotApiEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until_polling()
    assert not poll.done()

    emulator.user_message(OWNER, "привет")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert len(updates) == 1
    assert updates[0].message is not None and updates[0].message.text == "привет"


async def test_long_poll_times_out_with_empty_list(bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []


async def test_offset_confirms_updates(emulator: BotApiEmulator, bot: Bot) -> None:
    for text in ("один", "два", "три"):
        emulator.user_message(OWNER, text)
    first = await bot.get_updates()
    ids = [u.update_id for u in first]
    assert len(ids) == 3 and ids == sorted(ids)

    assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[1:2]
    assert await bot.get_updates(offset=ids[-1] + 1) == []
    assert emulator.pending_updates == []

    emulator.user_message(OWNER, "четыре")
    (fourth,) = await bot.get_updates()
    assert fourth.update_id == ids[-1] + 1


async def test_second_poller_gets_conflict(emulator: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until_polling()
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=5)


async def test_allowed_updates_and_unknown_update_types(emulator: BotApiEmulator, bot: Bot) -> None:
    message = emulator.user_message(OWNER, "текст")
    emulator.user_edits_message(OWNER, message["message_id"], "текст (исправлено)")
    future_id = emulator.inject_update({"brand_new_update": {"foo": 1}})

    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["текст"]
    assert [u.update_id for u in updates][-1] == future_id
    assert all(u.edited_message is None for u in updates)
    assert emulator.chat_history(OWNER)[0]["text"] == "текст (исправлено)"

    emulator.inject_update({"update_id": 500, "message": message})
    assert emulator.inject_update({"edited_message": message}) == 501


# --------------------------------------------------------------------------------------------- messages


async def test_edit_message_text_changes_chat_history(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.user_message(OWNER, "/report")
    sent = await bot.send_message(OWNER, "Считаю…", reply_markup=keyboard(("Отмена", "cancel")))
    edited = await bot.edit_message_text(
        "<b>Выручка</b>: 10 ₽", chat_id=OWNER, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None

    history = emulator.chat_history(OWNER)
    assert [m["text"] for m in history] == ["/report", "Выручка: 10 ₽"]
    bot_message = history[1]
    assert bot_message["from"]["id"] == BOT_ID
    assert bot_message["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert "reply_markup" not in bot_message  # editing text without a markup drops the keyboard
    assert "edit_date" in bot_message

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Выручка</b>: 10 ₽", chat_id=OWNER, message_id=sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=OWNER, message_id=404)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=OWNER, message_id=1)

    await bot.edit_message_reply_markup(
        chat_id=OWNER, message_id=sent.message_id, reply_markup=keyboard(("Ещё", "more"))
    )
    assert emulator.chat_history(OWNER)[1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ещё"


async def test_delete_message_removes_it_from_history(emulator: BotApiEmulator, bot: Bot) -> None:
    user_message = emulator.user_message(OWNER, "удали меня")
    sent = await bot.send_message(OWNER, "временное")
    assert await bot.delete_message(OWNER, sent.message_id)
    assert await bot.delete_message(OWNER, user_message["message_id"])
    assert emulator.chat_history(OWNER) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(OWNER, sent.message_id)


async def test_html_parse_mode_becomes_entities(emulator: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(
        OWNER, '📈 <b>Рост</b> &lt;3 <a href="https://example.com">сайт</a>', parse_mode="HTML"
    )
    assert sent.text == "📈 Рост <3 сайт"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 3, 4), ("text_link", 11, 4)]
    assert emulator.requests[-1].params["text"].startswith("📈 <b>")  # the call keeps what was sent

    with pytest.raises(TelegramBadRequest, match='can\'t parse entities: Unsupported start tag "br"'):
        await bot.send_message(OWNER, "строка<br>строка", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(OWNER, "a < b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(OWNER, "<b>незакрыт", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(OWNER, "<b></b>", parse_mode="HTML")


def test_parse_html_details() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre> <i>a<b>b</b></i>&#128512;'
    )
    assert text == "x = 1 ab😀"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "italic", "offset": 6, "length": 2},
        {"type": "bold", "offset": 7, "length": 1},
    ]
    assert parse_html("AT&T &amp; &foo;")[0] == "AT&T & &foo;"


async def test_send_photo_and_document_then_download_same_bytes(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    png = tiny_png(3, 2)
    photo_message = await bot.send_photo(
        OWNER, BufferedInputFile(png, "chart.png"), caption="<b>График</b>", parse_mode="HTML"
    )
    assert photo_message.photo is not None
    size = photo_message.photo[-1]
    assert (size.width, size.height) == (3, 2)
    assert photo_message.caption == "График"

    photo_file = await bot.get_file(size.file_id)
    assert photo_file.file_path is not None
    downloaded = await bot.download_file(photo_file.file_path)
    assert downloaded is not None and downloaded.read() == png

    csv = "дата;выручка\n2026-01-01;100\n".encode()
    doc_message = await bot.send_document(OWNER, BufferedInputFile(csv, "отчёт.csv"))
    assert doc_message.document is not None
    assert doc_message.document.file_name == "отчёт.csv"
    assert doc_message.document.mime_type == "text/csv"
    assert doc_message.document.file_size == len(csv)
    doc_file = await bot.get_file(doc_message.document.file_id)
    async with http.get(f"{emulator.base_url}/file/bot{TOKEN}/{doc_file.file_path}") as resp:
        assert resp.status == 200
        assert await resp.read() == csv

    again = await bot.send_document(OWNER, doc_message.document.file_id)  # re-send by file_id
    assert again.document is not None and again.document.file_id == doc_message.document.file_id

    history = emulator.chat_history(OWNER)
    assert [("photo" in m, "document" in m) for m in history] == [(True, False), (False, True), (False, True)]

    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(OWNER, BufferedInputFile(b"not an image", "x.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(OWNER, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file-id")
    async with http.get(f"{emulator.base_url}/file/bot{TOKEN}/documents/missing.bin") as resp:
        assert resp.status == 404


async def test_user_voice_and_document_are_downloadable(emulator: BotApiEmulator, bot: Bot) -> None:
    audio = b"OggS\x00\x02" + bytes(range(200))
    emulator.user_voice(OWNER, audio, duration=4)
    emulator.user_document(OWNER, b"%PDF-1.4 demo", "price.pdf", "application/pdf", caption="прайс")
    emulator.user_sticker(OWNER, emoji="🔥")

    voice_update, document_update, sticker_update = await bot.get_updates()
    assert voice_update.message is not None and voice_update.message.voice is not None
    voice = voice_update.message.voice
    assert (voice.duration, voice.mime_type, voice.file_size) == (4, "audio/ogg", len(audio))
    downloaded = await bot.download(voice.file_id)
    assert downloaded is not None and downloaded.read() == audio

    assert document_update.message is not None and document_update.message.document is not None
    assert document_update.message.caption == "прайс"
    pdf = await bot.download(document_update.message.document.file_id)
    assert pdf is not None and pdf.read() == b"%PDF-1.4 demo"

    assert sticker_update.message is not None and sticker_update.message.sticker is not None
    assert sticker_update.message.sticker.emoji == "🔥"


async def test_commands_are_stored_per_scope_and_language(emulator: BotApiEmulator, bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="report", description="Отчёт"),
    ]
    assert await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=OWNER), language_code="ru")
    assert emulator.commands[(f"chat:{OWNER}", "ru")] == [
        {"command": "start", "description": "Начать"},
        {"command": "report", "description": "Отчёт"},
    ]
    got = await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=OWNER), language_code="ru")
    assert [c.command for c in got] == ["start", "report"]
    assert await bot.get_my_commands() == []

    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_webhook_calls_and_chat_action_and_reply_keyboard(emulator: BotApiEmulator, bot: Bot) -> None:
    assert await bot.delete_webhook(drop_pending_updates=False)
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()

    assert await bot.send_chat_action(OWNER, "typing")
    assert emulator.chat_action(OWNER) == "typing"
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(OWNER, "dancing")

    menu = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="📊 Отчёт")]], resize_keyboard=True)
    sent = await bot.send_message(OWNER, "Меню", reply_markup=menu)
    assert sent.reply_markup is None  # reply keyboards are not part of the Message object
    assert emulator.reply_keyboard(OWNER) == {"keyboard": [[{"text": "📊 Отчёт"}]], "resize_keyboard": True}
    assert emulator.chat_action(OWNER) is None  # a message ends "typing…"


# --------------------------------------------------------------------------------------------- faults


async def test_injected_429_raises_retry_after(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(OWNER, "раз")
    assert caught.value.retry_after == 7
    failed = emulator.requests[-1]
    assert (failed.method, failed.error_code, failed.error) == (
        "sendMessage",
        429,
        "Too Many Requests: retry after 7",
    )
    assert failed.params["text"] == "раз"

    await bot.send_message(OWNER, "два")
    assert [m["text"] for m in emulator.chat_history(OWNER)] == ["два"]


async def test_injected_502_raises_server_error(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    emulator.fail_next("getMe", 502, times=2)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()
    status, body = await api(http, emulator, "getMe")
    assert (status, body) == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert (await bot.get_me()).id == BOT_ID


async def test_stop_and_restart_keep_pending_updates_and_files(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    port = emulator.port
    sent = await bot.send_document(OWNER, BufferedInputFile(b"keep me", "keep.txt"))
    emulator.user_message(OWNER, "пока сервер лежит")

    await emulator.stop()
    assert not emulator.running
    with pytest.raises(aiohttp.ClientConnectionError):
        await api(http, emulator, "getMe")
    emulator.user_message(OWNER, "и ещё одно")

    assert await emulator.restart() == f"http://127.0.0.1:{port}"
    assert emulator.port == port
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["пока сервер лежит", "и ещё одно"]
    assert sent.document is not None
    downloaded = await bot.download(sent.document.file_id)
    assert downloaded is not None and downloaded.read() == b"keep me"
    assert len(emulator.chat_history(OWNER)) == 3


async def test_stop_releases_a_parked_long_poll(emulator: BotApiEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until_polling()
    await emulator.stop()
    assert await asyncio.wait_for(poll, timeout=5) == []


# --------------------------------------------------------------------------------------------- observing


async def test_wait_for_and_wait_for_message(emulator: BotApiEmulator, bot: Bot) -> None:
    await bot.send_message(OWNER, "старое")
    mark = emulator.mark()
    found = await emulator.wait_for_message(OWNER, contains="старое")  # already-seen calls count
    assert found.index == 0

    sender = asyncio.create_task(bot.send_message(OWNER, "<i>Привет</i>, владелец", parse_mode="HTML"))
    call = await emulator.wait_for_message(OWNER, contains="Привет, владелец", start=mark)
    assert call.method == "sendMessage" and call.index >= mark
    assert (await sender).message_id == call.result_message["message_id"]

    with pytest.raises(TimeoutError) as caught:
        await emulator.wait_for(lambda c: c.method == "sendInvoice", timeout=0.2)
    assert "sendMessage" in str(caught.value)
    with pytest.raises(TimeoutError, match="no message to chat 42"):
        await emulator.wait_for_message(42, timeout=0.2)


async def test_real_dispatcher_round_trip(emulator: BotApiEmulator) -> None:
    router = Router()

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
        await message.answer("Добро пожаловать", reply_markup=keyboard(("Отчёт", "report")))

    @router.callback_query(F.data == "report")
    async def on_report(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("<b>Отчёт</b> готов", parse_mode="HTML")
        await query.answer("Готово")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(TOKEN, session=session)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=10))
    try:
        emulator.user_message(STRANGER, "/start")
        welcome = await emulator.wait_for_message(STRANGER, contains="Добро пожаловать")
        emulator.press_button(STRANGER, welcome.result_message["message_id"], "report")
        await emulator.wait_for(lambda c: c.method == "answerCallbackQuery" and c.ok)
        history = emulator.chat_history(STRANGER)
        assert [m["text"] for m in history] == ["/start", "Отчёт готов"]
        assert list(emulator.callback_answers.values()) == [{"show_alert": False, "text": "Готово"}]
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=10)


# ------------------------------------------------------------------------------- playground page API


async def test_playground_page_and_chat_api(
    emulator: BotApiEmulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = emulator.base_url
    async with http.get(f"{base}/") as resp:
        page = await resp.text()
    assert resp.status == 200
    for needle in (
        'id="input"',
        'id="send"',
        'id="messages"',
        'id="who"',
        'id="voice-file"',
        "Владелец (демо)",
    ):
        assert needle in page
    async with http.get(f"{base}/pg/static/app.js") as resp:
        assert resp.status == 200

    async with http.post(f"{base}/pg/api/send", json={"user": OWNER, "text": "/start"}) as resp:
        assert resp.status == 200
    assert emulator.pending_updates[-1]["message"]["text"] == "/start"
    assert emulator.pending_updates[-1]["message"]["from"]["first_name"] == "Владелец"

    await bot.send_message(
        OWNER,
        "<b>Итог</b> &lt;script&gt;alert(1)&lt;/script&gt;",
        parse_mode="HTML",
        reply_markup=keyboard(("Подробнее", "more")),
    )
    await bot.send_photo(OWNER, BufferedInputFile(tiny_png(), "chart.png"))
    await bot.send_document(OWNER, BufferedInputFile(b"x;y\n", "итог.csv"))

    async with http.get(f"{base}/pg/api/chat", params={"user": str(OWNER)}) as resp:
        chat = await resp.json()
    user_msg, text_msg, photo_msg, doc_msg = chat["messages"]
    assert user_msg["from"] == "user" and text_msg["from"] == "bot"
    assert text_msg["html"] == "<b>Итог</b> &lt;script&gt;alert(1)&lt;/script&gt;"
    assert text_msg["keyboard"] == [[{"text": "Подробнее", "callback_data": "more"}]]
    async with http.get(base + photo_msg["photo"]["url"]) as resp:
        assert resp.status == 200 and await resp.read() == tiny_png()
    assert doc_msg["document"]["file_name"] == "итог.csv"
    async with http.get(base + doc_msg["document"]["url"]) as resp:
        assert await resp.read() == b"x;y\n"
        assert "attachment" in resp.headers["Content-Disposition"]

    press = {"user": OWNER, "message_id": text_msg["message_id"], "data": "more"}
    async with http.post(f"{base}/pg/api/press", json=press) as resp:
        query_id = (await resp.json())["callback_query_id"]
    assert emulator.pending_updates[-1]["callback_query"]["id"] == query_id
    async with http.post(f"{base}/pg/api/press", json={**press, "data": "nope"}) as resp:
        assert resp.status == 400

    form = aiohttp.FormData()
    form.add_field("user", str(STRANGER))
    form.add_field("duration", "2.6")
    form.add_field("file", b"OggS-voice", filename="note.ogg", content_type="audio/ogg")
    async with http.post(f"{base}/pg/api/voice", data=form) as resp:
        assert resp.status == 200
    voice = emulator.chat_history(STRANGER)[-1]["voice"]
    assert voice["duration"] == 3 and emulator.files[voice["file_id"]].data == b"OggS-voice"

    async with http.get(f"{base}/pg/api/chat", params={"user": "31337"}) as resp:
        assert resp.status == 400


async def test_playground_chat_long_poll_wakes_on_change(
    emulator: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    base = emulator.base_url
    async with http.get(f"{base}/pg/api/chat", params={"user": str(STRANGER)}) as resp:
        version = (await resp.json())["version"]

    async def long_poll() -> dict[str, Any]:
        params = {"user": str(STRANGER), "after": str(version), "wait": "20"}
        async with http.get(f"{base}/pg/api/chat", params=params) as resp:
            result: dict[str, Any] = await resp.json()
            return result

    waiting = asyncio.create_task(long_poll())
    emulator.user_message(STRANGER, "кто здесь?")
    chat = await asyncio.wait_for(waiting, timeout=5)
    assert chat["version"] > version
    assert [m["html"] for m in chat["messages"]] == ["кто здесь?"]


async def test_routes_must_be_attached_before_start(emulator: BotApiEmulator) -> None:
    with pytest.raises(RuntimeError, match=r"before emulator\.start"):
        attach_playground_routes(emulator, owner_id=1, stranger_id=2)


def test_entities_to_html_is_safe_and_handles_utf16_and_overlaps() -> None:
    text = "😀 <b>&"
    assert entities_to_html(text, [{"type": "bold", "offset": 3, "length": 3}]) == "😀 <b>&lt;b&gt;</b>&amp;"
    overlapping = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert entities_to_html("abcdef", overlapping) == "<b>ab<i>cd</i></b><i>ef</i>"
    evil = [{"type": "text_link", "offset": 0, "length": 4, "url": "javascript:alert(1)"}]
    assert entities_to_html("link", evil) == "link"
    quoted = [{"type": "text_link", "offset": 0, "length": 1, "url": 'https://x.y/"><script>'}]
    assert entities_to_html("x", quoted) == (
        '<a href="https://x.y/&quot;&gt;&lt;script&gt;" target="_blank" rel="noopener noreferrer">x</a>'
    )


def test_api_call_summary() -> None:
    call = ApiCall(
        method="sendMessage", params={"chat_id": 1, "text": "x" * 500}, error="Bad", error_code=400, index=3
    )
    summary = call.summary()
    assert summary.startswith("#3 sendMessage {") and summary.endswith("-> 400 Bad")
    assert not call.ok
    with pytest.raises(TypeError):
        call.result_message  # noqa: B018
    assert ApiCall(method="sendMessage", params={}, result={"message_id": 5}).result_message == {
        "message_id": 5
    }


async def test_blocked_users_and_unknown_chats(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.blocked_users.add(STRANGER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(STRANGER, "привет")
    emulator.reject_unknown_chats = True
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "кто ты?")
    emulator.user_message(777, "/start")
    assert (await bot.send_message(777, "теперь знаю")).chat.id == 777
