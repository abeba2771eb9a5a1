"""The SIS simulator fixtures (tests/integration/sis_sim/conftest.py), shared with these tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from ownerbot.sis_sim import reads
from ownerbot.sis_sim.server import RunningSimulator, start_simulator
from ownerbot.sis_sim.state import SimConfig
from tests.integration.sis_sim.conftest import (  # noqa: F401  # fixtures are found by name
    OWNER,
    SIM_KEY,
    admin,
    make_client,
    sim,
    sim_config,
    sim_db_url,
    sim_template,
)


@pytest.fixture
async def drifting_sim(
    sim_db_url: str,  # noqa: F811  # the imported fixture, requested by name
    sim_config: SimConfig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningSimulator]:
    """The simulator, except `/kpi/summary` no longer sends `refunds` (contract drift)."""
    original = reads.READ_HANDLERS["kpi_summary"]

    async def without_refunds(request: web.Request) -> web.StreamResponse:
        response = await original(request)
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        body = json.loads(response.body)
        body["data"].pop("refunds", None)
        return web.json_response(body, status=response.status)

    monkeypatch.setitem(reads.READ_HANDLERS, "kpi_summary", without_refunds)
    running = await start_simulator(sim_config, sim_db_url)
    try:
        yield running
    finally:
        await running.stop()
