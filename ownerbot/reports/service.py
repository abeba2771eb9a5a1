"""Builds a report: the planned read tools through the `ToolRunner` (one correlation id), then the
render in a worker thread so the event loop keeps serving other updates meanwhile.

Entry points (bot router, CLI, benchmark) hold one `ReportService`; it holds no per-report state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ownerbot.config.settings import Settings
from ownerbot.domain.windows import local_day
from ownerbot.i18n import pick_locale
from ownerbot.observability.correlation import correlation_scope, current_correlation_id, new_correlation_id
from ownerbot.reports.inputs import ExportFormat, ReportArtifact, ReportInputs, ReportRequest
from ownerbot.reports.plans import ReportPlan, ToolCall, plan_report
from ownerbot.reports.render import render_report
from ownerbot.reports.style import Formats
from ownerbot.services.audit_log import AuditLog
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner, make_request, utc_now
from ownerbot.upstream.base import UpstreamProvider

log = logging.getLogger(__name__)

# Reader calls at a time: an engine's pool keeps about five connections (see sales_health).
CONCURRENT_CALLS = 4
Renderer = Callable[[ReportInputs, ExportFormat], ReportArtifact]


@dataclass(frozen=True)
class ReportOutcome:
    """The artifact with the answers it was made from and how long each step took (ms)."""

    inputs: ReportInputs
    artifact: ReportArtifact
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    @property
    def failed_sections(self) -> list[tuple[str, str]]:
        """(section, error code) of the tool calls that answered an error (rendered as unavailable)."""
        return [
            (key, response.error.code.value)
            for key, response in self.inputs.responses.items()
            if response.error is not None
        ]


class ReportService:
    """Runs a report's tool calls and renders the answers; never queries data on its own."""

    def __init__(
        self,
        runner: ToolRunner,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        render: Renderer = render_report,
        concurrency: int = CONCURRENT_CALLS,
    ) -> None:
        """`clock` plans the windows (today, yesterday); give the runner the same clock in tests."""
        self._runner = runner
        self._settings = settings
        self._clock = clock
        self._render = render
        self._concurrency = concurrency

    @property
    def settings(self) -> Settings:
        return self._settings

    def with_renderer(self, render: Renderer) -> ReportService:
        """The same service with another renderer (tests gate or count renders with it)."""
        return ReportService(
            self._runner, self._settings, clock=self._clock, render=render, concurrency=self._concurrency
        )

    def formats(self, locale: str) -> Formats:
        return Formats(
            locale=pick_locale(locale),
            currency=self._settings.shop_currency,
            tz=self._settings.shop_timezone,
        )

    async def collect(self, request: ReportRequest, *, correlation_id: str | None = None) -> ReportInputs:
        """Every planned tool call under one correlation id; error answers are kept (shown as such)."""
        now = self._clock()
        today = local_day(now, self._settings.shop_timezone)
        plan = plan_report(request, today, self._runner.registry.names())
        cid = correlation_id or current_correlation_id() or new_correlation_id()
        with correlation_scope(cid):
            responses, pages = await self._run_plan(plan, request, cid)
        return ReportInputs(
            kind=request.kind,
            formats=self.formats(request.locale),
            correlation_id=cid,
            now=now,
            today=today,
            responses=responses,
            pages=pages,
            days=request.days,
            period=plan.period,
        )

    async def render(self, inputs: ReportInputs, export: ExportFormat = "native") -> ReportArtifact:
        """Render in a worker thread: charts and PDFs take 0.1–1 s of CPU that must not stall the bot."""
        return await asyncio.to_thread(self._render, inputs, export)

    async def build(
        self,
        request: ReportRequest,
        *,
        export: ExportFormat = "native",
        correlation_id: str | None = None,
    ) -> ReportOutcome:
        started = time.perf_counter()
        inputs = await self.collect(request, correlation_id=correlation_id)
        collected = time.perf_counter()
        artifact = await self.render(inputs, export)
        finished = time.perf_counter()
        timings = {"tools_ms": (collected - started) * 1000, "render_ms": (finished - collected) * 1000}
        outcome = ReportOutcome(inputs=inputs, artifact=artifact, timings_ms=timings)
        log.info(
            "report_built",
            extra={
                "report": request.kind.value,
                "artifact": artifact.type,
                "bytes": len(artifact.data),
                "failed_sections": len(outcome.failed_sections),
                **{key: round(value, 1) for key, value in timings.items()},
            },
        )
        return outcome

    async def _run_plan(
        self, plan: ReportPlan, request: ReportRequest, cid: str
    ) -> tuple[dict[str, ToolResponse], dict[str, list[ToolResponse]]]:
        slots = asyncio.Semaphore(self._concurrency)
        responses: dict[str, ToolResponse] = {}
        pages: dict[str, list[ToolResponse]] = {}

        async def run_one(call: ToolCall) -> None:
            first = await self._call(slots, call.tool, call.payload, request, cid)
            responses[call.key] = first
            if call.paged:
                pages[call.key] = await self._follow(slots, call, first, request, cid)

        # Keyed results: the order of completion does not matter, the plan's order is kept below.
        await asyncio.gather(*(run_one(call) for call in plan.calls))
        ordered = {call.key: responses[call.key] for call in plan.calls}
        return ordered, pages

    async def _follow(
        self, slots: asyncio.Semaphore, call: ToolCall, first: ToolResponse, request: ReportRequest, cid: str
    ) -> list[ToolResponse]:
        """Further pages of a paged answer until the end or `call.max_rows` items."""
        rest: list[ToolResponse] = []
        response = first
        seen = len(first.data.get("items", []))
        while response.status == "ok" and response.data.get("next_cursor") and seen < call.max_rows:
            payload: dict[str, Any] = {**call.payload, "cursor": response.data["next_cursor"]}
            response = await self._call(slots, call.tool, payload, request, cid)
            if response.status != "ok":
                log.warning("report_page_failed", extra={"tool": call.tool})
                break
            rest.append(response)
            seen += len(response.data.get("items", []))
        return rest

    async def _call(
        self,
        slots: asyncio.Semaphore,
        tool: str,
        payload: dict[str, Any],
        request: ReportRequest,
        cid: str,
    ) -> ToolResponse:
        async with slots:
            return await self._runner.run(
                make_request(
                    tool,
                    payload,
                    settings=self._settings,
                    actor_id=request.actor_id,
                    correlation_id=cid,
                    role=request.role,
                )
            )


def build_report_service(
    settings: Settings,
    provider_for: Callable[[], UpstreamProvider],
    audit: AuditLog | None,
    *,
    registry: ToolRegistry | None = None,
    clock: Callable[[], datetime] = utc_now,
    tool_services: Mapping[str, Any] | None = None,
) -> ReportService:
    """A service over the shipped read tools, auditing every call like any other tool call.

    `tool_services` reach the tools as `ToolContext.services` (e.g. what `sis_fx_status` reads).
    """
    runner = ToolRunner(
        registry or default_registry(),
        provider_for=provider_for,
        audit=audit,
        clock=clock,
        services=tool_services,
    )
    return ReportService(runner, settings, clock=clock)
