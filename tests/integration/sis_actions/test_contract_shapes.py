"""A SIS that answers only the contract's own fields (no OwnerBot extras): answers still parse.

The transport is an in-process `httpx.MockTransport` standing in for a real SIS; it records the requests
so the test can check what OwnerBot sends (headers, body fields, decimals as strings).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ownerbot.upstream.catalog import BumpParams, CatalogForceRequired, CatalogUpstreamError, RepriceParams
from ownerbot.upstream.sis.catalog_actions import SisCatalogActions
from ownerbot.upstream.sis.client import SisClient

KEY = "contract-key-0123456789"


class FakeSis:
    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers[request.url.path.removeprefix("/ownerbot/v1/actions")]
        return httpx.Response(status, json=body)


def _catalog(fake: FakeSis) -> tuple[SisCatalogActions, SisClient]:
    client = SisClient("http://sis.test", KEY, max_retries=0, transport=httpx.MockTransport(fake))
    return SisCatalogActions(client, shop_id=7, currency="EUR", preview_actor_id=11), client


async def test_contract_only_bodies_parse_and_requests_follow_the_contract() -> None:
    fake = FakeSis(
        {
            "/prices/bump/preview": (
                200,
                {
                    "affected_count": 2,
                    "max_delta_pct": "10.5",
                    "warnings": [{"code": "MISSING_PRICE_SKIPPED", "message": "1 skipped"}],
                    "examples": [{"id": "5", "before": "10.00", "after": "11.05", "delta_pct": "10.5"}],
                    "summary": {"text": "2 prices"},
                },
            ),
            "/prices/bump/apply": (200, {"status": "committed", "action_id": 3, "summary": "done"}),
        }
    )
    catalog, client = _catalog(fake)
    try:
        preview = await catalog.prices_bump_preview(BumpParams(bump_percent=Decimal("10.5")))
        applied = await catalog.prices_bump_apply(
            BumpParams(bump_percent=Decimal("10.5")), actor_id=42, now=datetime.now(UTC)
        )
    finally:
        await client.aclose()

    assert preview.affected_count == 2 and preview.max_delta_pct == Decimal("10.5")
    assert preview.currency == "EUR" and preview.warnings == ["MISSING_PRICE_SKIPPED"]
    assert preview.examples[0].id == 5 and preview.examples[0].after == Decimal("11.05")
    assert applied.status == "committed" and applied.action_id == 3
    first, second = fake.requests
    body = json.loads(first.content)
    assert body["shop_id"] == 7 and body["actor_tg_id"] == 11 and body["bump_percent"] == "10.5"
    assert first.headers["X-OWNERBOT-KEY"] == KEY and first.headers["X-ACTOR-TG-ID"] == "11"
    assert first.headers["X-CORRELATION-ID"]
    assert json.loads(second.content)["actor_tg_id"] == 42 and second.headers["X-ACTOR-TG-ID"] == "42"


async def test_409_anomaly_carries_sis_numbers_and_403_says_why() -> None:
    anomaly = {"threshold_pct": "25", "max_delta_pct": "80", "over_threshold_count": 3}
    fake = FakeSis(
        {
            "/reprice/apply": (409, {"detail": "anomaly: force required", "anomaly": anomaly}),
            "/reprice/preview": (403, {"detail": "shop_id 7 is not allowed for this key"}),
        }
    )
    catalog, client = _catalog(fake)
    params = RepriceParams(rate_set_id="r1", input_currency="USD", shop_currency="EUR")
    try:
        with pytest.raises(CatalogForceRequired) as forced:
            await catalog.reprice_apply(params, force=False, actor_id=42, now=datetime.now(UTC))
        with pytest.raises(CatalogUpstreamError) as denied:
            await catalog.reprice_preview(params)
    finally:
        await client.aclose()

    assert forced.value.anomaly.over_threshold_count == 3
    assert forced.value.anomaly.max_delta_pct == Decimal("80")
    assert denied.value.code == "SIS_AUTH_ERROR" and "shop_id 7 is not allowed" in denied.value.message
    assert json.loads(fake.requests[0].content)["force"] is False
