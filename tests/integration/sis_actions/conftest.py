"""SIS action tools through the real ACTION pipeline against the in-process SIS simulator.

OwnerBot's own database is a second copy of the simulator's seeded template (migrated, with a demo shop
of its own), so DEMO-mode actions and SIS-mode actions can be told apart by which database changed.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.actions.outcomes import (
    ActionRequest,
    CommitOutcome,
    ConfirmPress,
    PreviewOutcome,
)
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.wiring import ActionServices, build_action_services
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.state.memory import MemoryStateStore
from ownerbot.storage.demo_models import DemoLook, DemoProduct
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.client import SisClient
from tests.integration.sis_sim import conftest as sim_fixtures
from tests.integration.sis_sim.conftest import SimAdmin

# The simulator's fixtures (seeded template, per-test copy, the running simulator, its admin API).
sim_template = sim_fixtures.sim_template
sim_db_url = sim_fixtures.sim_db_url
sim_config = sim_fixtures.sim_config
sim = sim_fixtures.sim
admin = sim_fixtures.admin
SIM_KEY = sim_fixtures.SIM_KEY
# The owner SIS lists as the shop's admin.
OWNER = sim_fixtures.OWNER

# An owner of OwnerBot whom SIS does not list as an admin of the shop (403 on his writes).
STRANGER = OWNER + 1


@dataclass
class Harness:
    """The pipeline wired as the bot wires it (mode service), OwnerBot's DB, the simulator and its admin."""

    settings: Settings
    services: ActionServices
    upstream: UpstreamModeService
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    sim: RunningSimulator
    admin: SimAdmin
    client: SisClient

    @property
    def pipeline(self) -> ActionPipeline:
        return self.services.pipeline

    @property
    def sim_db(self) -> async_sessionmaker[AsyncSession]:
        return self.sim.state.session_factory

    async def preview(self, action: str, payload: dict[str, Any], actor: int = OWNER) -> PreviewOutcome:
        return await self.pipeline.preview(
            ActionRequest(action=action, payload=payload, actor_id=actor, chat_id=actor, locale="en")
        )

    @staticmethod
    def press(outcome: PreviewOutcome, *, force: bool = False, actor: int = OWNER) -> ConfirmPress:
        assert outcome.token_id is not None, outcome
        return ConfirmPress(token_id=outcome.token_id, actor_id=actor, chat_id=actor, force=force)

    async def commit(
        self, outcome: PreviewOutcome, *, force: bool = False, actor: int = OWNER
    ) -> CommitOutcome:
        decision, result = await self.pipeline.confirm_and_execute(
            self.press(outcome, force=force, actor=actor)
        )
        assert result is not None, decision
        return result


@pytest.fixture
def ownerbot_db_url(sim_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "ownerbot.sqlite3"
    shutil.copyfile(sim_template, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
def harness_settings(
    make_settings: Callable[..., Settings], ownerbot_db_url: str, sim: RunningSimulator
) -> Settings:
    return make_settings(
        database_url=ownerbot_db_url,
        owner_ids=[OWNER, STRANGER],
        upstream_mode=UpstreamMode.SIS_HTTP,
        upstream_runtime_toggle_enabled=True,
        sis_base_url=sim.base_url,
        sis_ownerbot_api_key=SIM_KEY,
        sis_max_retries=2,
        sis_retry_backoff_base_sec=0,
        sis_timeout_sec=5,
        shop_timezone="Europe/Berlin",
        shop_currency="EUR",
    )


@pytest.fixture
async def harness(
    harness_settings: Settings,
    sim: RunningSimulator,
    admin: SimAdmin,
) -> AsyncIterator[Harness]:
    settings = harness_settings
    engine = create_engine(settings)
    session_factory = create_session_factory(engine)
    client = SisClient.from_settings(settings)
    upstream = UpstreamModeService(
        settings, MemoryStateStore(), session_factory=session_factory, sis_client=client
    )
    services = build_action_services(settings, engine, None, None, upstream=upstream)
    try:
        yield Harness(settings, services, upstream, engine, session_factory, sim, admin, client)
    finally:
        await client.aclose()
        await engine.dispose()


async def products_in(db: async_sessionmaker[AsyncSession]) -> dict[int, DemoProduct]:
    async with db() as session:
        rows = (await session.scalars(select(DemoProduct).order_by(DemoProduct.id))).all()
        for row in rows:
            session.expunge(row)
    return {row.id: row for row in rows}


async def looks_in(db: async_sessionmaker[AsyncSession]) -> dict[int, DemoLook]:
    async with db() as session:
        rows = (await session.scalars(select(DemoLook).order_by(DemoLook.id))).all()
        for row in rows:
            session.expunge(row)
    return {row.id: row for row in rows}
