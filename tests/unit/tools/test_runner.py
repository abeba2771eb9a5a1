"""ToolRunner: every branch answers a ToolResponse with a stable code, and every call is audited."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.observability.correlation import correlation_scope
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import (
    Actor,
    ErrorCode,
    Tenant,
    ToolFailure,
    ToolKind,
    ToolRequest,
    ToolResponse,
    ToolResult,
    Window,
)
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec
from ownerbot.tools.runner import EVENT_FINISHED, EVENT_STARTED, ToolRunner, filters_hash, make_request
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable, UpstreamProvider
from ownerbot.upstream.factory import SIS_NOT_CONNECTED, build_provider

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
WINDOW = Window(from_="2025-03-04", to="2025-03-10", tz="Europe/Berlin")
Handler = Callable[[Any, ToolContext], Awaitable[ToolResult]]


class FakeProvider:
    """A provider the fake tools can ask; `sales` hands back whatever the test put there."""

    name = "FAKE"
    source_prefix = "fake:"

    def __init__(self) -> None:
        self.answer: Any = None

    @property
    def sales(self) -> Any:
        return self.answer

    @property
    def ops(self) -> Any:
        return self.answer


class KpiPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(7, ge=1, le=365)
    metric: Literal["revenue", "qty"] = "revenue"


class Recorder:
    """Collects what handlers saw, so tests can check the context the runner built."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ToolContext]] = []


def spec(
    name: str, handler: Handler, *, kind: ToolKind = ToolKind.READ, windowless: bool = False
) -> ToolSpec[Any]:
    return ToolSpec(
        name=name,
        kind=kind,
        payload_model=KpiPayload,
        description=f"{name} for tests",
        handler=handler,
        windowless=windowless,
    )


def request(
    tool: str, payload: dict[str, Any] | None = None, *, correlation_id: str = "cid-42"
) -> ToolRequest:
    return ToolRequest(
        tool=tool,
        correlation_id=correlation_id,
        actor=Actor(owner_user_id=777, role="owner"),
        tenant=Tenant(shop_id="9", currency="USD", timezone="Asia/Tokyo", locale="en-US"),
        payload=payload or {},
    )


def ok_result(payload: KpiPayload) -> ToolResult:
    return ToolResult(
        data={"revenue": Decimal("120.50"), "days": payload.days, "rows": [{"day": "2025-03-10", "qty": 3}]},
        sources=["fake:orders", "fake:payments"],
        window=WINDOW,
    )


class Ticker:
    """A latency timer that advances a fixed step per reading."""

    def __init__(self, step_sec: float) -> None:
        self.value = 100.0
        self.step = step_sec

    def __call__(self) -> float:
        self.value += self.step
        return self.value


def make_runner(
    *specs: ToolSpec[Any],
    provider: UpstreamProvider | None = None,
    provider_for: Callable[[], UpstreamProvider] | None = None,
    audit: AuditLog | None = None,
    timeout_sec: float = 5.0,
    services: dict[str, Any] | None = None,
    timer: Callable[[], float] | None = None,
) -> ToolRunner:
    fake = provider or FakeProvider()
    return ToolRunner(
        ToolRegistry(specs),
        provider_for=provider_for or (lambda: fake),
        audit=audit,
        clock=lambda: NOW,
        timeout_sec=timeout_sec,
        services=services,
        timer=timer or Ticker(0.001),
    )


def error_of(response: ToolResponse) -> ErrorCode:
    assert response.status == "error"
    assert response.error is not None
    return response.error.code


# -- ok --------------------------------------------------------------------------------------------


async def test_ok_answer_is_wrapped_with_as_of_and_provenance() -> None:
    recorder = Recorder()
    provider = FakeProvider()

    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        recorder.calls.append((payload, ctx))
        return ok_result(payload)

    runner = make_runner(spec("fake_kpi", kpi), provider=provider, services={"audit_repo": "svc"})
    response = await runner.run(request("fake_kpi", {"days": 30}))

    assert response.status == "ok"
    assert response.error is None
    assert response.tool == "fake_kpi"
    assert response.correlation_id == "cid-42"
    assert response.as_of == NOW
    assert response.data["revenue"] == Decimal("120.50")
    assert response.data["days"] == 30
    assert response.provenance.sources == ["fake:orders", "fake:payments"]
    assert response.provenance.window == WINDOW
    canonical = b'{"days":30,"metric":"revenue"}'
    assert response.provenance.filters_hash == hashlib.sha256(canonical).hexdigest()[:16]

    [(payload, ctx)] = recorder.calls
    assert isinstance(payload, KpiPayload)
    assert payload.days == 30
    assert ctx.now == NOW
    assert ctx.correlation_id == "cid-42"
    assert ctx.actor.owner_user_id == 777
    assert ctx.tenant.timezone == "Asia/Tokyo"
    assert ctx.provider is provider
    assert ctx.services == {"audit_repo": "svc"}


async def test_filters_hash_set_by_the_tool_is_kept() -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        result = ok_result(payload)
        return result.model_copy(update={"filters_hash": "tool-made"})

    response = await make_runner(spec("fake_kpi", kpi)).run(request("fake_kpi"))
    assert response.provenance.filters_hash == "tool-made"


def test_filters_hash_ignores_key_order_and_defaults_spelled_out() -> None:
    a = KpiPayload.model_validate({"metric": "qty", "days": 3})
    b = KpiPayload.model_validate({"days": 3, "metric": "qty"})
    c = KpiPayload.model_validate({"days": 4, "metric": "qty"})
    assert filters_hash(a) == filters_hash(b)
    assert filters_hash(a) != filters_hash(c)
    assert len(filters_hash(a)) == 16


async def test_response_json_uses_the_contract_shape() -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    response = await make_runner(spec("fake_kpi", kpi)).run(request("fake_kpi"))
    dumped = response.model_dump(mode="json", by_alias=True)
    assert dumped["provenance"]["window"] == {"from": "2025-03-04", "to": "2025-03-10", "tz": "Europe/Berlin"}
    assert dumped["as_of"] == "2025-03-10T09:30:00Z"


# -- refusals before the tool runs -----------------------------------------------------------------


async def test_validation_error_names_fields_and_ranges_and_never_calls_the_tool() -> None:
    recorder = Recorder()

    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        recorder.calls.append((payload, ctx))
        return ok_result(payload)

    response = await make_runner(spec("fake_kpi", kpi)).run(
        request("fake_kpi", {"days": 0, "metric": "profit", "colour": "red"})
    )
    assert error_of(response) is ErrorCode.VALIDATION_ERROR
    assert response.error is not None
    assert "days: must be an integer between 1 and 365" in response.error.message
    assert "metric: must be one of revenue, qty" in response.error.message
    assert "colour: unknown field" in response.error.message
    assert {f["field"] for f in response.error.details["fields"]} == {"days", "metric", "colour"}
    assert recorder.calls == []


async def test_payload_that_cannot_even_be_printed_is_a_validation_error(audit_repo: AuditRepository) -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    runner = make_runner(spec("fake_kpi", kpi), audit=AuditLog(audit_repo))
    response = await runner.run(request("fake_kpi", {"days": 10**5000}, correlation_id="cid-huge"))
    assert error_of(response) is ErrorCode.VALIDATION_ERROR
    [started] = await audit_repo.recent(event_type=EVENT_STARTED, correlation_id="cid-huge")
    assert started.payload_hash is None


async def test_unknown_tool_lists_close_names() -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    runner = make_runner(spec("kpi_snapshot", kpi), spec("kpi_compare", kpi), spec("orders_search", kpi))
    response = await runner.run(request("kpi_snapshto"))
    assert error_of(response) is ErrorCode.UNKNOWN_TOOL
    assert response.error is not None
    assert response.error.details["close_matches"][0] == "kpi_snapshot"
    assert "orders_search" not in response.error.details["close_matches"]
    assert "Did you mean: kpi_snapshot" in response.error.message


async def test_unknown_tool_with_a_huge_name_is_cut() -> None:
    response = await make_runner().run(request("x" * 5000))
    assert error_of(response) is ErrorCode.UNKNOWN_TOOL
    assert len(response.tool) <= 64
    assert response.error is not None
    assert response.error.details["close_matches"] == []


async def test_action_tools_are_refused_here() -> None:
    recorder = Recorder()

    async def flag(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        recorder.calls.append((payload, ctx))
        return ok_result(payload)

    response = await make_runner(spec("flag_order", flag, kind=ToolKind.ACTION)).run(request("flag_order"))
    assert error_of(response) is ErrorCode.PERMISSION_DENIED
    assert response.error is not None
    assert "ACTION pipeline" in response.error.message
    assert recorder.calls == []


# -- failures while running ------------------------------------------------------------------------


async def test_timeout_answers_timeout() -> None:
    never = asyncio.Event()

    async def stuck(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        await never.wait()
        return ok_result(payload)

    response = await make_runner(spec("fake_kpi", stuck), timeout_sec=0.05).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.TIMEOUT
    assert response.error is not None
    assert response.error.details == {"timeout_sec": 0.05}


async def test_a_tool_that_swallows_the_cancellation_still_times_out() -> None:
    never = asyncio.Event()

    async def stubborn(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        with contextlib.suppress(asyncio.CancelledError):
            await never.wait()
        return ok_result(payload)

    response = await make_runner(spec("fake_kpi", stubborn), timeout_sec=0.05).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.TIMEOUT


async def test_timeout_error_raised_by_the_tool_itself_is_an_execution_failure() -> None:
    async def driver_timeout(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        raise TimeoutError("driver gave up")

    response = await make_runner(spec("fake_kpi", driver_timeout)).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.TOOL_EXECUTION_FAILED


async def test_cancellation_of_the_caller_propagates() -> None:
    started = asyncio.Event()
    never = asyncio.Event()

    async def slow(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        started.set()
        await never.wait()
        return ok_result(payload)

    task = asyncio.create_task(make_runner(spec("fake_kpi", slow)).run(request("fake_kpi")))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_tool_failure_keeps_its_code_message_and_details() -> None:
    async def detail(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        raise ToolFailure(ErrorCode.NOT_FOUND, "Order A-17 not found.", {"order_id": "A-17"})

    response = await make_runner(spec("fake_detail", detail)).run(request("fake_detail"))
    assert error_of(response) is ErrorCode.NOT_FOUND
    assert response.error is not None
    assert response.error.message == "Order A-17 not found."
    assert response.error.details == {"order_id": "A-17"}
    assert response.as_of == NOW


async def test_provider_not_supported_answers_not_supported() -> None:
    async def funnel(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        raise ProviderNotSupported("gateway has no /funnel")

    response = await make_runner(spec("fake_funnel", funnel)).run(request("fake_funnel"))
    assert error_of(response) is ErrorCode.NOT_SUPPORTED
    assert response.error is not None
    assert response.error.details["reason"] == "gateway has no /funnel"


async def test_provider_unavailable_answers_upstream_unavailable() -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        raise ProviderUnavailable("SIS timed out")

    response = await make_runner(spec("fake_kpi", kpi)).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.UPSTREAM_UNAVAILABLE


async def test_provider_that_cannot_be_built_answers_upstream_unavailable() -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    def no_provider() -> UpstreamProvider:
        raise ProviderUnavailable("breaker open")

    response = await make_runner(spec("fake_kpi", kpi), provider_for=no_provider).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.UPSTREAM_UNAVAILABLE


async def test_sis_provider_before_its_client_exists_is_unavailable(
    make_settings: Callable[..., Settings],
) -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        reader = ctx.provider.sales  # the SIS stand-in raises here
        return ToolResult(data={"reader": repr(reader)}, sources=[])

    settings = make_settings(upstream_mode=UpstreamMode.SIS_HTTP)
    provider = build_provider(settings, async_sessionmaker())
    assert provider.name == "SIS"
    response = await make_runner(spec("fake_kpi", kpi), provider=provider).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.UPSTREAM_UNAVAILABLE
    assert response.error is not None
    assert response.error.details["reason"] == SIS_NOT_CONNECTED


async def test_unexpected_exception_gives_the_correlation_id_and_hides_the_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py")

    with caplog.at_level(logging.ERROR, logger="ownerbot.tools.runner"):
        response = await make_runner(spec("fake_kpi", broken)).run(
            request("fake_kpi", correlation_id="cid-boom")
        )

    assert error_of(response) is ErrorCode.TOOL_EXECUTION_FAILED
    assert response.error is not None
    assert "cid-boom" in response.error.message
    dumped = response.model_dump_json()
    assert "hunter2" not in dumped
    assert "RuntimeError" not in dumped
    crash_logs = [r for r in caplog.records if r.message == "tool_call_crashed"]
    assert len(crash_logs) == 1
    assert crash_logs[0].exc_info is not None
    assert isinstance(crash_logs[0].exc_info[1], RuntimeError)


async def test_handler_returning_something_else_is_an_execution_failure() -> None:
    async def sloppy(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return {"revenue": 1}  # type: ignore[return-value]  # the bug under test

    response = await make_runner(spec("fake_kpi", sloppy)).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.TOOL_EXECUTION_FAILED


# -- provenance ------------------------------------------------------------------------------------


async def test_numbers_without_sources_or_window_become_provenance_missing() -> None:
    async def careless(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ToolResult(data={"revenue": Decimal("5.00")}, sources=[])

    response = await make_runner(spec("fake_kpi", careless)).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.PROVENANCE_MISSING
    assert response.data == {}


async def test_numbers_without_window_become_provenance_incomplete() -> None:
    async def half(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ToolResult(data={"revenue": Decimal("5.00")}, sources=["fake:payments"])

    response = await make_runner(spec("fake_kpi", half)).run(request("fake_kpi"))
    assert error_of(response) is ErrorCode.PROVENANCE_INCOMPLETE
    assert response.error is not None
    assert response.error.details["missing"] == ["window"]


async def test_windowless_tool_needs_no_window() -> None:
    async def stock(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ToolResult(data={"out_of_stock": 3}, sources=["fake:products"])

    response = await make_runner(spec("fake_stock", stock, windowless=True)).run(request("fake_stock"))
    assert response.status == "ok"
    assert response.provenance.window is None
    assert response.as_of == NOW


# -- audit -----------------------------------------------------------------------------------------


@pytest.fixture
async def audit_repo(sqlite_url: str) -> AsyncIterator[AuditRepository]:
    await upgrade(sqlite_url)
    engine = create_engine_for_url(sqlite_url)
    try:
        yield AuditRepository(create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_every_call_writes_started_and_finished_with_latency_and_status(
    audit_repo: AuditRepository,
) -> None:
    async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    runner = make_runner(spec("fake_kpi", kpi), audit=AuditLog(audit_repo), timer=Ticker(0.25))
    ok = await runner.run(request("fake_kpi", {"days": 3}, correlation_id="cid-ok"))
    bad = await runner.run(request("fake_kpi", {"days": 0}, correlation_id="cid-bad"))
    assert ok.status == "ok"
    assert error_of(bad) is ErrorCode.VALIDATION_ERROR

    events = await audit_repo.recent(limit=10, correlation_id="cid-ok")
    assert [e.event_type for e in events] == [EVENT_FINISHED, EVENT_STARTED]
    finished, started = events
    assert started.action_name == "fake_kpi"
    assert started.actor_tg_id == 777
    assert started.details["tool"] == "fake_kpi"
    assert started.payload_hash is not None
    assert len(started.payload_hash) == 64
    assert finished.status == "ok"
    assert finished.actor_tg_id == 777
    # The ticker advances 0.25 s per reading: start and end are one reading apart.
    assert finished.details == {"tool": "fake_kpi", "latency_ms": 250.0, "status": "ok", "error_code": None}
    assert finished.started_at == NOW
    assert finished.finished_at == NOW

    [bad_finished] = await audit_repo.recent(limit=10, event_type=EVENT_FINISHED, correlation_id="cid-bad")
    assert bad_finished.status == "error"
    assert bad_finished.details["error_code"] == "VALIDATION_ERROR"
    assert bad_finished.details["latency_ms"] == 250.0


async def test_unknown_and_refused_calls_are_audited_too(audit_repo: AuditRepository) -> None:
    async def flag(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
        return ok_result(payload)

    runner = make_runner(spec("flag_order", flag, kind=ToolKind.ACTION), audit=AuditLog(audit_repo))
    await runner.run(request("nope", correlation_id="cid-unknown"))
    await runner.run(request("flag_order", correlation_id="cid-action"))

    [unknown] = await audit_repo.recent(event_type=EVENT_FINISHED, correlation_id="cid-unknown")
    [refused] = await audit_repo.recent(event_type=EVENT_FINISHED, correlation_id="cid-action")
    assert unknown.details["error_code"] == "UNKNOWN_TOOL"
    assert refused.details["error_code"] == "PERMISSION_DENIED"
    assert await audit_repo.count(event_type=EVENT_STARTED) == 2


async def test_a_broken_audit_store_does_not_break_the_answer(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine_for_url(sqlite_url)  # never migrated: every audit write fails
    try:
        repo = AuditRepository(create_session_factory(engine))

        async def kpi(payload: KpiPayload, ctx: ToolContext) -> ToolResult:
            return ok_result(payload)

        with caplog.at_level(logging.ERROR, logger="ownerbot.services.audit_log"):
            response = await make_runner(spec("fake_kpi", kpi), audit=AuditLog(repo)).run(request("fake_kpi"))
    finally:
        await engine.dispose()
    assert response.status == "ok"
    assert [r.message for r in caplog.records].count("audit_write_failed") == 2


# -- requests --------------------------------------------------------------------------------------


def test_make_request_takes_the_tenant_from_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        shop_id="77", shop_currency="usd", shop_timezone="Asia/Tokyo", shop_locale="en-US"
    )
    req = make_request("kpi_snapshot", {"range": "today"}, settings=settings, actor_id=5, role="cli")
    assert req.tenant == Tenant(shop_id="77", currency="USD", timezone="Asia/Tokyo", locale="en-US")
    assert req.actor == Actor(owner_user_id=5, role="cli")
    assert req.payload == {"range": "today"}
    assert len(req.correlation_id) == 32


def test_make_request_uses_the_current_correlation_scope(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with correlation_scope("scope-id"):
        assert make_request("kpi_snapshot", {}, settings=settings).correlation_id == "scope-id"
    assert (
        make_request("kpi_snapshot", {}, settings=settings, correlation_id="given").correlation_id == "given"
    )


def test_runner_refuses_a_non_positive_timeout() -> None:
    with pytest.raises(ValueError, match="timeout_sec"):
        make_runner(timeout_sec=0)
