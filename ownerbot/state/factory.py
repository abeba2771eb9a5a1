"""Pick the state backend from settings: Redis when REDIS_URL is set, otherwise in-process memory."""

from __future__ import annotations

from ownerbot.config.settings import Settings
from ownerbot.state.base import StateStore
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore


def build_state_store(settings: Settings) -> StateStore:
    """Build the configured state store; it does not connect until first used (call `ping()` to check)."""
    if settings.redis_url is not None:
        return RedisStateStore.from_url(settings.redis_url.get_secret_value())
    return MemoryStateStore()
