"""ACTION pipeline fixtures: a migrated database (PostgreSQL and SQLite), demo orders, the real pipeline.

The pipeline is the one `build_action_services` wires for the bot, plus a `probe_action` tool whose
commit can ask for force, fail, hang or partly succeed, so every branch is reachable without SIS.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult, ForceRequired
from ownerbot.actions.outcomes import ActionRequest, ConfirmPress, PreviewOutcome, PreviewStatus
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.recovery import ActionRecovery
from ownerbot.actions.wiring import action_registry, build_action_services
from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.actions import ActionRepository
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.actions.common import action_spec
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure
from ownerbot.tools.registry import ToolRegistry
from tests.integration.actions.support import FakeMessenger, ManualClock, seed_orders

OWNER = 5550001
OTHER_OWNER = 5550002
CHAT = OWNER
MANAGERS = (-1001, -1002, -1003)

ProbeMode = Literal["ok", "force", "fail", "hang", "partial", "crash", "tool_failure"]


class ProbePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ProbeMode = "ok"
    anomaly: bool = False
    noop: bool = False
    label: str = "x"


@dataclass
class Probe:
    """Counts commits of `probe_action`; `hang` commits block on `release` (set it to let them finish)."""

    commits: list[tuple[str, bool]] = field(default_factory=list)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def preview(self, payload: ProbePayload, ctx: ActionContext) -> ActionPreview:
        return ActionPreview(
            affected_count=0 if payload.noop else 1,
            summary=f"probe {payload.label}",
            noop_reason="nothing to do" if payload.noop else None,
            anomaly=payload.anomaly,
            anomaly_reason="unusually large" if payload.anomaly else None,
        )

    async def commit(self, payload: ProbePayload, ctx: ActionContext) -> ActionResult:
        if payload.mode == "force" and not ctx.force:
            raise ForceRequired("upstream says: force required")
        if payload.mode == "hang":
            self.entered.set()
            await self.release.wait()
        if payload.mode == "crash":
            raise RuntimeError("probe exploded")
        if payload.mode == "tool_failure":
            raise ToolFailure(ErrorCode.UPSTREAM_UNAVAILABLE, "probe upstream down")
        self.commits.append((payload.label, ctx.force))
        status: Literal["ok", "partial", "failed"] = "ok"
        if payload.mode in ("partial", "fail"):
            status = "partial" if payload.mode == "partial" else "failed"
        return ActionResult(status=status, changed_count=0 if status == "failed" else 1, summary="probed")


def probe_registry(probe: Probe) -> ToolRegistry:
    registry = action_registry()
    registry.register(
        action_spec(
            name="probe_action",
            payload_model=ProbePayload,
            description="test probe",
            preview=probe.preview,
            commit=probe.commit,
            risk=Risk.MED,
            target_system="OwnerBot",
        )
    )
    return registry


@dataclass
class Harness:
    pipeline: ActionPipeline
    recovery: ActionRecovery
    repository: ActionRepository
    audit: AuditRepository
    messenger: FakeMessenger
    clock: ManualClock
    probe: Probe
    session_factory: async_sessionmaker[AsyncSession]
    order_ids: list[str]

    async def preview(self, action: str, payload: dict[str, Any], **fields: Any) -> PreviewOutcome:
        request = {"actor_id": OWNER, "chat_id": CHAT, "locale": "ru", **fields}
        return await self.pipeline.preview(ActionRequest(action=action, payload=payload, **request))

    async def ready(self, action: str, payload: dict[str, Any], **fields: Any) -> str:
        """Preview and return the token id (the preview must be ready)."""
        outcome = await self.preview(action, payload, **fields)
        assert outcome.status is PreviewStatus.READY, outcome
        assert outcome.token_id is not None
        await self.pipeline.attach_message(outcome.token_id, 77)
        return outcome.token_id

    def press(self, token: str, **fields: Any) -> ConfirmPress:
        """A press of `token` by the owner in the owner's chat on message 77; `fields` override any part."""
        return ConfirmPress(
            **{"token_id": token, "actor_id": OWNER, "chat_id": CHAT, "message_id": 77, **fields}
        )

    async def audit_count(self, event_type: str) -> int:
        return await self.audit.count(event_type=event_type)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "pg_url" if request.param == "postgresql" else "sqlite_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(db_url)
    engine = create_engine_for_url(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def action_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(owner_ids=[OWNER, OTHER_OWNER], manager_chat_ids=list(MANAGERS))


@pytest.fixture
async def harness(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], action_settings: Settings
) -> Harness:
    order_ids = await seed_orders(session_factory, 3)
    clock = ManualClock()
    messenger = FakeMessenger()
    probe = Probe()
    audit = AuditRepository(session_factory)
    services = build_action_services(
        action_settings,
        engine,
        AuditLog(audit),
        messenger,
        registry=probe_registry(probe),
        clock=clock,
        commit_timeout_sec=5.0,
    )
    return Harness(
        pipeline=services.pipeline,
        recovery=services.recovery,
        repository=services.pipeline.repository,
        audit=audit,
        messenger=messenger,
        clock=clock,
        probe=probe,
        session_factory=session_factory,
        order_ids=order_ids,
    )
