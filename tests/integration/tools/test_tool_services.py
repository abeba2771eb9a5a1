"""`build_tool_services` with the bot's mode service: `sis_fx_status` follows the runtime /upstream toggle.

OwnerBot's own database is a copy of the simulator's seeded shop, so a DEMO answer (sources `demo:`) and
a SIS answer (sources `sis:`, one request counted by the simulator) can be told apart.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.client import SisClient
from tests.integration.sis_sim import conftest as sim_fixtures
from tests.integration.sis_sim.conftest import SimAdmin

sim_template = sim_fixtures.sim_template
sim_db_url = sim_fixtures.sim_db_url
sim_config = sim_fixtures.sim_config
sim = sim_fixtures.sim
admin = sim_fixtures.admin

FX_STATUS_ENDPOINT = "fx_status"


async def test_fx_status_follows_the_selected_mode(
    make_settings: Callable[..., Settings],
    sim_template: Path,
    tmp_path: Path,
    sim: RunningSimulator,
    admin: SimAdmin,
) -> None:
    copy = tmp_path / "ownerbot.sqlite3"
    shutil.copyfile(sim_template, copy)
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{copy}",
        owner_ids=[sim_fixtures.OWNER],
        upstream_mode=UpstreamMode.DEMO,  # configured DEMO; the owner switches at runtime
        upstream_runtime_toggle_enabled=True,
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=sim_fixtures.SIM_KEY,
        sis_max_retries=1,
        sis_retry_backoff_base_sec=0,
        shop_timezone="Europe/Berlin",
        shop_currency="EUR",
    )
    engine = create_engine(settings)
    client = SisClient.from_settings(settings)
    try:
        session_factory = create_session_factory(engine)
        modes = UpstreamModeService(
            settings, MemoryStateStore(), session_factory=session_factory, sis_client=client
        )
        services = build_tool_services(settings, session_factory, modes=modes)
        runner = ToolRunner(default_registry(), provider_for=modes.provider, audit=None, services=services)

        async def fx_status() -> ToolResponse:
            response = await runner.run(
                make_request("sis_fx_status", {}, settings=settings, actor_id=sim_fixtures.OWNER)
            )
            assert response.status == "ok", response.error
            return response

        demo = await fx_status()
        assert demo.provenance.sources and all(s.startswith("demo:") for s in demo.provenance.sources)
        assert await admin.requests(FX_STATUS_ENDPOINT) == 0

        await modes.set_mode(UpstreamMode.SIS_HTTP)
        from_sis = await fx_status()  # the same services dict: no rebuild needed after the toggle
        assert from_sis.provenance.sources and all(s.startswith("sis:") for s in from_sis.provenance.sources)
        assert await admin.requests(FX_STATUS_ENDPOINT) == 1
        assert from_sis.data["last_snapshot"]["rate_set_id"] == demo.data["last_snapshot"]["rate_set_id"]

        # SIS refusing is its own code for the owner, never a crash of the tool.
        for faults, code in (
            ({"auth_status": 401}, "SIS_AUTH_ERROR"),
            ({"error_rate": 1.0}, "SIS_UNAVAILABLE"),
        ):
            await admin.faults(**faults)
            refused = await runner.run(
                make_request("sis_fx_status", {}, settings=settings, actor_id=sim_fixtures.OWNER)
            )
            assert refused.error is not None and refused.error.code == code, refused.error
        await admin.faults()

        await modes.set_mode(UpstreamMode.DEMO)
        asked = await admin.requests(FX_STATUS_ENDPOINT)
        back = await fx_status()
        assert all(s.startswith("demo:") for s in back.provenance.sources)
        assert await admin.requests(FX_STATUS_ENDPOINT) == asked
    finally:
        await client.aclose()
        await engine.dispose()
