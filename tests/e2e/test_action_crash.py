"""Crash between claim and commit: SIGKILL a confirming process, restart the bot → `unknown`, told once."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.storage.engine import create_session_factory
from tests.e2e.conftest import OWNER_ID, StartBot
from tests.integration.actions.support import execution_statuses, note_count, seed_orders, token_row

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SEC = 60.0


def _is_unknown_notice(call: Any) -> bool:
    return (
        call.method == "sendMessage" and call.ok and "Не знаю, чем закончилось" in call.params.get("text", "")
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the bot's embedded SQLite file; otherwise a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


async def _claim_then_die(args: dict[str, Any], claimed: Path) -> None:
    """Run the worker until it has claimed (its hook wrote `claimed`), then SIGKILL it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.actions.worker",
        "claim_and_hang",
        json.dumps(args),
        cwd=REPO_ROOT,
    )
    try:
        deadline = time.monotonic() + DEADLINE_SEC
        while not await asyncio.to_thread(claimed.exists):
            assert proc.returncode is None, "the worker exited before claiming"
            assert time.monotonic() < deadline, "the worker did not claim in time"
            await asyncio.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no finally blocks, no finalize, exactly like a crash
        await proc.wait()
    assert proc.returncode == -9


async def test_killed_between_claim_and_commit_is_unknown_and_told_once(
    emulator: BotApiEmulator, start_bot: StartBot, tmp_path: Path, database_url: str | None
) -> None:
    first = await start_bot(database_url=database_url)
    db_url = first.runtime.settings.resolved_database_url
    session_factory = create_session_factory(first.runtime.engine)
    [order] = await seed_orders(session_factory, 1)
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, f"/note {order} важная заметка")
    preview = await emulator.wait_for_message(OWNER_ID, contains="Заметка к заказу", start=mark, timeout=10)
    assert isinstance(preview.result, dict)
    message_id = preview.result["message_id"]
    token = preview.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":", 1)[1]
    await first.stop()

    claimed = tmp_path / "claimed"
    args = {
        "db_url": db_url,
        "data_dir": str(tmp_path),
        "token": token,
        "actor": OWNER_ID,
        "chat": OWNER_ID,
        "message_id": message_id,
        "claimed_file": str(claimed),
    }
    await _claim_then_die(args, claimed)
    correlation_id = claimed.read_text()
    assert await execution_statuses(session_factory) == ["in_progress"]
    assert await note_count(session_factory) == 0

    mark = emulator.mark()
    second = await start_bot(database_url=database_url)
    notice = await emulator.wait_for(_is_unknown_notice, start=mark, timeout=10)
    assert notice.params["chat_id"] in (OWNER_ID, str(OWNER_ID))
    assert "order_note" in notice.params["text"] and correlation_id in notice.params["text"]
    factory = create_session_factory(second.runtime.engine)
    assert await execution_statuses(factory) == ["unknown"]
    assert (await token_row(factory, token)).status == "unknown"

    # Pressing the old button does not re-run it; it says the outcome is unknown.
    press_mark = emulator.mark()
    query_id = emulator.press_button(OWNER_ID, message_id, f"ok:{token}")
    await emulator.wait_for(
        lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id,
        start=press_mark,
        timeout=10,
    )
    assert "неизвестен" in emulator.callback_answers[query_id]["text"]
    await second.stop()

    # A further restart tells nobody again; nothing was committed at any point.
    mark = emulator.mark()
    third = await start_bot(database_url=database_url)
    emulator.user_message(OWNER_ID, "/help")
    await emulator.wait_for_message(OWNER_ID, contains="/audit", start=mark, timeout=10)
    assert not [c for c in emulator.requests[mark:] if _is_unknown_notice(c)]
    assert [c for c in emulator.requests if _is_unknown_notice(c)] == [notice]
    third_factory = create_session_factory(third.runtime.engine)
    assert await note_count(third_factory) == 0
    assert await execution_statuses(third_factory) == ["unknown"]
