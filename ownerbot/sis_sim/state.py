"""The simulator's configuration and its live state: database, readers, catalog actions, faults, stats."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.sis_sim.faults import Faults, FaultState
from ownerbot.sis_sim.fx_failures import FxFailureLog
from ownerbot.upstream.demo.provider import DemoProvider

if TYPE_CHECKING:
    from ownerbot.upstream.catalog import CatalogActions

BodyStyle = Literal["envelope", "legacy"]


@dataclass(frozen=True)
class SimConfig:
    """How the simulator behaves. `allowed_actors` None accepts any actor (say so when you run it)."""

    api_key: str
    tz: str = "Europe/Berlin"
    currency: str = "EUR"
    shop_id: int = 1
    allowed_shops: frozenset[int] = frozenset({1})
    allowed_actors: frozenset[int] | None = None
    body_style: BodyStyle = "envelope"
    faults: Faults = field(default_factory=Faults)


class SimStats:
    """What tests count: requests that arrived per endpoint, and applies that changed something."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.applies: Counter[str] = Counter()

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"requests": dict(self.requests), "applies": dict(self.applies)}

    def reset(self) -> None:
        self.requests.clear()
        self.applies.clear()


class SimState:
    def __init__(
        self,
        config: SimConfig,
        engine: AsyncEngine,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: CatalogActions | None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.session_factory = session_factory
        self.provider = DemoProvider(session_factory, tz=config.tz, currency=config.currency)
        self.catalog = catalog
        self.faults = FaultState(config.faults)
        self.stats = SimStats()
        self.fx_failures = FxFailureLog()  # failed reprice applies, for FX_REPRICE_FAILED events


STATE_KEY = web.AppKey("ownerbot_sis_sim_state", SimState)
