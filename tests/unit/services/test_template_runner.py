"""The generic runner without Telegram: reads answer and are stored, actions only preview, png/pdf become
report requests, built-ins export, replay and call tools; requirements say why a template is locked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from ownerbot.actions.outcomes import ActionRequest, PreviewOutcome, PreviewStatus
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.config.settings import Settings
from ownerbot.reports.inputs import ReportKind
from ownerbot.services.sis_capabilities import Capabilities, CapabilityService, FamilyStatus
from ownerbot.services.template_runner import (
    ANSWER_TTL_SEC,
    OutcomeKind,
    TemplateRunner,
    answer_key,
)
from ownerbot.state.memory import MemoryStateStore
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.spec import TemplateSpec
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ToolRequest, ToolResponse
from ownerbot.tools.runner import ToolRunner

NOW = datetime(2026, 3, 30, 22, 30, tzinfo=UTC)  # already 31 March in Berlin
OWNER = 1


class FakeTools:
    """Answers every read with the rows it was given and records the requests."""

    def __init__(self) -> None:
        self.registry = default_registry()
        self.requests: list[ToolRequest] = []

    async def run(self, request: ToolRequest) -> ToolResponse:
        self.requests.append(request)
        items = [{"order_id": str(i), "total": "10.00", "tags": ["a"]} for i in range(3)]
        return ToolResponse(
            status="ok", tool=request.tool, correlation_id="c", as_of=NOW, data={"items": items}
        )


class FakePipeline:
    def __init__(self) -> None:
        self.requests: list[ActionRequest] = []

    async def preview(self, request: ActionRequest) -> PreviewOutcome:
        self.requests.append(request)
        return PreviewOutcome(status=PreviewStatus.NOOP, action=request.action, correlation_id="c")


def _spec(template_id: str, **fields: Any) -> TemplateSpec:
    base: dict[str, Any] = {
        "id": template_id,
        "category": "reports",
        "title": template_id,
        "button": template_id,
        "kind": "report",
        "tool": "orders_search",
    }
    base.update(fields)
    return TemplateSpec.model_validate(base)


SPECS = [
    _spec("ORD_LIST", payload={"since_hours": 24}, inputs=[{"key": "limit", "prompt": "?", "parser": "int"}]),
    _spec("RPT_DAY", tool="kpi_snapshot", payload={"range": "custom", "from": "@yesterday", "to": "@today"}),
    _spec("PRC_BUMP_T", category="prices", kind="action", tool="sis_prices_bump", confirm="always"),
    _spec("RPT_TREND_PNG", tool="revenue_trend", payload={"days": 40}, render="png", report="trend"),
    _spec(
        "TEAM_PING",
        category="team",
        kind="action",
        tool="notify_team",
        confirm="if_needed",
        requires=["manager_chats"],
    ),
    _spec(
        "DSC_SET",
        category="discounts",
        kind="action",
        tool="sis_discounts_set",
        confirm="always",
        requires=["sis:discounts"],
    ),
    _spec("ADV_JSON", category="advanced", tool="builtin:export_json"),
    _spec("ADV_CSV", category="advanced", tool="builtin:export_csv"),
    _spec("ADV_REPLAY", category="advanced", tool="builtin:replay_last"),
    _spec(
        "ADV_RAW",
        category="advanced",
        tool="builtin:raw_tool_call",
        inputs=[
            {"key": "tool", "prompt": "?", "parser": "text"},
            {"key": "payload", "prompt": "?", "parser": "text", "optional": True},
        ],
    ),
]


class FakeCapabilities:
    def __init__(self, families: dict[str, str]) -> None:
        self.caps = Capabilities(
            families={f: FamilyStatus(family=f, status=s) for f, s in families.items()},
            checked_at=NOW,
            source="sis",
        )

    async def cached(self) -> Capabilities | None:
        return self.caps


@pytest.fixture
def build(
    make_settings: Callable[..., Settings],
) -> Callable[..., tuple[TemplateRunner, FakeTools, FakePipeline]]:
    def make(**overrides: Any) -> tuple[TemplateRunner, FakeTools, FakePipeline]:
        caps = overrides.pop("capabilities", None)
        tools, pipeline = FakeTools(), FakePipeline()
        runner = TemplateRunner(
            settings=make_settings(**overrides),
            state=MemoryStateStore(),
            catalog=TemplateCatalog(SPECS, {}),
            tool_runner=cast(ToolRunner, tools),
            pipeline=cast(ActionPipeline, pipeline),
            capabilities=cast(CapabilityService, caps),
            clock=lambda: NOW,
        )
        return runner, tools, pipeline

    return make


async def _run(runner: TemplateRunner, template_id: str, **parsed: Any) -> Any:
    spec = runner.catalog.get(template_id)
    assert spec is not None
    return await runner.run(spec, parsed, actor_id=OWNER, chat_id=OWNER, locale="ru")


async def test_read_answer_is_stored_for_pages_and_exports(build: Callable[..., Any]) -> None:
    runner, tools, _ = build()
    outcome = await _run(runner, "ORD_LIST", limit=5)
    assert outcome.kind is OutcomeKind.ANSWER
    assert tools.requests[0].payload == {"since_hours": 24, "limit": 5}
    stored = await runner.answer_by_id(OWNER, outcome.answer.answer_id)
    assert stored is not None and stored.response.data["items"][0]["order_id"] == "0"
    assert await runner.answer_by_id(OWNER, "00000000") is None
    ttl = await runner.state.ttl(answer_key(OWNER))
    assert ttl is not None and ttl <= ANSWER_TTL_SEC

    csv_out = await _run(runner, "ADV_CSV")
    rows = list(csv.reader(io.StringIO(csv_out.document.data.decode("utf-8-sig"))))
    assert rows[0] == ["order_id", "total", "tags"] and rows[1] == ["0", "10.00", '["a"]']
    json_out = await _run(runner, "ADV_JSON")
    assert json.loads(json_out.document.data)["data"]["items"][2]["order_id"] == "2"
    assert json_out.document.filename == "ownerbot-orders_search-2026-03-31.json"


async def test_date_tokens_use_the_shop_day(build: Callable[..., Any]) -> None:
    runner, tools, _ = build()
    await _run(runner, "RPT_DAY")
    assert tools.requests[0].payload == {"range": "custom", "from": "2026-03-30", "to": "2026-03-31"}


async def test_actions_only_preview_and_reports_become_requests(build: Callable[..., Any]) -> None:
    runner, tools, pipeline = build()
    outcome = await _run(runner, "PRC_BUMP_T")
    assert outcome.kind is OutcomeKind.PREVIEW and pipeline.requests[0].channel == "template"
    assert not tools.requests
    report = await _run(runner, "RPT_TREND_PNG")
    assert report.kind is OutcomeKind.REPORT
    assert report.report.kind is ReportKind.TREND and report.report.days == 30  # nearest supported


async def test_replay_runs_the_last_template_with_its_inputs(build: Callable[..., Any]) -> None:
    runner, tools, _ = build()
    nothing = await _run(runner, "ADV_REPLAY")
    assert nothing.kind is OutcomeKind.NOTICE and nothing.notice == "tpl.runner.no_last_run"
    await _run(runner, "ORD_LIST", limit=7)
    replay = await _run(runner, "ADV_REPLAY")
    assert replay.kind is OutcomeKind.ANSWER and tools.requests[-1].payload["limit"] == 7
    assert (await runner.last_run(OWNER)).template_id == "ORD_LIST"  # a replay does not replace it


async def test_raw_call_reads_run_and_actions_preview(build: Callable[..., Any]) -> None:
    runner, tools, pipeline = build()
    read = await _run(runner, "ADV_RAW", tool="kpi_snapshot", payload='{"range": "today"}')
    assert read.kind is OutcomeKind.ANSWER and tools.requests[-1].payload == {"range": "today"}
    action = await _run(runner, "ADV_RAW", tool="flag_order", payload='{"order_id": "5"}')
    assert action.kind is OutcomeKind.PREVIEW and pipeline.requests[-1].action == "flag_order"
    bad = await _run(runner, "ADV_RAW", tool="kpi_snapshot", payload="[1,")
    assert bad.notice == "tpl.runner.bad_json"


async def test_requirements(build: Callable[..., Any]) -> None:
    runner, _, _ = build(capabilities=FakeCapabilities({"discounts": "absent"}))
    assert await runner.unmet(runner.catalog.get("TEAM_PING")) == "manager_chats"
    assert await runner.unmet(runner.catalog.get("DSC_SET")) == "sis:discounts"
    runner, _, _ = build(manager_chat_ids=[-100], capabilities=FakeCapabilities({"discounts": "supported"}))
    assert await runner.unmet(runner.catalog.get("TEAM_PING")) is None
    assert await runner.unmet(runner.catalog.get("DSC_SET")) is None
