"""Reports through the real bot and the Bot API emulator: photos with summaries, PDFs as documents, one
render per double tap, and other updates answered while a PDF renders (proved by order, not by sleeps).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.reports.inputs import ExportFormat, ReportArtifact, ReportInputs
from ownerbot.reports.render import render_report
from ownerbot.runtime import Runtime
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot

pytestmark = pytest.mark.e2e

BUSY = "Уже готовлю отчёт"
COOLDOWN = "только что отправлен"


class GatedRender:
    """The real renderer behind a gate the test opens; counts renders."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.renders = 0

    def __call__(self, inputs: ReportInputs, export: ExportFormat) -> ReportArtifact:
        self.renders += 1
        self.started.set()
        if not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        return render_report(inputs, export)

    def install(self, runtime: Runtime) -> None:
        services = runtime.dispatcher["services"]
        assert services.reports is not None
        runtime.dispatcher["services"] = dataclasses.replace(
            services, reports=services.reports.with_renderer(self)
        )


def _to_owner(method: str) -> Callable[[ApiCall], bool]:
    def match(call: ApiCall) -> bool:
        return call.method == method and call.ok and str(call.params.get("chat_id")) == str(OWNER_ID)

    return match


async def _seed(bot: RunningBot) -> None:
    from ownerbot.upstream.demo.generator import seed_demo

    settings = bot.runtime.settings
    await seed_demo(
        bot.runtime.engine,
        orders=300,
        seed=11,
        now=datetime.now(UTC),
        tz=settings.shop_timezone,
        currency=settings.shop_currency,
        history_days=70,
    )


async def test_trend_30_delivers_a_photo_and_a_summary(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await _seed(bot)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/trend 30")
    action = await emulator.wait_for(_to_owner("sendChatAction"), start=mark, timeout=15)
    assert action.params["action"] == "upload_photo"
    photo = await emulator.wait_for(_to_owner("sendPhoto"), start=mark, timeout=30)
    summary = await emulator.wait_for(_to_owner("sendMessage"), start=photo.index + 1, timeout=15)

    sizes = photo.result_message["photo"]
    assert sizes[-1]["width"] == 1080
    caption = photo.params["caption"]
    assert caption.startswith("Выручка за 30 дн.") and len(caption) <= 1024
    text = summary.params["text"]
    assert "📈 Выручка за 30 дн." in text and "Оплачено заказов" in text
    assert action.index < photo.index < summary.index


async def test_weekly_pdf_arrives_as_a_document(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    bot = await start_bot()
    await _seed(bot)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/weekly_pdf", language_code="en")
    action = await emulator.wait_for(_to_owner("sendChatAction"), start=mark, timeout=15)
    assert action.params["action"] == "upload_document"
    sent = await emulator.wait_for(_to_owner("sendDocument"), start=mark, timeout=30)
    document = sent.result_message["document"]
    assert re.fullmatch(r"ownerbot-weekly-\d{4}-W\d{2}\.pdf", document["file_name"])
    assert document["mime_type"] == "application/pdf"
    assert emulator.files[document["file_id"]].data.startswith(b"%PDF-")
    assert sent.params["caption"].startswith("Weekly report")


async def test_double_tap_renders_once(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    render = GatedRender()
    await start_bot(configure=render.install)
    try:
        mark = emulator.mark()
        emulator.user_message(OWNER_ID, "/trend 30")
        emulator.user_message(OWNER_ID, "/trend 30")
        busy = await emulator.wait_for_message(OWNER_ID, contains=BUSY, start=mark, timeout=15)
    finally:
        render.gate.set()
    photo = await emulator.wait_for(_to_owner("sendPhoto"), start=mark, timeout=30)
    await emulator.wait_for(_to_owner("sendMessage"), start=photo.index + 1, timeout=15)
    assert busy.index < photo.index

    # A third tap right after delivery: still one render (busy while releasing, or the cooldown).
    emulator.user_message(OWNER_ID, "/trend 30")
    replied = _to_owner("sendMessage")
    again = await emulator.wait_for(
        lambda c: replied(c) and (BUSY in c.params["text"] or COOLDOWN in c.params["text"]),
        start=photo.index + 1,
        timeout=15,
    )
    assert again.ok
    assert render.renders == 1
    assert len([c for c in emulator.requests[mark:] if c.method == "sendPhoto"]) == 1


async def test_start_is_answered_while_a_pdf_renders(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    render = GatedRender()
    await start_bot(configure=render.install)
    try:
        mark = emulator.mark()
        emulator.user_message(OWNER_ID, "/weekly_pdf")
        # The render has started in its worker thread and is held there.
        assert await asyncio.to_thread(render.started.wait, 15)
        emulator.user_message(OWNER_ID, "/start")
        status = await emulator.wait_for_message(OWNER_ID, contains="OwnerBot", start=mark, timeout=15)
        assert not [c for c in emulator.requests[mark:] if c.method == "sendDocument"]
    finally:
        render.gate.set()
    document = await emulator.wait_for(_to_owner("sendDocument"), start=mark, timeout=30)
    assert status.index < document.index
    assert render.renders == 1
