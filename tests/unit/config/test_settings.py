"""Settings parsing: defaults, list formats, and bad values that name their variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ownerbot.config.settings import Settings, SettingsError, UpstreamMode, load_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the variables they set: no `.env` from the checkout, no inherited config."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_match_env_md() -> None:
    s = load_settings()
    assert s.owner_ids == []
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.upstream_mode is UpstreamMode.DEMO
    assert s.sis_timeout_sec == 15 and s.sis_max_retries == 2 and s.sis_retry_backoff_base_sec == 0.7
    assert (s.sis_breaker_failures, s.sis_breaker_cooldown_sec) == (3, 30)
    assert s.action_confirm_ttl_sec == 600
    assert s.access_deny_audit_ttl_sec == 60 and s.access_deny_notify_once is False
    assert (s.shop_id, s.shop_currency, s.shop_timezone, s.shop_locale) == (
        "1",
        "EUR",
        "Europe/Berlin",
        "ru-RU",
    )
    assert s.llm_allowed_action_tools == ["notify_team", "flag_order"]
    assert s.mock_asr_text == "дай KPI за вчера" and s.mock_asr_confidence == 0.93
    assert s.storage_backend == "sqlite" and s.state_backend == "memory"
    assert s.resolved_database_url.endswith("/data/ownerbot.sqlite3")


@pytest.mark.parametrize("raw", ["1,2, 3", "[1, 2, 3]", " 1 ,2,3 "])
def test_owner_ids_accept_csv_and_json(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("OWNER_IDS", raw)
    monkeypatch.setenv("MANAGER_CHAT_IDS", "[-1001, 42]")
    s = load_settings()
    assert s.owner_ids == [1, 2, 3]
    assert s.manager_chat_ids == [-1001, 42]


@pytest.mark.parametrize(
    "raw,expected", [("1", True), ("yes", True), ("true", True), ("0", False), ("no", False)]
)
def test_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("ACCESS_DENY_NOTIFY_ONCE", raw)
    assert load_settings().access_deny_notify_once is expected


@pytest.mark.parametrize(
    "name,value,allowed",
    [
        ("OWNER_IDS", "1,abc", "CSV"),
        ("OWNER_IDS", "[1, ", "JSON array"),
        ("MANAGER_CHAT_IDS", "x", "CSV"),
        ("UPSTREAM_MODE", "LIVE", "DEMO, SIS_HTTP, AUTO"),
        ("BOT_MODE", "push", "polling, webhook"),
        ("SIS_TIMEOUT_SEC", "0", "> 0 and <= 300"),
        ("SIS_TIMEOUT_SEC", "abc", "> 0 and <= 300"),
        ("SIS_MAX_RETRIES", "11", ">= 0 and <= 10"),
        ("ACTION_CONFIRM_TTL_SEC", "5", ">= 30 and <= 86400"),
        ("ACCESS_DENY_NOTIFY_ONCE", "maybe", "1/0, true/false, yes/no"),
        ("ASR_PROVIDER", "whisper", "mock, openai"),
        ("LLM_PROVIDER", "gpt", "OFF, MOCK, OPENAI"),
        ("ASR_CONFIDENCE_THRESHOLD", "1.5", ">= 0 and <= 1"),
        ("SHOP_TIMEZONE", "Mars/Olympus", "IANA"),
        ("SHOP_CURRENCY", "EURO", "ISO 4217"),
        ("LOG_LEVEL", "LOUD", "DEBUG, INFO"),
        ("LOG_FORMAT", "xml", "text, json"),
        ("DATABASE_URL", "mysql://x", "postgresql+asyncpg"),
        ("REDIS_URL", "memcached://x", "redis://"),
    ],
)
def test_bad_value_names_variable_and_allowed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, allowed: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert re.search(rf"^\s*{name}: ", message, re.MULTILINE), message
    assert allowed in message


def test_several_bad_values_are_all_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTREAM_MODE", "x")
    monkeypatch.setenv("SIS_MAX_RETRIES", "-1")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "UPSTREAM_MODE:" in str(info.value) and "SIS_MAX_RETRIES:" in str(info.value)


def test_secret_values_never_appear_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIS_OWNERBOT_API_KEY", "sis-key-super-secret")
    monkeypatch.setenv("DATABASE_URL", "mysql://user:db-password-secret@host/db")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "db-password-secret" not in str(info.value)
    assert "sis-key-super-secret" not in str(info.value)


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OWNER_IDS=[7,8]\nUPSTREAM_MODE=auto\n", encoding="utf-8")
    s = load_settings()
    assert s.owner_ids == [7, 8]
    assert s.upstream_mode is UpstreamMode.AUTO


def test_postgres_url_gets_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/ownerbot")
    s = load_settings()
    assert s.resolved_database_url == "postgresql+asyncpg://u:p@db:5432/ownerbot"
    assert s.storage_backend == "postgresql"
    assert "p" not in s.secret_values()  # too short to redact safely, and never needed


def test_env_example_lists_every_variable() -> None:
    text = (ROOT / "ENV.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields == listed
    # Each variable has a one-line comment right above it.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+=", line):
            assert lines[i - 1].startswith("#"), f"{line} has no comment"
