"""Send-now through the real bot and the Bot API emulator: the owner receives the digest (text, PNG) and
the weekly PDF. The bot has no menu entry for these yet (templates add buttons later), so the test drives
the bot's own ACTION pipeline — preview, ✅ press, execute — exactly as its confirm handler does."""

from __future__ import annotations

from typing import Any

import pytest

from ownerbot.actions.outcomes import (
    ActionRequest,
    CommitOutcome,
    CommitStatus,
    ConfirmPress,
    ConfirmStatus,
    PreviewStatus,
)
from ownerbot.playground.emulator import BotApiEmulator
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgresql"])
def start_bot(request: pytest.FixtureRequest, start_bot: StartBot) -> StartBot:
    """The flow runs on the embedded SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        return start_bot
    url: str = request.getfixturevalue("pg_url")

    async def start_on_postgres(**overrides: Any) -> RunningBot:
        return await start_bot(database_url=url, **overrides)

    return start_on_postgres


async def _run(bot: RunningBot, action: str, payload: dict[str, Any]) -> CommitOutcome:
    actions = bot.runtime.services.actions
    assert actions is not None
    pipeline = actions.pipeline
    outcome = await pipeline.preview(
        ActionRequest(action=action, payload=payload, actor_id=OWNER_ID, chat_id=OWNER_ID, locale="ru")
    )
    assert outcome.status is PreviewStatus.READY and outcome.token_id is not None, outcome
    await pipeline.attach_message(outcome.token_id, 1)
    decision = await pipeline.confirm(
        ConfirmPress(token_id=outcome.token_id, actor_id=OWNER_ID, chat_id=OWNER_ID, message_id=1)
    )
    assert decision.status is ConfirmStatus.CLAIMED and decision.claim is not None
    return await pipeline.execute(decision.claim)


async def test_owner_receives_digest_text_png_and_weekly_pdf(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, "/help")  # the owner's chat exists, as after any first contact
    await emulator.wait_for_message(OWNER_ID, start=mark, timeout=10)

    mark = emulator.mark()
    commit = await _run(bot, "ntf_send_digest_now", {"format": "text"})
    assert commit.status is CommitStatus.COMMITTED and commit.result is not None, commit.error
    assert commit.result.details["delivery"] == "sent"
    message = await emulator.wait_for_message(OWNER_ID, contains="Дайджест за", start=mark, timeout=10)
    text = message.params["text"]
    assert "Выручка:" in text and "Проблемные заказы" in text
    assert commit.token.correlation_id in text  # the provenance footer names this request

    # The format set through its own tool is what "send now" uses when none is given.
    commit = await _run(bot, "ntf_digest_format_set", {"format": "png"})
    assert commit.status is CommitStatus.COMMITTED
    mark = emulator.mark()
    commit = await _run(bot, "ntf_send_digest_now", {})
    assert commit.status is CommitStatus.COMMITTED and commit.result is not None
    assert commit.result.details["format"] == "png"
    photo = await emulator.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and str(c.params.get("chat_id")) == str(OWNER_ID),
        start=mark,
        timeout=20,
    )
    assert photo.params.get("caption")

    mark = emulator.mark()
    commit = await _run(bot, "ntf_send_weekly_now", {})
    assert commit.status is CommitStatus.COMMITTED
    await emulator.wait_for(
        lambda c: c.method == "sendDocument" and c.ok and str(c.params.get("chat_id")) == str(OWNER_ID),
        start=mark,
        timeout=20,
    )
