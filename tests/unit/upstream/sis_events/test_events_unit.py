"""Envelope parsing, signatures, listen addresses, the pull loop's guard and the ingestion wiring."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ownerbot.config.settings import Settings, SettingsError, load_settings
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.client import close_sis_client
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.event_ingestion import EventPullLoop, FailureThrottle, build_event_ingestion
from ownerbot.upstream.sis.event_readers import order_states
from ownerbot.upstream.sis.events import EventFieldError, EventIngestor, PullReport, parse_event
from ownerbot.upstream.sis.push_server import parse_listen, sign, signature_valid

GOOD: dict[str, Any] = {
    "event_id": "e-1",
    "event_name": "ORDER_DUE_SNAPSHOT",
    "schema_version": 2,
    "occurred_at": "2026-03-01T10:00:00+01:00",
    "business_id": 7,
    "subject_type": "order",
    "subject_id": 42,
    "properties": {"payment_stage": "deposit_due"},
    "a_field_from_the_future": True,
}


def test_parse_keeps_the_whole_envelope_and_normalises_ids() -> None:
    event = parse_event(GOOD)
    assert event.occurred_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert (event.subject_id, event.business_id, event.schema_version) == ("42", "7", 2)
    assert event.envelope["a_field_from_the_future"] is True
    assert event.properties == {"payment_stage": "deposit_due"}
    assert parse_event({**GOOD, "occurred_at": "2026-03-01T09:00:00Z"}).occurred_at == event.occurred_at
    assert parse_event({k: v for k, v in GOOD.items() if k != "schema_version"}).schema_version == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": None}, "event_id"),
        ({"event_id": "  "}, "event_id"),
        ({"event_id": "x" * 201}, "event_id"),
        ({"event_name": ["A"]}, "event_name"),
        ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": "soon"}, "occurred_at"),
        ({"occurred_at": 1700000000}, "occurred_at"),
        ({"schema_version": True}, "schema_version"),
        ({"schema_version": 0}, "schema_version"),
        ({"context": "x"}, "context"),
        ({"subject_type": "s" * 33}, "subject_type"),
    ],
)
def test_parse_names_the_bad_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(EventFieldError) as caught:
        parse_event({**GOOD, **change})
    assert caught.value.field == field
    assert caught.value.at("events[3]").field == f"events[3].{field}"


def test_parse_refuses_a_non_object() -> None:
    with pytest.raises(EventFieldError, match="event: expected a JSON object"):
        parse_event(["not", "an", "object"])


def test_signature_accepts_hex_with_or_without_prefix_in_any_case() -> None:
    body = b'{"event_id":"1"}'
    digest = sign("s3cret", body)
    assert len(digest) == 64
    for header in (digest, f"sha256={digest}", digest.upper(), f"SHA256={digest}", f"  {digest} "):
        assert signature_valid(b"s3cret", body, header), header
    for wrong in (None, "", digest[:-1], sign("other", body), f"sha1={digest}", "sha256="):
        assert not signature_valid(b"s3cret", body, wrong), wrong
    assert not signature_valid(b"s3cret", body + b" ", digest)


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:8081") == ("127.0.0.1", 8081)
    assert parse_listen(":9000") == ("0.0.0.0", 9000)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    for bad in ("8081", "host:", "host:http", "h:70000"):
        with pytest.raises(ValueError):
            parse_listen(bad)


def test_push_settings_are_validated_and_the_secret_is_redacted(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = make_settings(
        sis_events_push_secret="  push-key-123  ", sis_events_push_listen=" 0.0.0.0:8090 "
    )
    assert settings.sis_events_push_secret is not None
    assert settings.sis_events_push_secret.get_secret_value() == "push-key-123"
    assert settings.sis_events_push_listen == "0.0.0.0:8090"
    assert "push-key-123" in settings.secret_values()
    assert "push-key-123" not in repr(settings)
    assert make_settings(sis_events_push_secret=" ", sis_events_push_listen="").sis_events_push_secret is None
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OWNER_IDS", "1")
    monkeypatch.setenv("SIS_EVENTS_PUSH_LISTEN", "nowhere")
    with pytest.raises(SettingsError, match="SIS_EVENTS_PUSH_LISTEN"):
        load_settings()


def test_order_state_folds_out_of_order_events() -> None:
    def ev(event_id: str, name: str, hour: int, **props: Any) -> Any:
        return parse_event(
            {
                "event_id": event_id,
                "event_name": name,
                "occurred_at": f"2026-03-01T{hour:02d}:00:00+00:00",
                "subject_type": "order",
                "subject_id": "9",
                "properties": props,
            }
        )

    events = [
        ev("d", "ORDER_DUE_SNAPSHOT", 9, payment_stage="balance_due", due_now="70.00", amount_paid="30.00"),
        ev("a", "ORDER_CREATED", 1, total_amount="100.00", payment_plan="deposit"),
        ev("c", "ORDER_DUE_SNAPSHOT", 5, payment_stage="balance_due", due_now="70.00", amount_paid="30.00"),
        ev("b", "ORDER_DUE_SNAPSHOT", 2, payment_stage="deposit_due", due_now="30.00"),
    ]
    state = order_states(events)["9"]
    assert (state.payment_stage, str(state.due_now), str(state.paid)) == ("balance_due", "70.00", "30.00")
    assert state.stage_entered_at == datetime(2026, 3, 1, 5, tzinfo=UTC)  # first snapshot of the run
    assert state.created_at == datetime(2026, 3, 1, 1, tzinfo=UTC)
    assert state.payment_plan == "deposit"


def test_failure_throttle_logs_once_per_period_and_on_change() -> None:
    now = [0.0]
    throttle = FailureThrottle(every_sec=600, clock=lambda: now[0])
    assert throttle.failed("sis:SIS_UNAVAILABLE")
    now[0] = 10
    assert not throttle.failed("sis:SIS_UNAVAILABLE")
    assert throttle.failed("sis:SIS_AUTH_ERROR")  # a different failure is news
    now[0] = 700
    assert throttle.failed("sis:SIS_AUTH_ERROR")
    assert throttle.recovered() and not throttle.recovered()


class FakeIngestor:
    """Plays `outcomes` (the last one repeats); `done` is set once every planned pass has finished."""

    def __init__(self, outcomes: list[Exception | PullReport]) -> None:
        self.outcomes = outcomes
        self.calls = 0
        self.done = asyncio.Event()

    async def pull_once(self) -> PullReport:
        self.calls += 1
        outcome = self.outcomes[min(self.calls, len(self.outcomes)) - 1]
        if self.calls > len(self.outcomes):  # every planned pass has finished (and logged)
            self.done.set()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


REPORT = PullReport(pages=1, received=0, stored=0, ignored=0, malformed=0, cursor="c", more=False)


async def test_the_loop_survives_failures_and_stops_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeIngestor(
        [
            SisError(ErrorCode.SIS_UNAVAILABLE, "down", endpoint="events", transient=True),
            SisError(ErrorCode.SIS_UNAVAILABLE, "down", endpoint="events", transient=True),
            RuntimeError("database hiccup"),
            REPORT,
        ]
    )
    caplog.set_level(logging.INFO, logger="ownerbot.upstream.sis.event_ingestion")
    loop = EventPullLoop(fake, interval=0.001)  # type: ignore[arg-type]
    loop.start()
    await asyncio.wait_for(fake.done.wait(), timeout=5)
    await loop.stop()
    assert not loop.running and fake.calls >= 4
    failed = [r for r in caplog.records if r.message == "sis_events_pull_failed"]
    assert len(failed) == 1  # the repeat of the same failure was throttled
    assert any(r.message == "sis_events_pull_error" for r in caplog.records)
    assert any(r.message == "sis_events_pull_recovered" for r in caplog.records)


async def test_the_loop_does_not_pull_while_inactive() -> None:
    fake = FakeIngestor([REPORT])
    active = [False]  # the test drives `tick()` by hand
    loop = EventPullLoop(fake, interval=60, active=lambda: active[0])  # type: ignore[arg-type]
    assert await loop.tick() is None and fake.calls == 0
    active[0] = True
    assert await loop.tick() == REPORT and fake.calls == 1


async def test_stop_interrupts_the_wait_at_once() -> None:
    loop = EventPullLoop(FakeIngestor([REPORT]), interval=3600)  # type: ignore[arg-type]
    loop.start()
    assert loop.running
    await asyncio.wait_for(loop.stop(), timeout=2)
    assert not loop.running


async def test_wiring_follows_the_settings(make_settings: Callable[..., Settings]) -> None:
    factory: Any = object()  # never queried while wiring
    assert build_event_ingestion(make_settings(), factory, active=lambda: True) is None
    try:
        pulling = build_event_ingestion(
            make_settings(sis_base_url="http://sis.invalid", sis_ownerbot_api_key="k" * 8),
            factory,
            active=lambda: True,
        )
        assert pulling is not None and pulling.pull is not None and pulling.push is None
        assert isinstance(pulling.pull._ingestor, EventIngestor)
    finally:
        await close_sis_client()
    pushing = build_event_ingestion(
        make_settings(sis_events_push_secret="secret-1", sis_events_push_listen="127.0.0.1:0"),
        factory,
        active=lambda: True,
    )
    assert pushing is not None and pushing.pull is None and pushing.push is not None
    only_secret = make_settings(sis_events_push_secret="secret-1")
    assert build_event_ingestion(only_secret, factory, active=lambda: True) is None
