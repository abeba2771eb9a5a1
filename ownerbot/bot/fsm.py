"""aiogram FSM storage following the state-store choice: Redis with TTLs, or in-process."""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

# Unfinished input flows expire after a day so abandoned state never piles up in Redis.
FSM_TTL_SEC = 24 * 3600


def build_fsm_storage(redis_url: str | None) -> BaseStorage:
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage.from_url(redis_url, state_ttl=FSM_TTL_SEC, data_ttl=FSM_TTL_SEC)
