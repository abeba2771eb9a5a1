"""Contract tests of the Actions API: both body styles, real side effects, allowlists, the anomaly 409,
no blind retries of applies, and Idempotency-Key semantics of `/fx/apply` (counted at the simulator)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ownerbot.sis_sim.server import RunningSimulator
from ownerbot.sis_sim.state import SimConfig
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.errors import SisError
from tests.integration.sis_sim.conftest import OWNER, SIM_KEY, SimAdmin

pytest.importorskip("ownerbot.upstream.demo.catalog_ops")


@pytest.fixture(params=["envelope", "legacy"])
def sim_config(request: pytest.FixtureRequest) -> SimConfig:
    return SimConfig(api_key=SIM_KEY, allowed_actors=frozenset({OWNER}), body_style=request.param)


async def _rate_set(client: SisClient) -> str:
    status = await client.action("fx_status", actor_tg_id=OWNER)
    rate_set: str = status.data["last_snapshot"]["rate_set_id"]
    return rate_set


async def test_previews_and_applies_in_both_body_styles(
    make_client: Callable[..., SisClient], admin: SimAdmin, sim_config: SimConfig
) -> None:
    client = make_client()
    bump = {"bump_percent": "10", "rounding_mode": "CEIL_INT"}
    preview = await client.action("prices_bump_preview", bump, actor_tg_id=OWNER)
    assert preview.style == sim_config.body_style
    assert preview.drift == []
    assert preview.data["affected_count"] > 0
    first = preview.data["examples"][0]
    applied = await client.action("prices_bump_apply", bump, actor_tg_id=OWNER)
    assert applied.status == "committed" and applied.drift == []
    assert applied.data["affected_count"] == preview.data["affected_count"]
    if sim_config.body_style == "envelope":
        assert applied.request_hash and applied.correlation_id
    again = await client.action("prices_bump_preview", bump, actor_tg_id=OWNER)
    assert next(e for e in again.data["examples"] if e["id"] == first["id"])["before"] == first["after"]
    assert await admin.applies("prices_bump_apply") == 1

    for family, body in (
        ("products_publish", {"status_from": "HIDDEN", "target_status": "ACTIVE", "reason": "t"}),
        ("looks_publish", {"is_active_from": False, "target_active": True}),
        ("discounts_set", {"only_active": True, "stock_lte": 3, "discount_percent": 10}),
        ("discounts_clear", {"only_active": True}),
    ):
        preview = await client.action(f"{family}_preview", body, actor_tg_id=OWNER)
        applied = await client.action(f"{family}_apply", body, actor_tg_id=OWNER)
        assert applied.status == "committed", family
        assert applied.data["affected_count"] == preview.data["affected_count"] > 0, family
        assert preview.drift == applied.drift == []
        after = await client.action(f"{family}_preview", body, actor_tg_id=OWNER)
        assert after.data["affected_count"] == 0, family
        assert await admin.applies(f"{family}_apply") == 1

    settings = await client.action(
        "fx_settings", {"updates": {"min_apply_cooldown_hours": 3}}, actor_tg_id=OWNER
    )
    assert settings.data["settings"]["min_apply_cooldown_hours"] == 3
    with pytest.raises(SisError) as caught:
        await client.action("fx_settings", {"updates": {"not_a_setting": 1}}, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


async def test_reprice_anomaly_force_and_rollback(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    client = make_client()
    body = {
        "rate_set_id": await _rate_set(client),
        "input_currency": "USD",
        "shop_currency": "EUR",
        "markup_percent": "60",
    }
    preview = await client.action("reprice_preview", body, actor_tg_id=OWNER)
    assert preview.data["anomaly"]["over_threshold_count"] > 0
    with pytest.raises(SisError) as caught:
        await client.action("reprice_apply", body, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.ANOMALY_FORCE_REQUIRED
    assert "25" in caught.value.owner_text
    assert caught.value.payload is not None
    anomaly: Any = caught.value.payload["anomaly"]
    assert anomaly["over_threshold_count"] == preview.data["anomaly"]["over_threshold_count"]
    assert await admin.applies("reprice_apply") == 0
    applied = await client.action("reprice_apply", {**body, "force": True}, actor_tg_id=OWNER)
    assert applied.status == "committed" and applied.data["rollback_available"]
    rollback = await client.action("rollback_preview", {}, actor_tg_id=OWNER)
    assert rollback.data["affected_count"] == applied.data["affected_count"]
    done = await client.action("rollback_apply", {}, actor_tg_id=OWNER)
    assert done.status == "committed"
    again = await client.action("rollback_apply", {}, actor_tg_id=OWNER)
    assert again.status == "already_rolled_back"
    assert await admin.applies("rollback_apply") == 1

    with pytest.raises(SisError) as caught:
        await client.action("reprice_preview", {**body, "rate_set_id": "rs-nope"}, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.VALIDATION_ERROR


async def test_validation_and_allowlists(
    make_client: Callable[..., SisClient], sim: RunningSimulator
) -> None:
    client = make_client()
    with pytest.raises(SisError) as caught:
        await client.action("discounts_set_preview", {"discount_percent": 0}, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.VALIDATION_ERROR
    assert "discount_percent" in caught.value.owner_text
    with pytest.raises(SisError) as caught:
        await client.action("prices_bump_preview", {"bump_percent": "5"}, actor_tg_id=999)
    assert caught.value.code is ErrorCode.SIS_AUTH_ERROR
    assert caught.value.owner_text == "actor 999 is not an admin of this shop"
    with pytest.raises(SisError) as caught:
        await client.action("prices_bump_preview", {"bump_percent": "5", "shop_id": 2}, actor_tg_id=OWNER)
    assert caught.value.owner_text == "shop_id 2 is not allowed for this key"
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        path = "/ownerbot/v1/actions/prices/bump/preview"
        assert (await http.post(path, json={})).status_code == 401
        wrong = await http.post(path, json={}, headers={"X-OWNERBOT-KEY": "bad"})
        assert wrong.status_code == 403
        read_key = await http.post(path, json={}, headers={"X-API-Key": SIM_KEY})
        assert read_key.status_code == 401
        no_actor = await http.post(path, json={"bump_percent": "1"}, headers={"X-OWNERBOT-KEY": SIM_KEY})
        assert no_actor.status_code == 422


async def test_fx_apply_same_idempotency_key_is_one_effect(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    client = make_client()
    body = {"rate_set_id": await _rate_set(client), "input_currency": "EUR", "shop_currency": "EUR"}
    await client.action("reprice_apply", {**body, "force": True}, actor_tg_id=OWNER)  # the baseline
    request: dict[str, Any] = {"refresh_snapshot": True, "force_apply": True, "force": True}
    first = await client.action("fx_apply", request, actor_tg_id=OWNER, idempotency_key="claim-77")
    second = await client.action("fx_apply", request, actor_tg_id=OWNER, idempotency_key="claim-77")
    assert second.data["replayed"] is True
    assert {k: v for k, v in second.data.items() if k != "replayed"} == {
        k: v for k, v in first.data.items() if k != "replayed"
    }
    assert await admin.requests("fx_apply") == 2
    assert await admin.applies("fx_apply") == (1 if first.status == "committed" else 0)
    with pytest.raises(SisError) as caught:
        await client.action("fx_apply", {"force_apply": False}, actor_tg_id=OWNER, idempotency_key="claim-77")
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    async with httpx.AsyncClient(base_url=client.base_url) as http:
        response = await http.post(
            "/ownerbot/v1/actions/fx/apply", json={"actor_tg_id": OWNER}, headers={"X-OWNERBOT-KEY": SIM_KEY}
        )
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["detail"]


async def test_apply_is_not_retried_on_a_reset_after_sending(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(reset=True, only_families=["prices_bump"])
    client = make_client(max_retries=3)
    bump = {"bump_percent": "5"}
    with pytest.raises(SisError) as caught:
        await client.action("prices_bump_apply", bump, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert caught.value.outcome_unknown
    assert "check" in caught.value.owner_text
    assert await admin.requests("prices_bump_apply") == 1
    assert await admin.applies("prices_bump_apply") == 1  # it did happen: the owner must check, not repeat
    # A preview is safe: the same fault is retried.
    with pytest.raises(SisError):
        await client.action("prices_bump_preview", bump, actor_tg_id=OWNER)
    assert await admin.requests("prices_bump_preview") == 4


async def test_apply_is_not_retried_on_5xx_but_preview_is(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(error_rate=1.0, error_status=503)
    client = make_client(max_retries=2)
    for key in ("discounts_clear_apply", "discounts_clear_preview"):
        with pytest.raises(SisError) as caught:
            await client.action(key, {"only_active": True}, actor_tg_id=OWNER)
        assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert await admin.requests("discounts_clear_apply") == 1
    assert await admin.requests("discounts_clear_preview") == 3
    assert await admin.applies("discounts_clear_apply") == 0


async def test_not_found_family_is_not_supported(
    make_client: Callable[..., SisClient], admin: SimAdmin
) -> None:
    await admin.faults(not_found_families=["looks_publish"])
    client = make_client()
    with pytest.raises(SisError) as caught:
        await client.action("looks_publish_preview", {"target_active": True}, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.NOT_SUPPORTED
    await client.action("fx_status", actor_tg_id=OWNER)


async def test_without_catalog_operations_action_families_are_not_supported(
    make_client: Callable[..., SisClient], sim: RunningSimulator
) -> None:
    sim.state.catalog = None
    with pytest.raises(SisError) as caught:
        await make_client().action("prices_bump_preview", {"bump_percent": "5"}, actor_tg_id=OWNER)
    assert caught.value.code is ErrorCode.NOT_SUPPORTED


def test_config_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SimConfig(api_key="k").body_style = "legacy"  # type: ignore[misc]
