"""`ownerbot demo seed|reset` against an SQLite file, configured through the environment."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownerbot.commands.demo_cli import demo_app


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings come from the environment only: no `.env` in the working directory."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "demo.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("SHOP_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("SHOP_CURRENCY", "RUB")
    return path


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608
    return int(count)


def test_seed_then_reset(database: Path) -> None:
    runner = CliRunner()
    seeded = runner.invoke(demo_app, ["seed", "--orders", "120", "--days", "5", "--seed", "3"])
    assert seeded.exit_code == 0, seeded.output
    assert "demo_orders" in seeded.output
    assert "seeded the demo shop in" in seeded.output
    assert _count(database, "demo_orders") == 120
    with sqlite3.connect(database) as connection:
        (currency,) = connection.execute("SELECT DISTINCT currency FROM demo_orders").fetchone()
    assert currency == "RUB"

    reset = runner.invoke(demo_app, ["reset"])
    assert reset.exit_code == 0, reset.output
    assert _count(database, "demo_orders") == 0
    assert _count(database, "demo_meta") == 0


def test_bad_settings_exit_2(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_TIMEZONE", "Nowhere/Atlantis")
    result = CliRunner().invoke(demo_app, ["seed", "--orders", "10"])
    assert result.exit_code == 2
    assert "SHOP_TIMEZONE" in result.output
    assert not database.exists()


@pytest.mark.parametrize("orders", ["0", "5000001"])
def test_order_count_is_bounded(database: Path, orders: str) -> None:
    result = CliRunner().invoke(demo_app, ["seed", "--orders", orders])
    assert result.exit_code == 2
    assert not database.exists()
