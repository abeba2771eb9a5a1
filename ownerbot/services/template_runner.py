"""The generic runner: executes any template with parsed inputs, whatever entry point asked (menu,
free text, command, replay).

- report templates (text/table/json) run their read tool through the `ToolRunner`;
- png/pdf templates become a `ReportRequest` the bot delivers through the `ReportService`;
- action templates go to the ACTION pipeline's preview (the pipeline never issues a confirm for a no-op,
  so `if_needed` and `always` both show ✅/❌ exactly when there is something to apply);
- built-ins: export the last answer (JSON / CSV), replay the last run, a raw tool call, the upstream view.

Each owner's last answer (tool, payload, response) and last run (template, inputs) live in the state
store with a TTL: exports, replay and pagination read them instead of querying again.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ownerbot.actions.outcomes import ActionRequest, PreviewOutcome
from ownerbot.config.settings import Settings
from ownerbot.reports.inputs import TREND_DAYS, ReportKind, ReportRequest
from ownerbot.state.base import StateStore
from ownerbot.templates.loader import TemplateCatalog
from ownerbot.templates.payload import build_payload, shop_today
from ownerbot.templates.render_text import main_list
from ownerbot.templates.spec import RenderMode, TemplateKind, TemplateSpec
from ownerbot.tools.contract import ToolKind, ToolResponse
from ownerbot.tools.runner import ToolRunner, make_request, utc_now

if TYPE_CHECKING:
    from ownerbot.actions.pipeline import ActionPipeline
    from ownerbot.services.sis_capabilities import Capabilities, CapabilityService

log = logging.getLogger(__name__)

ANSWER_TTL_SEC = 6 * 3600
LAST_RUN_TTL_SEC = 24 * 3600
CAPABILITY_WAIT_SEC = 3.0
MANAGER_CHATS = "manager_chats"
SIS_PREFIX = "sis:"
_ID_BYTES = 4


class OutcomeKind(StrEnum):
    ANSWER = "answer"  # a read tool's answer, stored for pages and exports
    PREVIEW = "preview"  # an action preview (ready, no-op or rejected)
    REPORT = "report"  # a png/pdf to render and deliver
    DOCUMENT = "document"  # an export of the last answer
    UPSTREAM = "upstream"  # show the /upstream view
    NOTICE = "notice"  # nothing to do; `notice` is a locale key saying why


class StoredAnswer(BaseModel):
    """One owner's last read answer: enough to page, export or show it again without a new query."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str
    template_id: str | None
    tool: str
    payload: dict[str, Any] = Field(default_factory=dict)
    response: ToolResponse


class LastRun(BaseModel):
    """The last template an owner ran (not a replay itself) with the inputs it was given."""

    template_id: str
    parsed: dict[str, Any] = Field(default_factory=dict)


class ExportDocument(BaseModel):
    filename: str
    data: bytes
    caption: str = ""


class TemplateOutcome(BaseModel):
    """What the runner made of one run; the bot turns it into messages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: OutcomeKind
    spec: TemplateSpec
    answer: StoredAnswer | None = None
    preview: PreviewOutcome | None = None
    report: ReportRequest | None = None
    document: ExportDocument | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class _Caller:
    """Who runs a template, from which chat and in which language: what its tool calls pass on."""

    actor_id: int
    chat_id: int
    locale: str
    correlation_id: str | None


def answer_key(owner_id: int) -> str:
    return f"tpl:answer:{owner_id}"


def last_run_key(owner_id: int) -> str:
    return f"tpl:lastrun:{owner_id}"


class TemplateRunner:
    """Runs templates for one process; holds no per-owner state in memory (all of it is in `state`)."""

    def __init__(
        self,
        *,
        settings: Settings,
        state: StateStore,
        catalog: TemplateCatalog,
        tool_runner: ToolRunner,
        pipeline: ActionPipeline | None,
        capabilities: CapabilityService | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.state = state
        self.catalog = catalog
        self.tool_runner = tool_runner
        self.pipeline = pipeline
        self.capabilities = capabilities
        self.clock = clock
        self._caps: Capabilities | None = None
        self._caps_loaded = False

    def today(self) -> date:
        return shop_today(self.settings.shop_timezone, self.clock())

    # -- requirements ---------------------------------------------------------------------------

    async def unmet(self, spec: TemplateSpec) -> str | None:
        """Why `spec` cannot run now (a short reason), or None when every requirement is met.

        Capabilities come from the cache when there is one, else a probe bounded to a few seconds; an
        unknown answer leaves the button enabled (the action's preview then says what is missing).
        """
        for item in spec.requires:
            if item == MANAGER_CHATS:
                if not self.settings.manager_chat_ids:
                    return MANAGER_CHATS
                continue
            family = item.removeprefix(SIS_PREFIX)
            caps = await self._capabilities()
            if caps is None:
                continue
            status = caps.families.get(family)
            # "unknown" stays enabled: the preview then says what is missing, in the owner's words.
            if status is not None and status.status in ("absent", "auth_error"):
                return item
        return None

    async def _capabilities(self) -> Capabilities | None:
        """The cached capabilities, else one bounded probe per runner (a menu page asks only once)."""
        if self.capabilities is None:
            return None
        if not self._caps_loaded:
            self._caps_loaded = True
            self._caps = await self.capabilities.cached()
            if self._caps is None:
                try:
                    async with asyncio.timeout(CAPABILITY_WAIT_SEC):
                        self._caps = await self.capabilities.get()
                except Exception:
                    log.warning("capabilities_unavailable")
        return self._caps

    # -- running --------------------------------------------------------------------------------

    async def run(
        self,
        spec: TemplateSpec,
        parsed: Mapping[str, Any],
        *,
        actor_id: int,
        chat_id: int,
        locale: str,
        correlation_id: str | None = None,
        remember: bool = True,
    ) -> TemplateOutcome:
        """Run `spec` with `parsed` inputs (already validated by the parsers)."""
        caller = _Caller(actor_id, chat_id, locale, correlation_id)
        return await self._run(spec, dict(parsed), caller, remember=remember)

    async def _run(
        self, spec: TemplateSpec, values: dict[str, Any], caller: _Caller, *, remember: bool
    ) -> TemplateOutcome:
        if spec.is_builtin:
            return await self._builtin(spec, values, caller)
        if remember:
            await self._remember_run(caller.actor_id, spec, values)
        payload = build_payload(spec, values, today=self.today())
        if spec.kind is TemplateKind.ACTION:
            preview = await self._preview(spec.tool, payload, caller, preview_only=spec.preview_only)
            return TemplateOutcome(kind=OutcomeKind.PREVIEW, spec=spec, preview=preview)
        if spec.render in (RenderMode.PNG, RenderMode.PDF) and spec.report is not None:
            kind = ReportKind(spec.report.value)
            days = _int(payload.get("days"), 30)
            if kind is ReportKind.TREND and days not in TREND_DAYS:
                days = min(TREND_DAYS, key=lambda d: abs(d - days))
            request = ReportRequest(kind, locale=caller.locale, days=days, actor_id=caller.actor_id)
            return TemplateOutcome(kind=OutcomeKind.REPORT, spec=spec, report=request)
        answer = await self._read(spec.id, spec.tool, payload, caller)
        return TemplateOutcome(kind=OutcomeKind.ANSWER, spec=spec, answer=answer)

    async def _read(
        self,
        template_id: str | None,
        tool: str,
        payload: dict[str, Any],
        caller: _Caller,
    ) -> StoredAnswer:
        response = await self.tool_runner.run(
            make_request(
                tool,
                payload,
                settings=self.settings,
                actor_id=caller.actor_id,
                correlation_id=caller.correlation_id,
            )
        )
        # Tools may answer with models and Decimals in memory; the JSON form is what pages and exports
        # read later, so the first page is rendered from exactly that form too.
        response = ToolResponse.model_validate_json(response.model_dump_json(by_alias=True))
        answer = StoredAnswer(
            answer_id=secrets.token_hex(_ID_BYTES),
            template_id=template_id,
            tool=tool,
            payload=payload,
            response=response,
        )
        if response.status == "ok":
            await self.state.set(
                answer_key(caller.actor_id), answer.model_dump_json(by_alias=True), ANSWER_TTL_SEC
            )
        return answer

    async def _preview(
        self,
        tool: str,
        payload: dict[str, Any],
        caller: _Caller,
        *,
        preview_only: bool = False,
    ) -> PreviewOutcome:
        """The pipeline's preview; `preview_only` asks without storing a confirm token."""
        if self.pipeline is None:  # pragma: no cover - the runtime always wires the pipeline
            raise RuntimeError("the ACTION pipeline is not wired")
        return await self.pipeline.preview(
            ActionRequest(
                action=tool,
                payload=payload,
                actor_id=caller.actor_id,
                chat_id=caller.chat_id,
                locale=caller.locale,
                channel="template",
                correlation_id=caller.correlation_id,
                preview_only=preview_only,
            )
        )

    # -- stored answers -------------------------------------------------------------------------

    async def last_answer(self, owner_id: int) -> StoredAnswer | None:
        raw = await self.state.get(answer_key(owner_id))
        if raw is None:
            return None
        try:
            return StoredAnswer.model_validate_json(raw)
        except ValidationError:
            log.warning("stored_answer_unreadable")
            return None

    async def answer_by_id(self, owner_id: int, answer_id: str) -> StoredAnswer | None:
        """The stored answer when it is still the owner's last one (pages of older answers are stale)."""
        answer = await self.last_answer(owner_id)
        return answer if answer is not None and answer.answer_id == answer_id else None

    async def _remember_run(self, owner_id: int, spec: TemplateSpec, parsed: dict[str, Any]) -> None:
        run = LastRun(template_id=spec.id, parsed=parsed)
        await self.state.set(last_run_key(owner_id), run.model_dump_json(), LAST_RUN_TTL_SEC)

    async def last_run(self, owner_id: int) -> LastRun | None:
        raw = await self.state.get(last_run_key(owner_id))
        if raw is None:
            return None
        try:
            return LastRun.model_validate_json(raw)
        except ValidationError:
            return None

    # -- built-ins ------------------------------------------------------------------------------

    async def _builtin(self, spec: TemplateSpec, values: dict[str, Any], caller: _Caller) -> TemplateOutcome:
        name = spec.tool
        if name == "builtin:upstream_mode":
            return TemplateOutcome(kind=OutcomeKind.UPSTREAM, spec=spec)
        if name == "builtin:replay_last":
            run = await self.last_run(caller.actor_id)
            target = self.catalog.get(run.template_id) if run else None
            if run is None or target is None or target.is_builtin:
                return TemplateOutcome(kind=OutcomeKind.NOTICE, spec=spec, notice="tpl.runner.no_last_run")
            return await self._run(target, dict(run.parsed), caller, remember=False)
        if name == "builtin:raw_tool_call":
            return await self._raw_call(spec, values, caller)
        answer = await self.last_answer(caller.actor_id)
        if answer is None:
            return TemplateOutcome(kind=OutcomeKind.NOTICE, spec=spec, notice="tpl.runner.no_last_answer")
        stamp = self.today().isoformat()
        if name == "builtin:export_json":
            data = json.dumps(
                answer.response.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2
            ).encode()
            document = ExportDocument(filename=f"ownerbot-{answer.tool}-{stamp}.json", data=data)
            return TemplateOutcome(kind=OutcomeKind.DOCUMENT, spec=spec, document=document)
        if name == "builtin:export_csv":
            found = main_list(answer.response.data)
            if found is None:
                return TemplateOutcome(kind=OutcomeKind.NOTICE, spec=spec, notice="tpl.runner.no_list")
            document = ExportDocument(
                filename=f"ownerbot-{answer.tool}-{stamp}.csv", data=rows_to_csv(found[1])
            )
            return TemplateOutcome(kind=OutcomeKind.DOCUMENT, spec=spec, document=document)
        return TemplateOutcome(kind=OutcomeKind.NOTICE, spec=spec, notice="tpl.runner.unknown_builtin")

    async def _raw_call(self, spec: TemplateSpec, values: dict[str, Any], caller: _Caller) -> TemplateOutcome:
        """Tool name + JSON payload: read tools run, action tools go to the preview (never straight on)."""
        tool = str(values.get("tool") or values.get("tool_name") or "").strip()
        raw_payload = values.get("payload", {})
        payload: Any = raw_payload
        if isinstance(raw_payload, str):
            try:
                payload = json.loads(raw_payload) if raw_payload.strip() else {}
            except json.JSONDecodeError:
                payload = None
        if not isinstance(payload, dict):
            return TemplateOutcome(kind=OutcomeKind.NOTICE, spec=spec, notice="tpl.runner.bad_json")
        found = self.tool_runner.registry.get(tool)
        if found is not None and found.kind is ToolKind.ACTION:
            preview = await self._preview(tool, payload, caller)
            return TemplateOutcome(kind=OutcomeKind.PREVIEW, spec=spec, preview=preview)
        # Unknown tools too: the runner answers UNKNOWN_TOOL with close matches.
        answer = await self._read(None, tool or "-", payload, caller)
        return TemplateOutcome(kind=OutcomeKind.ANSWER, spec=spec, answer=answer)


def rows_to_csv(rows: list[dict[str, Any]]) -> bytes:
    """A list of objects as CSV (UTF-8 with BOM so spreadsheet apps read Cyrillic); nested values as JSON."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
