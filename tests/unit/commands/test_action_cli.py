"""`ownerbot action preview|confirm` through typer's CliRunner, on an SQLite file with demo orders."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ownerbot.commands.action_cli import action_app
from ownerbot.observability.logging import reset_logging
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from tests.integration.actions.support import execution_statuses, flag_rows, seed_orders

OWNER = 4242


@pytest.fixture(autouse=True)
def _detach_log_handler() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> str:
    """No `.env`, no BOT_TOKEN, an SQLite file with 60 demo orders, one owner."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OWNERBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OWNER_IDS", str(OWNER))
    monkeypatch.setenv("UPSTREAM_MODE", "DEMO")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.delenv("BOT_TOKEN", raising=False)

    async def prepare() -> None:
        await upgrade(sqlite_url)
        engine = create_engine_for_url(sqlite_url)
        try:
            await seed_orders(create_session_factory(engine), 60)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return sqlite_url


def _read(url: str, reader: Any) -> Any:
    async def read() -> Any:
        engine = create_engine_for_url(url)
        try:
            return await reader(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def invoke(*args: str) -> Any:
    return CliRunner().invoke(action_app, list(args))


def test_preview_then_confirm_commits_once(env: str) -> None:
    payload = json.dumps({"order_id": "1001", "reason": "cli"})
    preview = invoke("preview", "flag_order", "--payload", payload, "--json")
    assert preview.exit_code == 0, preview.output
    outcome = json.loads(preview.stdout)
    assert outcome["status"] == "ready" and outcome["risk"] == "LOW"
    token = outcome["token_id"]
    assert _read(env, flag_rows)["1001"] == (False, None)

    text = invoke("preview", "flag_order", "--payload", payload)
    assert text.exit_code == 0 and "token:" in text.stdout and "affected: 1" in text.stdout

    confirmed = invoke("confirm", token, "--actor", str(OWNER))
    assert confirmed.exit_code == 0, confirmed.output
    assert "decision: claimed" in confirmed.stdout and "status:   committed" in confirmed.stdout
    assert _read(env, flag_rows)["1001"] == (True, "cli")

    again = invoke("confirm", token, "--actor", str(OWNER), "--json")
    assert again.exit_code == 1 and json.loads(again.stdout) == {"decision": "already_done", "outcome": None}
    other = invoke("confirm", token, "--actor", "7")
    assert other.exit_code == 1 and "decision: tampered" in other.stdout
    assert _read(env, execution_statuses) == ["committed"]


def test_anomaly_needs_force_flag(env: str) -> None:
    preview = invoke("preview", "bulk_flag_order", "--payload", '{"status": "awaiting_payment"}', "--json")
    outcome = json.loads(preview.stdout)
    assert outcome["force_required"] is True
    first = invoke("confirm", outcome["token_id"], "--actor", str(OWNER))
    assert first.exit_code == 1 and "force_required" in first.stdout and "--force" in first.stdout
    assert not any(flagged for flagged, _ in _read(env, flag_rows).values())
    forced = invoke("confirm", outcome["token_id"], "--actor", str(OWNER), "--force")
    assert forced.exit_code == 0, forced.output
    assert sum(flagged for flagged, _ in _read(env, flag_rows).values()) == 60


def test_noop_rejected_and_bad_input(env: str) -> None:
    noop = invoke("preview", "unflag_order", "--payload", '{"order_id": "1001"}')
    assert noop.exit_code == 0 and "status:   noop" in noop.stdout and "token:" not in noop.stdout
    read_tool = invoke("preview", "orders_search", "--payload", "{}")
    assert read_tool.exit_code == 1 and "PERMISSION_DENIED" in read_tool.stdout
    bad = invoke("preview", "flag_order", "--payload", "{not json")
    assert bad.exit_code == 2 and "not valid JSON" in bad.output
    unknown = invoke("confirm", "x" * 32, "--actor", str(OWNER))
    assert unknown.exit_code == 1 and "decision: tampered" in unknown.stdout
