"""Actions follow the mode of the moment: DEMO → OwnerBot's demo shop, SIS_HTTP/AUTO → SIS (never DEMO)."""

from __future__ import annotations

from collections.abc import Callable

from ownerbot.actions.outcomes import ActionRequest, CommitStatus, PreviewStatus
from ownerbot.actions.wiring import build_action_services
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.state.memory import MemoryStateStore
from ownerbot.state.redis_store import RedisStateStore
from ownerbot.storage.demo_models import DemoProduct
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.modes import UpstreamModeService
from ownerbot.upstream.sis.client import close_sis_client
from tests.integration.sis_actions.conftest import Harness, products_in

HIDE_LOW_STOCK = {"status_from": "ACTIVE", "stock_lte": 2, "target_status": "HIDDEN"}


def _statuses(rows: dict[int, DemoProduct]) -> dict[int, str]:
    return {pid: row.status for pid, row in rows.items()}


async def test_toggling_the_mode_at_runtime_switches_where_actions_go(
    harness: Harness, redis_url: str
) -> None:
    state = RedisStateStore.from_url(redis_url)
    upstream = UpstreamModeService(
        harness.settings, state, session_factory=harness.session_factory, sis_client=harness.client
    )
    services = build_action_services(harness.settings, harness.engine, None, None, upstream=upstream)
    harness.services = services
    sim_before = _statuses(await products_in(harness.sim_db))
    own_before = _statuses(await products_in(harness.session_factory))
    try:
        # Configured SIS_HTTP: the change lands in SIS only.
        assert services.provider_for().name == "SIS"
        sis = await harness.commit(await harness.preview("sis_products_publish", HIDE_LOW_STOCK))
        assert sis.status is CommitStatus.COMMITTED and sis.result is not None, sis.error
        sis_after = _statuses(await products_in(harness.sim_db))
        assert sis_after != sim_before and sis.result.changed_count > 0
        assert _statuses(await products_in(harness.session_factory)) == own_before
        requests = (await harness.admin.stats())["requests"]

        # Switched to DEMO (stored in Redis): the same action acts on OwnerBot's demo shop, SIS sees nothing.
        await upstream.set_mode(UpstreamMode.DEMO)
        assert services.provider_for().name == "DEMO"
        demo = await harness.commit(await harness.preview("sis_products_publish", HIDE_LOW_STOCK))
        assert demo.status is CommitStatus.COMMITTED and demo.result is not None, demo.error
        own_after = _statuses(await products_in(harness.session_factory))
        expected = {pid for pid, status in own_before.items() if status == "ACTIVE"} & {
            pid for pid, row in (await products_in(harness.session_factory)).items() if row.stock <= 2
        }
        assert {pid for pid in own_after if own_after[pid] != own_before[pid]} == expected
        assert (await harness.admin.stats())["requests"] == requests
        assert _statuses(await products_in(harness.sim_db)) == sis_after

        # A restart reads the override back and keeps acting on DEMO.
        reloaded = UpstreamModeService(harness.settings, state, session_factory=harness.session_factory)
        assert await reloaded.load() is UpstreamMode.DEMO

        # AUTO writes to SIS; with SIS down it says so and never falls back to the demo shop.
        await upstream.set_mode(UpstreamMode.AUTO)
        await harness.admin.faults(error_rate=1.0, error_status=503)
        down = await harness.preview("sis_products_publish", {**HIDE_LOW_STOCK, "stock_lte": 5})
        assert down.status is PreviewStatus.REJECTED
        assert down.error is not None and down.error.code is ErrorCode.SIS_UNAVAILABLE
        assert "never done on the demo shop" in down.error.message
        assert _statuses(await products_in(harness.session_factory)) == own_after
        await harness.admin.faults()
        auto = await harness.preview("sis_looks_publish", {"is_active_from": True, "target_active": False})
        assert auto.status is PreviewStatus.READY, auto.error
        assert (await harness.commit(auto)).status is CommitStatus.COMMITTED
        assert await harness.admin.applies("looks_publish_apply") == 1
    finally:
        await state.close()


async def test_sis_mode_without_sis_configured_refuses_clearly(
    harness: Harness, make_settings: Callable[..., Settings], ownerbot_db_url: str
) -> None:
    settings = make_settings(
        database_url=ownerbot_db_url,
        owner_ids=[harness.settings.owner_ids[0]],
        upstream_mode=UpstreamMode.AUTO,
        shop_currency="EUR",
    )
    engine = create_engine(settings)
    try:
        upstream = UpstreamModeService(
            settings, MemoryStateStore(), session_factory=create_session_factory(engine)
        )
        services = build_action_services(settings, engine, None, None, upstream=upstream)
        outcome = await services.pipeline.preview(
            _request(settings.owner_ids[0], "sis_prices_bump", {"bump_percent": "5"})
        )
        assert outcome.status is PreviewStatus.REJECTED
        assert outcome.error is not None and outcome.error.code is ErrorCode.SIS_UNAVAILABLE
        assert "not configured" in outcome.error.message and "DEMO" in outcome.error.message
    finally:
        await engine.dispose()


async def test_without_a_mode_service_the_configured_mode_is_used(harness: Harness) -> None:
    """The CLI wiring: configured SIS_HTTP acts on SIS through the process-wide client."""
    await close_sis_client()  # a client left by another test would point at another simulator
    services = build_action_services(harness.settings, harness.engine, None, None)
    harness.services = services
    try:
        outcome = await harness.preview("sis_looks_publish", {"is_active_from": True, "target_active": False})
        assert outcome.status is PreviewStatus.READY, outcome.error
        assert (await harness.commit(outcome)).status is CommitStatus.COMMITTED
        assert await harness.admin.applies("looks_publish_apply") == 1
    finally:
        await close_sis_client()


def _request(actor: int, action: str, payload: dict[str, object]) -> ActionRequest:
    return ActionRequest(action=action, payload=payload, actor_id=actor, chat_id=actor)


async def test_a_preview_from_one_shop_is_never_committed_on_the_other(harness: Harness) -> None:
    """Previewed on SIS (ids bound from SIS), mode switched to DEMO before the confirm: refused."""
    own_before = _statuses(await products_in(harness.session_factory))
    outcome = await harness.preview("sis_products_publish", HIDE_LOW_STOCK)
    assert outcome.status is PreviewStatus.READY, outcome.error

    await harness.upstream.set_mode(UpstreamMode.DEMO)
    result = await harness.commit(outcome)

    assert result.status is CommitStatus.FAILED
    assert result.error is not None and result.error.code is ErrorCode.VALIDATION_ERROR
    assert "SIS → DEMO" in result.error.message
    assert _statuses(await products_in(harness.session_factory)) == own_before
    assert await harness.admin.requests("products_publish_apply") == 0
