"""Preflight: checks the environment before polling starts; every finding has a stable code and a level."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.config.settings import AsrProvider, BotMode, LlmProvider, Settings, UpstreamMode
from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.storage.engine import ping_database
from ownerbot.storage.migrate import current_revision, head_revision

BOT_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class Level(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


class Finding(BaseModel):
    """One preflight check result. `code` is stable and documented; `message` says what to do."""

    code: str
    level: Level
    message: str


class PreflightReport(BaseModel):
    findings: list[Finding]

    @property
    def failed(self) -> bool:
        return any(f.level is Level.FAIL for f in self.findings)

    def codes(self, level: Level) -> list[str]:
        return [f.code for f in self.findings if f.level is level]

    def summary(self) -> str:
        counts = {lvl: len(self.codes(lvl)) for lvl in Level}
        return f"OK {counts[Level.OK]} · WARN {counts[Level.WARN]} · FAIL {counts[Level.FAIL]}"


def check_configuration(
    settings: Settings, *, require_token: bool = True, which: Callable[[str], str | None] = shutil.which
) -> list[Finding]:
    """Checks that need no network: token shape, owners, SIS and provider settings, ffmpeg."""
    out: list[Finding] = []
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    if token is None:
        level = Level.FAIL if require_token else Level.WARN
        out.append(Finding(code="BOT_TOKEN_MISSING", level=level, message="BOT_TOKEN is not set"))
    elif not BOT_TOKEN_RE.match(token):
        out.append(
            Finding(
                code="BOT_TOKEN_FORMAT",
                level=Level.FAIL,
                message="BOT_TOKEN does not look like <digits>:<30+ letters, digits, _ or ->",
            )
        )
    else:
        out.append(Finding(code="BOT_TOKEN_OK", level=Level.OK, message="BOT_TOKEN has a valid shape"))

    if settings.owner_ids:
        out.append(
            Finding(code="OWNER_IDS_OK", level=Level.OK, message=f"{len(settings.owner_ids)} owner(s)")
        )
    else:
        out.append(
            Finding(
                code="OWNER_IDS_EMPTY",
                level=Level.FAIL,
                message="OWNER_IDS is empty: nobody could use the bot",
            )
        )

    if settings.upstream_mode is UpstreamMode.DEMO:
        out.append(Finding(code="UPSTREAM_DEMO", level=Level.OK, message="UPSTREAM_MODE=DEMO: no SIS needed"))
    else:
        # SIS_HTTP cannot work without SIS; AUTO still answers from DEMO, so it is only a warning there.
        level = Level.FAIL if settings.upstream_mode is UpstreamMode.SIS_HTTP else Level.WARN
        mode = settings.upstream_mode.value
        if not settings.sis_base_url:
            out.append(
                Finding(
                    code="SIS_URL_MISSING", level=level, message=f"UPSTREAM_MODE={mode} needs SIS_BASE_URL"
                )
            )
        if settings.sis_ownerbot_api_key is None:
            out.append(
                Finding(
                    code="SIS_KEY_MISSING",
                    level=level,
                    message=f"UPSTREAM_MODE={mode} needs SIS_OWNERBOT_API_KEY",
                )
            )
        if settings.sis_base_url and settings.sis_ownerbot_api_key is not None:
            out.append(Finding(code="SIS_CONFIG_OK", level=Level.OK, message="SIS URL and key are set"))

    needs_openai = settings.asr_provider is AsrProvider.OPENAI or settings.llm_provider is LlmProvider.OPENAI
    if needs_openai and settings.openai_api_key is None:
        out.append(
            Finding(
                code="OPENAI_KEY_MISSING",
                level=Level.FAIL,
                message="ASR_PROVIDER or LLM_PROVIDER uses OpenAI but OPENAI_API_KEY is not set",
            )
        )

    if settings.asr_convert_voice_ogg_to_wav:
        if which("ffmpeg"):
            out.append(Finding(code="FFMPEG_OK", level=Level.OK, message="ffmpeg found for voice conversion"))
        else:
            out.append(
                Finding(
                    code="FFMPEG_MISSING",
                    level=Level.WARN,
                    message="ffmpeg is not on PATH: voice notes cannot be converted (install ffmpeg)",
                )
            )

    if settings.bot_mode is BotMode.WEBHOOK and not settings.webhook_url:
        out.append(
            Finding(
                code="WEBHOOK_URL_MISSING", level=Level.FAIL, message="BOT_MODE=webhook needs WEBHOOK_URL"
            )
        )
    return out


async def check_database(engine: AsyncEngine) -> list[Finding]:
    """The database answers and its schema is at the newest migration."""
    try:
        latency = await ping_database(engine)
    except Exception as exc:
        return [
            Finding(
                code="DB_UNREACHABLE",
                level=Level.FAIL,
                message=f"database is unreachable ({type(exc).__name__})",
            )
        ]
    out = [Finding(code="DB_OK", level=Level.OK, message=f"database answers in {latency:.1f} ms")]
    current, head = await current_revision(engine), head_revision()
    if current == head:
        out.append(Finding(code="DB_MIGRATED", level=Level.OK, message=f"schema at {head}"))
    else:
        out.append(
            Finding(
                code="DB_NOT_MIGRATED",
                level=Level.FAIL,
                message=f"schema at {current or 'empty'}, expected {head}: run `ownerbot db upgrade`",
            )
        )
    return out


async def check_state(settings: Settings, state: StateStore | None) -> list[Finding]:
    """Redis answers when configured; otherwise the in-process store is used (a warning, not a failure)."""
    if settings.redis_url is None:
        return [
            Finding(
                code="REDIS_NOT_CONFIGURED", level=Level.OK, message="REDIS_URL not set: in-process state"
            )
        ]
    if state is None or state.backend != "redis":
        return [
            Finding(
                code="REDIS_UNREACHABLE",
                level=Level.WARN,
                message="Redis is unreachable: falling back to in-process state (single replica only)",
            )
        ]
    try:
        latency = await state.ping()
    except StateStoreUnavailable:
        return [
            Finding(
                code="REDIS_UNREACHABLE",
                level=Level.WARN,
                message="Redis is unreachable: state falls back to in-process for now",
            )
        ]
    return [Finding(code="REDIS_OK", level=Level.OK, message=f"Redis answers in {latency:.1f} ms")]


async def run_preflight(
    settings: Settings,
    *,
    engine: AsyncEngine,
    state: StateStore | None,
    require_token: bool = True,
    which: Callable[[str], str | None] = shutil.which,
) -> PreflightReport:
    """All checks, in a fixed order so that reports are comparable between runs."""
    findings = check_configuration(settings, require_token=require_token, which=which)
    findings += await check_database(engine)
    findings += await check_state(settings, state)
    return PreflightReport(findings=findings)
