"""The playground page in headless Chromium: load, send /start, see the answer, press a button."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ownerbot.config.settings import Settings
from ownerbot.playground.runner import Playground, playground_settings, start_playground

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    message = "Chromium is not installed (make services installs Debian's chromium)"
    if os.environ.get("CI", "").lower() in {"1", "true"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    values = playground_settings() | {"ownerbot_data_dir": tmp_path}
    running = await start_playground(Settings(_env_file=None, **values), port=0)
    yield running
    await running.stop()


async def test_page_start_and_button(playground: Playground) -> None:
    from playwright.async_api import async_playwright, expect

    executable = _chromium()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 420, "height": 860})
            await page.goto(playground.url)
            await expect(page.locator("#who")).to_have_value("100001")
            await page.fill("#input", "/start")
            await page.click("#send")

            answer = page.locator(".msg.bot").filter(has_text="OwnerBot")
            await expect(answer).to_have_count(1, timeout=10_000)
            await expect(answer).to_contain_text("sqlite")
            buttons = answer.locator(".kb button")
            await expect(buttons).to_have_count(11)

            message_id = await answer.get_attribute("data-message-id")
            await buttons.first.click()
            # The panel is edited in place: the same bubble now shows the section's templates.
            panel = page.locator(f'.msg.bot[data-message-id="{message_id}"]')
            section = panel.locator(".kb button")
            await expect(section.filter(has_text="KPI сегодня")).to_have_count(1, timeout=10_000)
            await expect(section.filter(has_text="Назад")).to_have_count(1)
            await expect(section.filter(has_text="Ещё")).to_have_count(1)
            await expect(page.locator(".msg.bot")).to_have_count(1)

            # A stranger's message gets no answer: switch user, write, come back to a quiet chat.
            await page.select_option("#who", "200002")
            await page.fill("#input", "/start")
            await page.click("#send")
            await expect(page.locator(".msg.user")).to_have_count(1)
        finally:
            await browser.close()
    calls = [c for c in playground.emulator.requests if str(c.params.get("chat_id")) == "200002"]
    assert calls == []
