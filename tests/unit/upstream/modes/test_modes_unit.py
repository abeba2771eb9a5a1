"""The runner keeps a provider's error code and labels DEMO fallbacks; status lines show the reason and
the breaker; the mode service resolves the effective mode without SIS configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ownerbot.bot.presenters.status import upstream_detail_lines, upstream_line
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.services.diagnostics import RuntimeStatus
from ownerbot.services.upstream_status import BreakerInfo, UpstreamStatus, describe_upstream
from ownerbot.state.memory import MemoryStateStore
from ownerbot.tools.contract import Actor, ErrorCode, Tenant, ToolKind, ToolRequest, ToolResult
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.base import ProviderUnavailable, UpstreamProvider
from ownerbot.upstream.factory import DisconnectedSisProvider
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT, fallback_scope, note_fallback
from ownerbot.upstream.modes import (
    REASON_NOT_CONFIGURED,
    REASON_OVERRIDE,
    AutoProvider,
    UpstreamModeService,
)


class Empty(BaseModel):
    pass


class Answer(BaseModel):
    value: int
    sources: tuple[str, ...]


class Reader:
    def __init__(self, value: int) -> None:
        self.value = value

    async def answer(self) -> Answer:
        return Answer(value=self.value, sources=("table",))


class FakeDemo:
    name = "DEMO"
    source_prefix = "demo:"
    sales = Reader(1)
    ops = Reader(1)


def make_spec(handler: Callable[[Empty, ToolContext], Any]) -> ToolSpec[Any]:
    return ToolSpec(
        name="fake",
        kind=ToolKind.READ,
        payload_model=Empty,
        handler=handler,
        description="fake",
        windowless=True,
    )


def request() -> ToolRequest:
    return ToolRequest(
        tool="fake", correlation_id="cid", actor=Actor(owner_user_id=1), tenant=Tenant(), payload={}
    )


async def test_runner_keeps_the_provider_code() -> None:
    async def handler(payload: Empty, ctx: ToolContext) -> ToolResult:
        raise ProviderUnavailable("SIS is busy", code=ErrorCode.SIS_UNAVAILABLE.value)

    async def auth(payload: Empty, ctx: ToolContext) -> ToolResult:
        raise ProviderUnavailable("SIS: the API key is invalid", code=ErrorCode.SIS_AUTH_ERROR.value)

    for spec, code in (
        (make_spec(handler), ErrorCode.SIS_UNAVAILABLE),
        (make_spec(auth), ErrorCode.SIS_AUTH_ERROR),
    ):
        runner = ToolRunner(ToolRegistry([spec]), provider_for=lambda: FakeDemo(), audit=None)  # type: ignore[arg-type,return-value]
        response = await runner.run(request())
        assert response.error is not None and response.error.code is code
    response_auth = await ToolRunner(
        ToolRegistry([make_spec(auth)]),
        provider_for=lambda: FakeDemo(),  # type: ignore[arg-type,return-value]
        audit=None,
    ).run(request())
    assert response_auth.error is not None and "invalid" in response_auth.error.message


async def test_auto_provider_falls_back_and_the_runner_labels_it() -> None:
    auto = AutoProvider(DisconnectedSisProvider(), FakeDemo())  # type: ignore[arg-type]

    async def handler(payload: Empty, ctx: ToolContext) -> ToolResult:
        answer = await ctx.provider.sales.answer()  # type: ignore[attr-defined]
        return ToolResult(data={"value": answer.value}, sources=list(answer.sources))

    provider: UpstreamProvider = auto
    runner = ToolRunner(ToolRegistry([make_spec(handler)]), provider_for=lambda: provider, audit=None)
    response = await runner.run(request())
    assert response.status == "ok"
    assert response.provenance.sources == ["demo:table"]
    assert [(w.code, w.message) for w in response.warnings] == [(DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT)]


def test_fallback_scope_collects_only_inside() -> None:
    note_fallback("outside")  # no scope: ignored
    with fallback_scope() as record:
        assert not record.happened
        note_fallback("SIS down")
    assert record.reasons == ["SIS down"]


async def test_service_without_sis_configured(make_settings: Callable[..., Settings]) -> None:
    service = UpstreamModeService(make_settings(upstream_mode=UpstreamMode.AUTO), MemoryStateStore())
    await service.load()
    state = service.state()
    assert (state.effective, state.reasons) == ("DEMO", (REASON_NOT_CONFIGURED,))
    await service.set_mode(UpstreamMode.SIS_HTTP)
    state = service.state()
    assert (state.effective, state.reasons) == ("NONE", (REASON_OVERRIDE, REASON_NOT_CONFIGURED))
    status = describe_upstream(service._settings, service)
    assert (status.configured, status.effective, status.override) == ("AUTO", "NONE", "SIS_HTTP")
    assert describe_upstream(make_settings()).effective == "DEMO"


def test_status_lines_show_reason_and_breaker() -> None:
    up = UpstreamStatus(
        configured="SIS_HTTP",
        effective="SIS_HTTP",
        reason="SIS breaker open",
        toggle_enabled=True,
        breaker=BreakerInfo(
            state="open",
            consecutive_failures=3,
            failure_threshold=3,
            retry_in_sec=12.5,
            opened_count=1,
            last_error="SIS did not answer in time",
        ),
    )
    status = RuntimeStatus(
        storage_backend="sqlite",
        state_backend="memory",
        upstream=up,
        asr_provider="mock",
        llm_provider="mock",
    )
    assert upstream_line(status, "ru") == "SIS_HTTP (SIS breaker open)"
    lines = upstream_detail_lines(up, "en")
    assert any("SIS breaker: open" in line and "3/3" in line and "12.5" in line for line in lines)
    assert any("Switching from the bot" in line and "on" in line for line in lines)
