"""The system tools through the real runner against the SIS simulator and a real database.

OwnerBot's own database is a copy of the simulator's seeded shop, so DEMO and SIS read the same data
and the shadow check's differences are the ones a test plants (plus the contract's known gaps).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.config.settings import Settings
from ownerbot.services.shadow_check import AUDIT_EVENT
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolRequest, ToolResponse
from ownerbot.tools.runner import ToolRunner
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.client import SisClient
from tests.integration.sis_sim.conftest import OWNER, SIM_KEY, SimAdmin


@dataclass
class Bench:
    settings: Settings
    engine: AsyncEngine
    client: SisClient
    runner: ToolRunner
    audit: AuditRepository

    async def run(self, tool: str, payload: dict[str, Any] | None = None) -> ToolResponse:
        request = ToolRequest(
            tool=tool,
            correlation_id=f"cid-{tool}",
            actor=Actor(owner_user_id=OWNER),
            tenant=Tenant(),
            payload=payload or {},
        )
        return await self.runner.run(request)


@pytest.fixture
async def bench(
    sim: RunningSimulator,
    sim_template: Path,
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    make_client: Callable[..., SisClient],
) -> AsyncIterator[Bench]:
    own = tmp_path / "ownerbot.sqlite3"
    shutil.copyfile(sim_template, own)
    url = f"sqlite+aiosqlite:///{own}"
    settings = make_settings(
        database_url=url, upstream_mode="SIS_HTTP", sis_base_url=sim.base_url, sis_ownerbot_api_key=SIM_KEY
    )
    engine = create_engine_for_url(url)
    session_factory = create_session_factory(engine)
    client = make_client(max_retries=0)
    state = MemoryStateStore()
    modes = UpstreamModeService(settings, state, session_factory=session_factory, sis_client=client)
    audit = AuditRepository(session_factory)
    runner = ToolRunner(
        default_registry(),
        provider_for=modes.provider,
        audit=None,
        services=build_tool_services(settings, session_factory, audit, state=state, modes=modes),
        timeout_sec=60,
    )
    try:
        yield Bench(settings, engine, client, runner, audit)
    finally:
        await engine.dispose()


async def test_sys_health_pings_sis_and_reports_breaker_and_capabilities(bench: Bench) -> None:
    response = await bench.run("sys_health")
    assert response.status == "ok", response.error
    data = response.data
    assert data["database"]["reachable"] is True
    assert data["upstream"]["configured"] == "SIS_HTTP" and data["upstream"]["effective"] == "SIS_HTTP"
    sis = data["sis"]
    assert sis["ping"]["ok"] is True and sis["ping"]["contract_version"].startswith("1.")
    assert sis["breaker"]["state"] == "closed"
    assert data["capabilities"] == {"checked": False}  # a health check never fires the six probes
    assert "sis:/ownerbot/v1/ping" in response.provenance.sources

    caps = await bench.run("sis_actions_capabilities")
    assert caps.status == "ok" and caps.data["source"] == "sis"
    assert all(s.startswith(("sis:", "ownerbot:")) for s in caps.provenance.sources)
    after = await bench.run("sys_health")
    assert after.data["capabilities"]["checked"] is True
    assert after.data["capabilities"]["counts"]["supported"] == 6


async def test_sys_health_when_sis_is_down_reports_the_breaker(bench: Bench, admin: SimAdmin) -> None:
    await admin.faults(error_rate=1.0, error_status=503)
    for _ in range(3):  # SIS_BREAKER_FAILURES defaults to 3 in make_client's SisClient
        await bench.run("sys_health")
    response = await bench.run("sys_health")
    assert response.status == "ok"
    assert response.data["sis"]["ping"]["ok"] is False
    assert response.data["sis"]["ping"]["error"] == ErrorCode.SIS_UNAVAILABLE.value
    assert response.data["sis"]["breaker"]["state"] == "open"


async def test_capabilities_tool_shows_an_absent_family_and_force_refresh(
    bench: Bench, admin: SimAdmin
) -> None:
    first = await bench.run("sis_actions_capabilities")
    assert "discounts" in first.data["supported"]
    await admin.faults(not_found_families=["discounts"])
    cached = await bench.run("sis_actions_capabilities")
    assert cached.data["checked_at"] == first.data["checked_at"]  # from the cache
    refreshed = await bench.run("sis_actions_capabilities", {"force_refresh": True})
    statuses = {f["family"]: f["status"] for f in refreshed.data["families"]}
    assert statuses["discounts"] == "absent" and "discounts" not in refreshed.data["supported"]


async def test_shadow_check_finds_a_planted_difference_and_audits_it(
    bench: Bench, sim: RunningSimulator
) -> None:
    baseline = await bench.run("sys_shadow_check")
    assert baseline.status == "ok", baseline.error
    by_tool = {t["tool"]: t for t in baseline.data["tools"]}
    assert by_tool["inventory_status"]["status"] == "match"
    assert by_tool["kpi_snapshot"]["status"] == "match"
    assert any(s.startswith("demo:") for s in baseline.provenance.sources)
    assert any(s.startswith("sis:") for s in baseline.provenance.sources)
    before = await bench.audit.recent(50, event_type=AUDIT_EVENT)
    assert {r.action_name for r in before} == {t for t, c in by_tool.items() if c["status"] == "mismatch"}

    # Plant: SIS now says every product lacks a photo; OwnerBot's DEMO copy does not.
    async with sim.engine.begin() as connection:
        await connection.execute(text("UPDATE demo_products SET has_photo = :flag"), {"flag": False})
    planted = await bench.run("sys_shadow_check")
    inventory = {t["tool"]: t for t in planted.data["tools"]}["inventory_status"]
    assert inventory["status"] == "mismatch"
    paths = [d["path"] for d in inventory["differences"]]
    assert any("missing_photo" in p for p in paths), paths
    assert any(w.code == "SHADOW_MISMATCH" and "inventory_status" in w.message for w in planted.warnings)
    records = await bench.audit.recent(50, event_type=AUDIT_EVENT)
    audited = [r for r in records if r.action_name == "inventory_status"]
    assert len(audited) == 1
    record = audited[0]
    assert record.correlation_id == "cid-sys_shadow_check" and record.actor_tg_id == OWNER
    assert record.target_system == "SIS" and record.status == "mismatch"
    assert record.details["differences_total"] == inventory["differences_total"]
    assert any("missing_photo" in d["path"] for d in record.details["top"])


# -- contract drift: a SIS deploy drops a field -----------------------------------------------------------


async def test_drift_is_counted_by_sys_health(
    drifting_sim: RunningSimulator, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    client = SisClient(drifting_sim.base_url, SIM_KEY, max_retries=0, backoff_base_sec=0.0)
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
        upstream_mode="SIS_HTTP",
        sis_base_url=drifting_sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
    )
    engine = create_engine_for_url(settings.resolved_database_url)
    try:
        today = datetime.now(UTC).date()
        await client.kpi_summary(today, today, "Europe/Berlin")
        state = MemoryStateStore()
        session_factory = create_session_factory(engine)
        modes = UpstreamModeService(settings, state, session_factory=session_factory, sis_client=client)
        runner = ToolRunner(
            default_registry(),
            provider_for=modes.provider,
            audit=None,
            services=build_tool_services(settings, session_factory, state=state, modes=modes),
        )
        response = await runner.run(
            ToolRequest(tool="sys_health", correlation_id="c", actor=Actor(), tenant=Tenant(), payload={})
        )
    finally:
        await client.aclose()
        await engine.dispose()
    assert response.status == "ok", response.error
    assert response.data["contract_drift_count"] == 1
    assert response.data["sis"]["contract_drift"]["recent"] == [
        {"endpoint": "kpi_summary", "field": "data.refunds", "problem": "missing"}
    ]
    assert [w.code for w in response.warnings] == ["SIS_CONTRACT_DRIFT"]
