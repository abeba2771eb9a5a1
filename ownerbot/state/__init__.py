"""Short-lived shared state (confirm tokens, rate limits, locks) in Redis or in process memory."""

from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.state.factory import build_state_store
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore

__all__ = [
    "MemoryStateStore",
    "RedisStateStore",
    "StateStore",
    "StateStoreUnavailable",
    "build_state_store",
]
