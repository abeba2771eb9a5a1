"""`ownerbot report …` through typer's CliRunner on an SQLite demo shop seeded for today."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from ownerbot.commands.report_cli import report_app
from ownerbot.observability.logging import reset_logging
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.runner import EVENT_FINISHED
from ownerbot.upstream.demo.generator import seed_demo


@pytest.fixture(autouse=True)
def _detach_log_handler() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OWNERBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OWNER_IDS", "1")
    monkeypatch.setenv("UPSTREAM_MODE", "DEMO")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    async def prepare() -> None:
        await upgrade(sqlite_url)
        engine = create_engine_for_url(sqlite_url)
        try:
            await seed_demo(engine, orders=400, seed=5, now=datetime.now(UTC), history_days=30)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return sqlite_url


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(report_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_weekly_pdf_to_a_file(env: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "weekly.pdf"
    code, stdout, _ = invoke("weekly", "--out", str(out))
    assert code == 0, stdout
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Еженедельный отчёт" in text
    assert str(out) in stdout

    async def finished() -> int:
        engine = create_engine_for_url(env)
        try:
            return await AuditRepository(create_session_factory(engine)).count(event_type=EVENT_FINISHED)
        finally:
            await engine.dispose()

    assert asyncio.run(finished()) >= 10  # every tool call is audited, like `ownerbot tool`


def test_trend_png_default_name_and_english(env: str, tmp_path: Path) -> None:
    code, stdout, _ = invoke("trend", "--days", "7", "--locale", "en")
    assert code == 0, stdout
    files = list(tmp_path.glob("ownerbot-trend-7d-*.png"))
    assert len(files) == 1 and "Revenue, 7 days" in stdout
    assert Image.open(files[0]).width == 1080


def test_dashboard_and_ops(env: str, tmp_path: Path) -> None:
    assert invoke("dashboard", "--out", str(tmp_path / "d.png"))[0] == 0
    assert Image.open(tmp_path / "d.png").width == 1080
    assert invoke("ops", "--out", str(tmp_path / "o.pdf"))[0] == 0
    assert (tmp_path / "o.pdf").read_bytes().startswith(b"%PDF-")


def test_data_exports(env: str, tmp_path: Path) -> None:
    assert invoke("weekly", "--format", "json", "--out", str(tmp_path / "w.json"))[0] == 0
    document = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert document["report"] == "weekly" and "compare" in document["sections"]
    assert invoke("funnel", "--format", "csv", "--out", str(tmp_path / "f.csv"))[0] == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text(encoding="utf-8-sig"))))
    assert {row["table"] for row in rows} >= {"summary", "stages", "due_now_buckets"}


def test_bad_input_exits_2(env: str) -> None:
    code, _, stderr = invoke("trend", "--days", "14")
    assert code == 2 and "--days" in stderr
    code, _, stderr = invoke("ops", "--format", "png")
    assert code == 2 and "pdf" in stderr
