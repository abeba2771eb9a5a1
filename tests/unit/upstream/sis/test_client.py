"""The SIS client against a scripted transport: headers, retries only for safe calls, body styles, breaker."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import (
    CIRCUIT_OPEN_DETAIL,
    SisClient,
    close_sis_client,
    connect_timeout_for,
    get_sis_client,
)
from ownerbot.upstream.sis.errors import SisError

KEY = "sis-secret-key-123456"
ENVELOPE = {
    "as_of": "2026-03-30T10:00:00Z",
    "data": {
        "revenue_gross": "10.00",
        "revenue_net": "10.00",
        "orders_created": 1,
        "orders_paid": 1,
        "aov": "10.00",
        "refunds": "0.00",
        "currency": "EUR",
    },
    "provenance": {"sources": ["sis:kpi"], "window": {"from": "2026-03-30"}, "filters_hash": "x"},
    "warnings": [],
}

Responder = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Script:
    """Answers requests from a list of steps (a response or an exception); the last step repeats."""

    def __init__(self, *steps: httpx.Response | Exception | Responder) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def make_client(script: Script, **options: Any) -> tuple[SisClient, list[float]]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    defaults: dict[str, Any] = {"timeout_sec": 2.0, "max_retries": 2, "backoff_base_sec": 0.1, "sleep": sleep}
    client = SisClient(
        "http://sis.test/", KEY, transport=httpx.MockTransport(script), **{**defaults, **options}
    )
    return client, sleeps


def ok(body: Any = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=ENVELOPE if body is None else body)


async def test_read_headers_and_params() -> None:
    script = Script(ok())
    client, _ = make_client(script)
    from datetime import date

    result = await client.kpi_summary(date(2026, 3, 1), date(2026, 3, 30), "Europe/Berlin")
    request = script.requests[0]
    assert request.url.path == "/ownerbot/v1/kpi/summary"
    assert request.url.params["from"] == "2026-03-01" and request.url.params["tz"] == "Europe/Berlin"
    assert request.headers["X-API-Key"] == KEY
    assert "X-OWNERBOT-KEY" not in request.headers
    assert request.headers["X-CORRELATION-ID"]
    assert result.data["revenue_gross"] == "10.00"
    assert result.provenance.sources == ["sis:kpi"]
    assert result.drift == []
    await client.aclose()


async def test_action_headers_body_and_idempotency_key() -> None:
    script = Script(ok({"status": "committed", "would_apply": True}))
    client, _ = make_client(script)
    await client.action("fx_apply", {"refresh_snapshot": True}, actor_tg_id=77, idempotency_key="claim-1")
    request = script.requests[0]
    assert request.url.path == "/ownerbot/v1/actions/fx/apply"
    assert request.headers["X-OWNERBOT-KEY"] == KEY
    assert "X-API-Key" not in request.headers
    assert request.headers["X-ACTOR-TG-ID"] == "77"
    assert request.headers["Idempotency-Key"] == "claim-1"
    assert json.loads(request.content) == {"refresh_snapshot": True, "actor_tg_id": 77}
    with pytest.raises(ValueError, match="Idempotency-Key"):
        await client.action("fx_apply", {}, actor_tg_id=77)
    with pytest.raises(ValueError, match="not an Actions API endpoint"):
        await client.action("funnel", {})
    with pytest.raises(ValueError, match="not a read gateway endpoint"):
        await client.read("fx_status")
    assert len(script.requests) == 1
    await client.aclose()


async def test_safe_read_is_retried_on_transient_failures_with_backoff() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(503), ok())
    client, sleeps = make_client(script)
    result = await client.read("kpi_summary")
    assert result.data["orders_paid"] == 1
    assert len(script.requests) == 3
    assert len(sleeps) == 2 and all(s >= 0.1 for s in sleeps)
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    await client.aclose()


async def test_retries_stop_at_max_retries() -> None:
    script = Script(httpx.Response(502, text="<html><body>Bad gateway</body></html>"))
    client, _ = make_client(script, max_retries=1)
    with pytest.raises(SisError) as caught:
        await client.read("funnel")
    assert len(script.requests) == 2
    assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert "<" not in caught.value.owner_text
    await client.aclose()


async def test_non_transient_errors_are_not_retried() -> None:
    for status in (401, 403, 404, 422, 500):
        script = Script(httpx.Response(status, json={"detail": "nope"}))
        client, _ = make_client(script)
        with pytest.raises(SisError):
            await client.read("funnel")
        assert len(script.requests) == 1, status
        await client.aclose()


async def test_apply_is_not_retried_after_the_request_was_sent() -> None:
    for failure in (
        httpx.Response(503),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("slow"),
    ):
        script = Script(failure, ok({"status": "committed"}))
        client, _ = make_client(script)
        with pytest.raises(SisError) as caught:
            await client.action("prices_bump_apply", {"bump_percent": "5"}, actor_tg_id=1)
        assert len(script.requests) == 1
        assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
        assert caught.value.outcome_unknown is (not isinstance(failure, httpx.Response))
        await client.aclose()


async def test_decimal_inputs_travel_as_strings() -> None:
    from decimal import Decimal

    script = Script(ok({"affected_count": 1, "examples": [], "warnings": [], "summary": ""}))
    client, _ = make_client(script)
    await client.action("prices_bump_preview", {"bump_percent": Decimal("7.5")}, actor_tg_id=1)
    assert json.loads(script.requests[0].content)["bump_percent"] == "7.5"
    assert script.requests[0].headers["Content-Type"] == "application/json"
    with pytest.raises(TypeError):
        await client.action("prices_bump_preview", {"bump_percent": object()}, actor_tg_id=1)
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    await client.aclose()


async def test_apply_is_retried_when_the_request_never_left() -> None:
    script = Script(httpx.ConnectError("refused"), ok({"status": "committed", "action_id": 3}))
    client, _ = make_client(script)
    result = await client.action("prices_bump_apply", {"bump_percent": "5"}, actor_tg_id=1)
    assert len(script.requests) == 2
    assert result.status == "committed" and result.style == "legacy"
    await client.aclose()


async def test_apply_with_idempotency_key_is_retried() -> None:
    script = Script(httpx.ReadTimeout("slow"), ok({"status": "committed", "would_apply": True}))
    client, _ = make_client(script)
    result = await client.action("fx_apply", {}, actor_tg_id=1, idempotency_key="k1")
    assert len(script.requests) == 2
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["k1", "k1"]
    assert result.status == "committed"
    await client.aclose()


async def test_preview_is_retried_on_429() -> None:
    script = Script(
        httpx.Response(429), ok({"affected_count": 0, "examples": [], "warnings": [], "summary": ""})
    )
    client, _ = make_client(script)
    result = await client.action("discounts_set_preview", {"discount_percent": 10}, actor_tg_id=1)
    assert len(script.requests) == 2
    assert result.data["affected_count"] == 0
    await client.aclose()


async def test_envelope_and_legacy_action_bodies() -> None:
    data = {"affected_count": 2, "examples": [], "warnings": ["W"], "summary": "s"}
    envelope = {
        "ok": True,
        "status": "preview",
        "correlation_id": "c1",
        "request_hash": "h",
        "warnings": ["W"],
        "data": data,
        "error": None,
    }
    for body, style in ((envelope, "envelope"), (data, "legacy")):
        client, _ = make_client(Script(ok(body)))
        result = await client.action("products_publish_preview", {"target_status": "HIDDEN"}, actor_tg_id=1)
        assert result.style == style
        assert result.data["affected_count"] == 2
        assert result.warnings == ["W"]
        await client.aclose()


async def test_envelope_error_maps_to_its_code() -> None:
    body = {
        "ok": False,
        "status": "error",
        "data": None,
        "error": {"code": "SIS_RATE_MISSING", "message": "no USD"},
    }
    client, _ = make_client(Script(ok(body)))
    with pytest.raises(SisError) as caught:
        await client.action("reprice_preview", {}, actor_tg_id=1)
    assert caught.value.code is ErrorCode.SIS_RATE_MISSING
    assert caught.value.detail == "no USD"
    await client.aclose()


async def test_missing_provenance_is_refused_and_not_a_breaker_failure() -> None:
    body = {k: v for k, v in ENVELOPE.items() if k != "provenance"}
    client, _ = make_client(Script(ok(body)), breaker_failures=1)
    with pytest.raises(SisError) as caught:
        await client.read("kpi_summary")
    assert caught.value.code is ErrorCode.PROVENANCE_INCOMPLETE
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    await client.aclose()


async def test_malformed_json_is_unavailable_and_not_retried() -> None:
    script = Script(
        httpx.Response(200, text='{"as_of": "2026-', headers={"content-type": "application/json"})
    )
    client, _ = make_client(script)
    with pytest.raises(SisError) as caught:
        await client.read("kpi_summary")
    assert caught.value.code is ErrorCode.SIS_UNAVAILABLE
    assert "malformed" in caught.value.detail
    assert len(script.requests) == 1
    await client.aclose()


async def test_drift_is_recorded_once_per_field() -> None:
    body = json.loads(json.dumps(ENVELOPE))
    del body["data"]["currency"]
    body["data"]["orders_paid"] = "lots"
    client, _ = make_client(Script(ok(body)))
    for _ in range(2):
        result = await client.read("kpi_summary")
    fields = {(w.endpoint, w.field) for w in result.drift}
    assert fields == {("kpi_summary", "data.currency"), ("kpi_summary", "data.orders_paid")}
    assert len(client.drift_warnings()) == 2
    status = client.status()
    assert status.base_url == "http://sis.test" and len(status.drift) == 2
    assert status.breaker.state is BreakerState.CLOSED
    await client.aclose()


async def test_breaker_opens_fails_fast_and_a_probe_closes_it() -> None:
    clock = Clock()
    healthy = {"on": False}

    def respond(request: httpx.Request) -> httpx.Response:
        if healthy["on"]:
            return ok()
        raise httpx.ConnectError("refused")

    script = Script(respond)
    client, _ = make_client(script, max_retries=0, breaker_failures=3, breaker_cooldown_sec=30, clock=clock)
    for _ in range(3):
        with pytest.raises(SisError):
            await client.read("kpi_summary")
    assert client.breaker.snapshot().state is BreakerState.OPEN
    sent = len(script.requests)
    with pytest.raises(SisError) as caught:
        await client.read("kpi_summary")
    assert caught.value.detail == CIRCUIT_OPEN_DETAIL
    assert len(script.requests) == sent  # failed fast, SIS not touched
    clock.now += 30
    healthy["on"] = True
    await client.read("kpi_summary")
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    assert len(script.requests) == sent + 1
    await client.aclose()


async def test_auth_and_validation_answers_keep_the_breaker_closed() -> None:
    client, _ = make_client(Script(httpx.Response(403, json={"detail": "bad key"})), breaker_failures=1)
    with pytest.raises(SisError) as caught:
        await client.read("kpi_summary")
    assert caught.value.code is ErrorCode.SIS_AUTH_ERROR and caught.value.detail == "bad key"
    assert client.breaker.snapshot().state is BreakerState.CLOSED
    await client.aclose()


async def test_ping_accepts_envelope_and_plain() -> None:
    plain = {"ok": True, "version": "9", "contract_version": "1.2"}
    wrapped = {**ENVELOPE, "data": plain}
    for body in (plain, wrapped):
        client, _ = make_client(Script(ok(body)))
        assert (await client.ping()).contract_version == "1.2"
        await client.aclose()


async def test_key_never_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(Script(httpx.Response(503)), max_retries=0)
    with pytest.raises(SisError):
        await client.read("kpi_summary")
    assert KEY not in repr(client)
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in json.dumps(record.__dict__, default=str)
    await client.aclose()


def test_connect_timeout_is_shorter() -> None:
    assert connect_timeout_for(15.0) == 3.0
    assert connect_timeout_for(0.5) < 0.5


async def test_one_shared_client_per_process(make_settings: Callable[..., Any]) -> None:
    settings = make_settings(sis_base_url="http://sis.test", sis_ownerbot_api_key=KEY)
    first = get_sis_client(settings)
    assert get_sis_client(settings) is first
    await close_sis_client()
    second = get_sis_client(settings)
    assert second is not first
    await close_sis_client()
    with pytest.raises(ValueError):
        SisClient.from_settings(make_settings())
