"""`ownerbot sis-sim`: flags become the simulator's config and fault set (the server itself is stubbed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ownerbot.commands import sis_sim_cli
from ownerbot.commands.sis_sim_cli import sis_sim_app
from ownerbot.observability.logging import reset_logging
from ownerbot.sis_sim.state import SimConfig


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {}

    async def fake_serve(config: SimConfig, url: str, *, host: str, port: int, orders: int) -> None:
        seen.update(config=config, url=url, host=host, port=port, orders=orders)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OWNERBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OWNER_IDS", "11,12")
    monkeypatch.delenv("SIS_OWNERBOT_API_KEY", raising=False)
    monkeypatch.setattr(sis_sim_cli, "serve_forever", fake_serve)
    yield seen
    reset_logging()


def test_flags_become_config_and_faults(captured: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        sis_sim_app,
        [
            "--port",
            "8701",
            "--api-key",
            "the-key-123",
            "--body-style",
            "legacy",
            "--hang",
            "--error-rate",
            "0.5",
            "--not-found",
            "discounts",
            "--actor",
            "7",
            "--orders",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    config: SimConfig = captured["config"]
    assert captured["port"] == 8701 and captured["orders"] == 50
    assert captured["url"].endswith(str(tmp_path / "data" / "sis_sim.sqlite3"))
    assert config.body_style == "legacy" and config.api_key == "the-key-123"
    assert config.allowed_actors == frozenset({7})
    assert config.faults.hang and config.faults.error_rate == 0.5
    assert config.faults.not_found_families == ["discounts"]


def test_owner_ids_are_the_default_actors(captured: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIS_OWNERBOT_API_KEY", "env-key-123")
    result = CliRunner().invoke(sis_sim_app, ["--database-url", "sqlite+aiosqlite:///x.db"])
    assert result.exit_code == 0, result.output
    assert captured["config"].allowed_actors == frozenset({11, 12})
    assert captured["config"].api_key == "env-key-123"
    assert captured["url"] == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    "args",
    [[], ["--api-key", "k", "--body-style", "xml"], ["--api-key", "k", "--not-found", "nope"]],
)
def test_bad_input_exits_2(captured: dict[str, Any], args: list[str]) -> None:
    result = CliRunner().invoke(sis_sim_app, args)
    assert result.exit_code == 2
    assert not captured
