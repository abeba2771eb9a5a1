"""The signed push endpoint over real HTTP, storing into PostgreSQL and SQLite."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.upstream.sis.events import EventSink
from ownerbot.upstream.sis.push_server import PUSH_PATH, SIGNATURE_HEADER, PushServer, sign
from tests.integration.sis_events.conftest import T0, envelope, hours

SECRET = "push-secret-for-tests-0123"


@pytest.fixture
async def push(sink: EventSink) -> AsyncIterator[httpx.AsyncClient]:
    server = PushServer(sink, SECRET, "127.0.0.1:0")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
            yield client
    finally:
        await server.stop()


async def post(
    client: httpx.AsyncClient, body: Any, *, signature: str | None = "good", raw: bytes | None = None
) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "good":
        headers[SIGNATURE_HEADER] = "sha256=" + sign(SECRET, content)
    elif signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return await client.post(PUSH_PATH, content=content, headers=headers)


async def test_a_signed_push_is_stored_and_a_repeat_is_a_duplicate(
    push: httpx.AsyncClient, repository: SisEventRepository
) -> None:
    events = [envelope("p-1", "ORDER_CREATED", T0), envelope("p-2", "NOT_IN_THE_CONTRACT", T0)]
    first = await post(push, events)
    assert first.status_code == 200
    assert first.json() | {"ok": True} == {
        "ok": True,
        "received": 2,
        "stored": 1,
        "duplicates": 0,
        "ignored": 1,
        "malformed": 0,
    }
    # One object, not a list; a plain upper-case hex signature this time.
    content = json.dumps(events[0]).encode()
    again = await push.post(
        PUSH_PATH, content=content, headers={SIGNATURE_HEADER: sign(SECRET, content).upper()}
    )
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert await repository.count() == 1


async def test_pushed_then_pulled_is_stored_once(
    push: httpx.AsyncClient, sink: EventSink, repository: SisEventRepository
) -> None:
    event = envelope("both-1", "PAYMENT_CONFIRMED", T0 + hours(1), amount="3.00")
    assert (await post(push, event)).status_code == 200
    pulled = await sink.accept([event], channel="pull", strict=False, cursor="c-1")
    assert (pulled.stored, pulled.duplicates) == (0, 1)
    assert await repository.count() == 1 and await repository.cursor() == "c-1"


@pytest.mark.parametrize("signature", [None, "", "sha256=" + "0" * 64, "not-hex", "sha256="])
async def test_missing_or_wrong_signatures_are_401(
    push: httpx.AsyncClient, repository: SisEventRepository, signature: str | None
) -> None:
    response = await post(push, envelope("s-1", "ORDER_CREATED", T0), signature=signature)
    assert response.status_code == 401
    assert SIGNATURE_HEADER in response.json()["error"]["message"]
    assert SECRET not in response.text
    assert await repository.count() == 0


async def test_a_signature_of_another_body_is_401(push: httpx.AsyncClient) -> None:
    signed = json.dumps(envelope("s-2", "ORDER_CREATED", T0)).encode()
    tampered = json.dumps(envelope("s-2", "ORDER_CREATED", T0 + hours(1))).encode()
    response = await push.post(
        PUSH_PATH, content=tampered, headers={SIGNATURE_HEADER: "sha256=" + sign(SECRET, signed)}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", "body"),
        (b'{"event_id": "n-1", "amount": NaN}', "body"),
        (json.dumps(envelope("n-2", "ORDER_CREATED", T0, note="a\u0000b")).encode(), "body"),
        (b"42", "body"),
        (b"[]", "body"),
        (json.dumps({"event_name": "ORDER_CREATED"}).encode(), "event_id"),
        (
            json.dumps(
                [
                    envelope("b-1", "ORDER_CREATED", T0),
                    {**envelope("b-2", "X", T0), "occurred_at": "yesterday"},
                ]
            ).encode(),
            "events[1].occurred_at",
        ),
        (
            json.dumps({**envelope("b-3", "ORDER_CREATED", T0), "schema_version": "one"}).encode(),
            "schema_version",
        ),
        (json.dumps({**envelope("b-4", "ORDER_CREATED", T0), "properties": [1]}).encode(), "properties"),
    ],
)
async def test_bad_bodies_are_400_naming_the_field(
    push: httpx.AsyncClient, repository: SisEventRepository, raw: bytes, field: str
) -> None:
    response = await post(push, None, raw=raw)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith(f"{field}:"), message
    assert await repository.count() == 0


async def test_storage_failure_is_503_not_500(sink: EventSink, repository: SisEventRepository) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> int:
        raise OSError("database went away")

    repository.store = broken  # type: ignore[method-assign]
    server = PushServer(sink, SECRET, "127.0.0.1:0")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
            response = await post(client, envelope("f-1", "ORDER_CREATED", T0))
    finally:
        await server.stop()
    assert response.status_code == 503


async def test_an_oversized_body_is_413(push: httpx.AsyncClient) -> None:
    body = b"[" + b" " * (2 * 1024 * 1024) + b"]"
    response = await push.post(PUSH_PATH, content=body, headers={SIGNATURE_HEADER: sign(SECRET, body)})
    assert response.status_code == 413
