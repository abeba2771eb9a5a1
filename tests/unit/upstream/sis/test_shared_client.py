"""The process-wide SIS client is shared per SIS configuration, never across different ones."""

from __future__ import annotations

from ownerbot.config.settings import Settings
from ownerbot.upstream.sis.client import close_sis_client, get_sis_client


def _settings(base_url: str, key: str = "k-1") -> Settings:
    return Settings(_env_file=None, sis_base_url=base_url, sis_ownerbot_api_key=key)


async def test_same_settings_share_one_client_other_settings_get_their_own() -> None:
    try:
        first = get_sis_client(_settings("http://127.0.0.1:8701"))
        assert get_sis_client(_settings("http://127.0.0.1:8701")) is first
        other_url = get_sis_client(_settings("http://127.0.0.1:8702"))
        other_key = get_sis_client(_settings("http://127.0.0.1:8701", key="k-2"))
        assert other_url is not first and other_key is not first and other_url is not other_key
        assert "8702" in repr(other_url) and "k-2" not in repr(other_key)
    finally:
        await close_sis_client()
    assert get_sis_client(_settings("http://127.0.0.1:8701")) is not first
    await close_sis_client()
