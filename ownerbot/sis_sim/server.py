"""Start the simulator: prepare its own database (migrate, seed on first start, re-anchor), then serve.

`start_simulator` runs it inside the caller's event loop (tests use port 0 and read `.port`);
`serve_forever` is what `ownerbot sis-sim` runs.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.sis_sim.app import build_app
from ownerbot.sis_sim.state import SimConfig, SimState
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.upstream.demo.bootstrap import prepare_demo_shop

if TYPE_CHECKING:
    from ownerbot.upstream.catalog import CatalogActions

log = logging.getLogger(__name__)

DEFAULT_SIM_ORDERS = 5_000
SIM_DB_FILENAME = "sis_sim.sqlite3"
CATALOG_OPS_MODULE = "ownerbot.upstream.demo.catalog_ops"


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / SIM_DB_FILENAME).resolve()}"


async def prepare_database(url: str, *, tz: str, currency: str, orders: int = DEFAULT_SIM_ORDERS) -> str:
    """Migrate the simulator's database and seed its shop on first start (else move it to today)."""
    await upgrade(url)
    engine = create_engine_for_url(url, pooled=False)
    try:
        return await prepare_demo_shop(engine, tz=tz, currency=currency, now=datetime.now(UTC), orders=orders)
    finally:
        await engine.dispose()


def load_catalog_actions(
    session_factory: async_sessionmaker[AsyncSession], currency: str
) -> CatalogActions | None:
    """The DEMO `CatalogActions` over the simulator's database, or None when it is not available."""
    try:
        module = importlib.import_module(CATALOG_OPS_MODULE)
    except ImportError:
        log.warning("sis_sim_no_catalog_ops", extra={"module": CATALOG_OPS_MODULE})
        return None
    actions: CatalogActions = module.DemoCatalogActions(session_factory, currency=currency)
    return actions


@dataclass
class RunningSimulator:
    state: SimState
    runner: web.AppRunner
    engine: AsyncEngine
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        self.state.faults.released.set()
        await self.runner.cleanup()
        await self.engine.dispose()


async def start_simulator(
    config: SimConfig, database_url: str, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve the simulator over an already prepared database (see `prepare_database`)."""
    engine = create_engine_for_url(database_url)
    session_factory = create_session_factory(engine)
    state = SimState(config, engine, session_factory, load_catalog_actions(session_factory, config.currency))
    runner = web.AppRunner(build_app(state), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return RunningSimulator(state=state, runner=runner, engine=engine, host=host, port=int(bound))


async def serve_forever(config: SimConfig, database_url: str, *, host: str, port: int, orders: int) -> None:
    outcome = await prepare_database(database_url, tz=config.tz, currency=config.currency, orders=orders)
    sim = await start_simulator(config, database_url, host=host, port=port)
    log.info("sis_sim_started", extra={"url": sim.base_url, "database": outcome})
    print(f"SIS simulator on {sim.base_url} ({outcome}); body style {config.body_style}", flush=True)
    if sim.state.catalog is None:
        print("catalog actions are not available: action endpoints answer 404", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()
