"""aiogram's FSM storage follows the state-store choice: Redis with TTLs, or in-process."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from ownerbot.bot.fsm import FSM_TTL_SEC, build_fsm_storage


def test_memory_without_redis() -> None:
    assert isinstance(build_fsm_storage(None), MemoryStorage)


async def test_redis_storage_keeps_state_with_ttl(redis_url: str) -> None:
    storage = build_fsm_storage(redis_url)
    assert isinstance(storage, RedisStorage)
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    try:
        await storage.set_state(key, "Flow:step")
        assert await storage.get_state(key) == "Flow:step"
        redis_key = storage.key_builder.build(key, "state")
        ttl = await storage.redis.ttl(redis_key)
        assert 0 < ttl <= FSM_TTL_SEC
    finally:
        await storage.set_state(key, None)
        await storage.close()
