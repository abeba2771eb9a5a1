"""Preflight codes and levels for each kind of broken environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownerbot.config.settings import Settings
from ownerbot.services.preflight import Level, check_configuration, check_database, check_state
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore
from ownerbot.storage.engine import create_engine
from ownerbot.storage.migrate import upgrade

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def make(**kw: object) -> Settings:
    base: dict[str, object] = {
        "bot_token": GOOD_TOKEN,
        "owner_ids": [1],
        "asr_convert_voice_ogg_to_wav": False,
    }
    base.update(kw)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def levels(settings: Settings, **kw: object) -> dict[str, Level]:
    return {f.code: f.level for f in check_configuration(settings, **kw)}  # type: ignore[arg-type]


def test_healthy_configuration_is_all_ok() -> None:
    found = levels(make())
    assert found == {"BOT_TOKEN_OK": Level.OK, "OWNER_IDS_OK": Level.OK, "UPSTREAM_DEMO": Level.OK}


@pytest.mark.parametrize("token", ["", "abc", "123:short", "notdigits:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"])
def test_bad_token(token: str) -> None:
    found = levels(make(bot_token=token))
    code = "BOT_TOKEN_MISSING" if token == "" else "BOT_TOKEN_FORMAT"
    assert found[code] is Level.FAIL


def test_missing_token_is_a_warning_when_not_required() -> None:
    assert levels(make(bot_token=None), require_token=False)["BOT_TOKEN_MISSING"] is Level.WARN


def test_empty_owners_fail() -> None:
    assert levels(make(owner_ids=[]))["OWNER_IDS_EMPTY"] is Level.FAIL


def test_sis_http_needs_url_and_key() -> None:
    found = levels(make(upstream_mode="SIS_HTTP"))
    assert found["SIS_URL_MISSING"] is Level.FAIL and found["SIS_KEY_MISSING"] is Level.FAIL
    found = levels(make(upstream_mode="AUTO"))
    assert found["SIS_URL_MISSING"] is Level.WARN and found["SIS_KEY_MISSING"] is Level.WARN
    found = levels(make(upstream_mode="SIS_HTTP", sis_base_url="http://sis", sis_ownerbot_api_key="k" * 20))
    assert found["SIS_CONFIG_OK"] is Level.OK and "SIS_URL_MISSING" not in found


def test_openai_provider_needs_key() -> None:
    assert levels(make(asr_provider="openai"))["OPENAI_KEY_MISSING"] is Level.FAIL
    assert levels(make(llm_provider="OPENAI"))["OPENAI_KEY_MISSING"] is Level.FAIL
    assert "OPENAI_KEY_MISSING" not in levels(make(llm_provider="OPENAI", openai_api_key="sk-" + "x" * 20))


def test_ffmpeg_checked_only_when_conversion_is_on() -> None:
    on = make(asr_convert_voice_ogg_to_wav=True)
    assert levels(on, which=lambda _: None)["FFMPEG_MISSING"] is Level.WARN
    assert levels(on, which=lambda _: "/usr/bin/ffmpeg")["FFMPEG_OK"] is Level.OK
    assert "FFMPEG_MISSING" not in levels(make(), which=lambda _: None)


def test_webhook_needs_url() -> None:
    assert levels(make(bot_mode="webhook"))["WEBHOOK_URL_MISSING"] is Level.FAIL


async def test_database_not_migrated_then_migrated(tmp_path: Path) -> None:
    settings = make(ownerbot_data_dir=tmp_path)
    engine = create_engine(settings)
    try:
        found = {f.code: f.level for f in await check_database(engine)}
        assert found == {"DB_OK": Level.OK, "DB_NOT_MIGRATED": Level.FAIL}
        await upgrade(settings.resolved_database_url)
        found = {f.code: f.level for f in await check_database(engine)}
        assert found == {"DB_OK": Level.OK, "DB_MIGRATED": Level.OK}
    finally:
        await engine.dispose()


async def test_database_unreachable() -> None:
    settings = make(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    engine = create_engine(settings)
    try:
        found = {f.code: f.level for f in await check_database(engine)}
        assert found == {"DB_UNREACHABLE": Level.FAIL}
    finally:
        await engine.dispose()


async def test_redis_unreachable_is_a_warning() -> None:
    settings = make(redis_url="redis://127.0.0.1:1/0")
    store = RedisStateStore.from_url("redis://127.0.0.1:1/0")
    try:
        found = {f.code: f.level for f in await check_state(settings, store)}
    finally:
        await store.close()
    assert found == {"REDIS_UNREACHABLE": Level.WARN}
    found = {f.code: f.level for f in await check_state(settings, MemoryStateStore())}
    assert found == {"REDIS_UNREACHABLE": Level.WARN}
    found = {f.code: f.level for f in await check_state(make(), MemoryStateStore())}
    assert found == {"REDIS_NOT_CONFIGURED": Level.OK}
