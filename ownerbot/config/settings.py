"""Every environment variable of `ENV.md`, with its default, parsed and validated once at start-up."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_DEFAULT_API_URL = "https://api.telegram.org"


class UpstreamMode(StrEnum):
    DEMO = "DEMO"
    SIS_HTTP = "SIS_HTTP"
    AUTO = "AUTO"


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class AsrProvider(StrEnum):
    MOCK = "mock"
    OPENAI = "openai"


class LlmProvider(StrEnum):
    OFF = "OFF"
    MOCK = "MOCK"
    OPENAI = "OPENAI"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SettingsError(Exception):
    """Start-up configuration is invalid; the message names each bad variable and what it allows."""


def _parse_list(value: Any) -> Any:
    """Accept CSV (`1,2,3`) or a JSON array (`[1,2,3]`) for list variables."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a valid JSON array ({exc.msg})") from exc
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


IntList = Annotated[list[int], NoDecode]
StrList = Annotated[list[str], NoDecode]

# Field name -> what a valid value looks like; used to make error messages say what is allowed.
_ALLOWED: dict[str, str] = {
    "owner_ids": "Telegram user ids as CSV (1,2) or a JSON array ([1,2])",
    "manager_chat_ids": "Telegram chat ids as CSV (-100123,456) or a JSON array",
    "llm_allowed_action_tools": "tool names as CSV or a JSON array",
    "upstream_mode": "one of DEMO, SIS_HTTP, AUTO",
    "bot_mode": "one of polling, webhook",
    "asr_provider": "one of mock, openai",
    "llm_provider": "one of OFF, MOCK, OPENAI",
    "log_format": "one of text, json",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "shop_timezone": "an IANA time zone such as Europe/Berlin",
    "shop_currency": "a three-letter ISO 4217 code such as EUR",
    "database_url": "a SQLAlchemy async URL: postgresql+asyncpg://… or sqlite+aiosqlite:///…",
    "redis_url": "redis://host:port/db or rediss://…",
}


class Settings(BaseSettings):
    """OwnerBot configuration. Field names map to the upper-case variables of `ENV.md`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
        validate_default=True,
    )

    # Telegram
    bot_token: SecretStr | None = None
    owner_ids: IntList = Field(default_factory=list)
    manager_chat_ids: IntList = Field(default_factory=list)
    telegram_api_url: str = TELEGRAM_DEFAULT_API_URL
    bot_mode: BotMode = BotMode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str | None = None

    # Storage and state
    database_url: SecretStr | None = None
    redis_url: SecretStr | None = None
    ownerbot_data_dir: Path = Path("./data")

    # Tenant
    shop_id: str = "1"
    shop_currency: str = "EUR"
    shop_timezone: str = "Europe/Berlin"
    shop_locale: str = "ru-RU"

    # Upstream
    upstream_mode: UpstreamMode = UpstreamMode.DEMO
    sis_base_url: str | None = None
    sis_ownerbot_api_key: SecretStr | None = None
    sis_timeout_sec: float = Field(15.0, gt=0, le=300)
    sis_max_retries: int = Field(2, ge=0, le=10)
    sis_retry_backoff_base_sec: float = Field(0.7, ge=0, le=60)
    sis_breaker_failures: int = Field(3, ge=1, le=100)
    sis_breaker_cooldown_sec: float = Field(30.0, gt=0, le=3600)
    sis_events_push_secret: SecretStr | None = None  # HMAC key of pushed events (docs/sis-events.md)
    sis_events_push_listen: str | None = None  # host:port of the push endpoint; unset: no endpoint
    upstream_runtime_toggle_enabled: bool = True
    upstream_redis_key: str = "ownerbot:upstream_mode"

    # Diagnostics
    diagnostics_enabled: bool = True
    shadow_check_enabled: bool = True
    sis_contract_check_enabled: bool = True
    preflight_fail_fast: bool = True

    # Actions and access
    action_confirm_ttl_sec: int = Field(600, ge=30, le=86400)
    access_deny_audit_enabled: bool = True
    access_deny_audit_ttl_sec: int = Field(60, ge=1, le=86400)
    access_deny_notify_once: bool = False

    # Notifications
    notify_worker_enabled: bool = True

    # Voice (ASR)
    asr_provider: AsrProvider = AsrProvider.MOCK
    openai_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    openai_asr_model: str = "gpt-4o-mini-transcribe"
    asr_timeout_sec: float = Field(20.0, gt=0, le=300)
    asr_max_retries: int = Field(2, ge=0, le=10)
    asr_retry_backoff_base_sec: float = Field(0.7, ge=0, le=60)
    asr_convert_voice_ogg_to_wav: bool = True
    asr_convert_format: str = "wav"
    asr_max_bytes: int = Field(20_000_000, ge=1, le=50_000_000)
    asr_max_seconds: int = Field(180, ge=1, le=3600)
    asr_confidence_threshold: float = Field(0.75, ge=0, le=1)
    asr_prompt: str = "KPI, выручка, заказ, скидка, луки, предзаказ, депозит, FX, переоценка"
    mock_asr_text: str = "дай KPI за вчера"
    mock_asr_confidence: float = Field(0.93, ge=0, le=1)

    # LLM planner
    llm_provider: LlmProvider = LlmProvider.OFF
    openai_llm_model: str = "gpt-4.1-mini"
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300)
    llm_max_input_chars: int = Field(2000, ge=100, le=20000)
    llm_allowed_action_tools: StrList = Field(default_factory=lambda: ["notify_team", "flag_order"])

    # Logs and metrics
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    metrics_listen: str | None = None

    @field_validator("owner_ids", "manager_chat_ids", "llm_allowed_action_tools", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _parse_list(value)

    @field_validator("upstream_mode", "llm_provider", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("bot_mode", "asr_provider", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        level = str(value).strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("unknown level")
        return level

    @field_validator("shop_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("shop_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError("not a currency code")
        return code

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        if not url.startswith(
            ("postgresql+asyncpg://", "sqlite+aiosqlite://", "postgresql://", "postgres://")
        ):
            raise ValueError("unsupported scheme")
        return SecretStr(url)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("unsupported scheme")
        return value

    @field_validator("sis_events_push_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        _host, sep, port = value.strip().rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("expected host:port")
        return value.strip()

    @field_validator(
        "bot_token", "sis_ownerbot_api_key", "openai_api_key", "webhook_secret", "sis_events_push_secret"
    )
    @classmethod
    def _blank_secret_is_absent(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    # Derived values -------------------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: `DATABASE_URL`, or an SQLite file in the data directory."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{(self.ownerbot_data_dir / 'ownerbot.sqlite3').resolve()}"
        url = self.database_url.get_secret_value()
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @property
    def storage_backend(self) -> str:
        return "postgresql" if self.resolved_database_url.startswith("postgresql") else "sqlite"

    @property
    def state_backend(self) -> str:
        return "redis" if self.redis_url is not None else "memory"

    def secret_values(self) -> list[str]:
        """Every configured secret value (and secret-bearing URL), for log redaction and leak tests."""
        values: list[str] = []
        for name in (
            "bot_token",
            "sis_ownerbot_api_key",
            "openai_api_key",
            "webhook_secret",
            "sis_events_push_secret",
        ):
            secret = getattr(self, name)
            if secret is not None:
                values.append(secret.get_secret_value())
        for url in (self.database_url, self.redis_url):
            password = _url_password(url.get_secret_value()) if url is not None else None
            if password:
                values.append(password)
        return [v for v in values if len(v) >= 4]


def _url_password(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _bounds(field: str) -> str | None:
    """Render a numeric field's declared range, e.g. `> 0 and <= 300`."""
    info = Settings.model_fields.get(field)
    if info is None:
        return None
    parts: list[str] = []
    for item in info.metadata:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            bound = getattr(item, attr, None)
            if bound is not None:
                parts.append(f"{sign} {bound:g}")
    kind = "a number" if info.annotation is float else "an integer"
    return f"{kind} {' and '.join(parts)}" if parts else None


def _describe(error: dict[str, Any]) -> str:
    field = str(error["loc"][0]) if error.get("loc") else "?"
    allowed = _ALLOWED.get(field)
    if allowed is None:
        bounds = _bounds(field)
        kind = error.get("type", "")
        if bounds:
            allowed = bounds
        elif kind.startswith("bool"):
            allowed = "a boolean: 1/0, true/false, yes/no"
        elif kind.startswith("int"):
            allowed = "an integer"
        elif kind.startswith("float"):
            allowed = "a number"
        else:
            allowed = error.get("msg", "a valid value")
    return f"{field.upper()}: invalid value ({error.get('msg', 'invalid')}); allowed: {allowed}"


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and `.env`); raise `SettingsError` naming every bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(dict(err)) for err in exc.errors(include_input=False)]
        raise SettingsError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
