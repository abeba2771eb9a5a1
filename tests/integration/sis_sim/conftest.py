"""The SIS simulator in-process on port 0 over a copy of a shop seeded once per session (SQLite)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ownerbot.sis_sim.server import RunningSimulator, prepare_database, start_simulator
from ownerbot.sis_sim.state import SimConfig
from ownerbot.upstream.sis.client import SisClient

SIM_KEY = "sim-test-key-0123456789"
OWNER = 4242
SIM_ORDERS = 400


@pytest.fixture(scope="session")
def sim_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded simulator database file; tests work on copies of it."""
    path = tmp_path_factory.mktemp("sis_sim") / "template.sqlite3"
    asyncio.run(
        prepare_database(f"sqlite+aiosqlite:///{path}", tz="Europe/Berlin", currency="EUR", orders=SIM_ORDERS)
    )
    return path


@pytest.fixture
def sim_db_url(sim_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "sim.sqlite3"
    shutil.copyfile(sim_template, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig(api_key=SIM_KEY, allowed_actors=frozenset({OWNER}))


@pytest.fixture
async def sim(sim_db_url: str, sim_config: SimConfig) -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(sim_config, sim_db_url)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def make_client(sim: RunningSimulator) -> AsyncIterator[Callable[..., SisClient]]:
    """Clients against the simulator; no backoff sleeping unless a test asks for it."""
    clients: list[SisClient] = []

    def build(**options: Any) -> SisClient:
        defaults: dict[str, Any] = {"timeout_sec": 5.0, "max_retries": 2, "backoff_base_sec": 0.0}
        client = SisClient(sim.base_url, options.pop("api_key", SIM_KEY), **{**defaults, **options})
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


class SimAdmin:
    """The simulator's admin API (`/_sim/*`), as a tester or an operator would use it."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, headers={"X-OWNERBOT-KEY": SIM_KEY}, timeout=5)

    async def faults(self, **faults: Any) -> dict[str, Any]:
        response = await self._http.post("/_sim/faults", json=faults)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def stats(self) -> dict[str, dict[str, int]]:
        response = await self._http.get("/_sim/stats")
        response.raise_for_status()
        result: dict[str, dict[str, int]] = response.json()
        return result

    async def requests(self, endpoint: str) -> int:
        return (await self.stats())["requests"].get(endpoint, 0)

    async def applies(self, endpoint: str) -> int:
        return (await self.stats())["applies"].get(endpoint, 0)

    async def aclose(self) -> None:
        await self._http.aclose()


@pytest.fixture
async def admin(sim: RunningSimulator) -> AsyncIterator[SimAdmin]:
    client = SimAdmin(sim.base_url)
    yield client
    await client.aclose()
