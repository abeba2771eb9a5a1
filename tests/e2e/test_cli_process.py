"""The `ownerbot` process: preflight fail-fast, bad settings, health, db commands — as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SECRET_TOKEN = "123456789:AAH-very-secret-token-value-00000000"
SIS_KEY = "sis-key-super-secret-0123456789"


def ownerbot(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OWNER", "BOT_", "SIS_", "DATABASE", "REDIS"))
    }
    base.update({"OWNERBOT_DATA_DIR": str(tmp_path / "data"), "LOG_FORMAT": "json", **env})
    return subprocess.run(
        [sys.executable, "-m", "ownerbot", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_fails_fast_with_codes_and_no_secret(tmp_path: Path) -> None:
    result = ownerbot(
        ["run"],
        tmp_path,
        BOT_TOKEN=SECRET_TOKEN,
        OWNER_IDS="",
        UPSTREAM_MODE="SIS_HTTP",
        SIS_OWNERBOT_API_KEY=SIS_KEY,
    )
    assert result.returncode == 2, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    failed = [line for line in lines if line["msg"].startswith("preflight_failed")]
    assert failed, result.stderr
    codes = failed[0]["codes"].split(",")
    assert set(codes) == {"OWNER_IDS_EMPTY", "SIS_URL_MISSING"}
    for secret in (SECRET_TOKEN, SIS_KEY):
        assert secret not in result.stderr and secret not in result.stdout


def test_bad_setting_names_variable(tmp_path: Path) -> None:
    result = ownerbot(["preflight"], tmp_path, SIS_TIMEOUT_SEC="fast", OWNER_IDS="1")
    assert result.returncode == 2
    assert "SIS_TIMEOUT_SEC: " in result.stderr and "> 0 and <= 300" in result.stderr


def test_preflight_prints_findings(tmp_path: Path) -> None:
    result = ownerbot(["preflight"], tmp_path, BOT_TOKEN=SECRET_TOKEN, OWNER_IDS="1")
    # A fresh data directory has no schema yet: that is a FAIL with the command to fix it.
    assert result.returncode == 2
    assert "DB_NOT_MIGRATED" in result.stdout and "ownerbot db upgrade" in result.stdout
    upgraded = ownerbot(["db", "upgrade"], tmp_path, OWNER_IDS="1")
    assert upgraded.returncode == 0, upgraded.stderr
    result = ownerbot(["preflight"], tmp_path, BOT_TOKEN=SECRET_TOKEN, OWNER_IDS="1")
    assert result.returncode == 0, result.stdout
    assert "DB_MIGRATED" in result.stdout and "BOT_TOKEN_OK" in result.stdout
    assert SECRET_TOKEN not in result.stdout + result.stderr
    current = ownerbot(["db", "current"], tmp_path, OWNER_IDS="1")
    head = current.stdout.split("head:")[1].strip()
    assert current.stdout.startswith(f"current: {head}")


def test_health(tmp_path: Path) -> None:
    assert ownerbot(["health"], tmp_path).returncode == 0
    broken = ownerbot(["health"], tmp_path, DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert broken.returncode == 1 and "unhealthy" in broken.stdout
