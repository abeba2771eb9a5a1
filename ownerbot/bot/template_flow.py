"""The template input dialogue and delivery of a run's outcome, for the template router.

Inputs are asked one by one through the FSM (Redis with a TTL, or in-process): preset buttons,
«по умолчанию», «пропустить», ❌ and /cancel anywhere; a parse error re-asks with what is expected.
An unanswered question lapses after `INPUT_TTL_SEC` even where the storage has no TTL of its own.
Running is the generic runner's job (`services/template_runner.py`); action previews get the ACTION
router's ✅/❌ buttons, so confirms go through the same callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from ownerbot.actions.outcomes import PreviewStatus
from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.actions import preview_keyboard
from ownerbot.bot.keyboards.templates import input_keyboard, pages_keyboard
from ownerbot.bot.presenters.actions import preview_text
from ownerbot.bot.presenters.templates import answer_text, prompt_text, requirement_text
from ownerbot.bot.presenters.upstream_view import upstream_keyboard, upstream_text
from ownerbot.bot.report_delivery import ReportJobs, start_report
from ownerbot.bot.template_panel import formats_for, template_runner
from ownerbot.i18n import t
from ownerbot.services.template_runner import OutcomeKind, TemplateOutcome
from ownerbot.templates.parsers import InputParseError, parse_input
from ownerbot.templates.spec import RenderMode, TemplateSpec

# An unanswered question lapses after this long even where the FSM storage has no TTL (in-process);
# Redis also drops the whole state after `bot/fsm.py`'s TTL. Each answer restarts the clock.
INPUT_TTL_SEC = 30 * 60
# Wall clock for the input deadline; tests move it instead of sleeping.
flow_clock: Callable[[], float] = time.time


class TemplateInput(StatesGroup):
    waiting = State()


def lapsed(data: dict[str, Any]) -> bool:
    """The question was left unanswered past its deadline."""
    deadline = data.get("exp")
    return isinstance(deadline, int | float) and flow_clock() > deadline


def _jsonable(value: Any) -> Any:
    """Parsed values as the FSM storage keeps them (JSON): tuples become lists."""
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True, slots=True)
class FlowChat:
    """Where one update's template flow talks and on whose behalf: the same for all its steps."""

    bot: Bot
    chat_id: int
    owner_id: int
    services: BotServices
    locale: str
    correlation_id: str | None

    async def send(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)


class TemplateFlow:
    """Runs templates for the router: the input dialogue, then the runner, then delivery."""

    def __init__(self) -> None:
        self.jobs = ReportJobs()

    async def start(
        self,
        chat: FlowChat,
        spec: TemplateSpec,
        state: FSMContext,
        raw: dict[str, str] | None = None,
    ) -> None:
        """Check requirements, then ask for inputs (those not given in `raw`) or run at once."""
        runner = template_runner(chat.services)
        if runner is None:
            await chat.send(t("tpl.runner.no_catalog", chat.locale))
            return
        missing = await runner.unmet(spec)
        if missing is not None:
            await chat.send(requirement_text(missing, chat.locale))
            return
        await state.clear()
        if not spec.inputs:
            await self.execute(chat, spec, {})
            return
        await state.set_state(TemplateInput.waiting)
        data = {"tid": spec.id, "step": 0, "values": {}, "raw": dict(raw or {})}
        await self.advance(chat, spec, state, data)

    async def advance(
        self,
        chat: FlowChat,
        spec: TemplateSpec,
        state: FSMContext,
        data: dict[str, Any],
        error: str | None = None,
    ) -> None:
        """Fill inputs from the raw text given up front; ask the first one missing or invalid."""
        runner = template_runner(chat.services)
        if runner is None:
            return
        today = runner.today()
        step: int = data["step"]
        values: dict[str, Any] = data["values"]
        raw: dict[str, str] = data["raw"]
        while error is None and step < len(spec.inputs):
            item = spec.inputs[step]
            if item.key not in raw:
                break
            text = raw.pop(item.key)
            try:
                values[item.key] = _jsonable(parse_input(item, text, today=today))
            except InputParseError as exc:
                error = exc.expected(chat.locale)
                break
            step += 1
        if step >= len(spec.inputs):
            await state.clear()
            await self.execute(chat, spec, values)
            return
        data.update(step=step, values=values, raw=raw, exp=flow_clock() + INPUT_TTL_SEC)
        await state.set_data(data)
        item = spec.inputs[step]
        catalog = chat.services.templates
        assert catalog is not None  # the runner exists only with a catalog
        await chat.send(
            prompt_text(catalog, spec, item, step, chat.locale, error),
            reply_markup=input_keyboard(catalog, spec, item, step, chat.locale),
        )

    async def answer(
        self,
        chat: FlowChat,
        state: FSMContext,
        raw_text: str | None,
        *,
        skip: bool = False,
    ) -> None:
        """One answer to the current step (typed, a preset, the default, or a skip)."""
        data = await state.get_data()
        catalog = chat.services.templates
        runner = template_runner(chat.services)
        spec = catalog.get(str(data.get("tid"))) if catalog else None
        if lapsed(data) or spec is None or runner is None or int(data.get("step", 0)) >= len(spec.inputs):
            await state.clear()
            await chat.send(t("tpl.input.expired", chat.locale))
            return
        step = int(data["step"])
        item = spec.inputs[step]
        if not skip:
            try:
                value = parse_input(item, raw_text or "", today=runner.today())
            except InputParseError as exc:
                await self.advance(chat, spec, state, data, error=exc.expected(chat.locale))
                return
            data["values"][item.key] = _jsonable(value)
        data["step"] = step + 1
        await self.advance(chat, spec, state, data)

    async def execute(self, chat: FlowChat, spec: TemplateSpec, values: dict[str, Any]) -> None:
        runner = template_runner(chat.services)
        if runner is None:
            return
        outcome = await runner.run(
            spec,
            values,
            actor_id=chat.owner_id,
            chat_id=chat.chat_id,
            locale=chat.locale,
            correlation_id=chat.correlation_id,
        )
        await self.deliver(chat, outcome)

    async def deliver(self, chat: FlowChat, outcome: TemplateOutcome) -> None:
        """Messages for one outcome: text with pages, a document, a preview with ✅/❌, a report job."""
        bot, chat_id, services, locale = chat.bot, chat.chat_id, chat.services, chat.locale
        spec = outcome.spec
        catalog = services.templates
        if outcome.kind is OutcomeKind.ANSWER and outcome.answer is not None:
            answer = outcome.answer
            formats = formats_for(services, locale)
            rendered = answer_text(catalog, answer, formats)
            if spec.render is RenderMode.JSON and answer.response.status == "ok":
                data = answer.response.model_dump_json(indent=2, by_alias=True).encode()
                upload = BufferedInputFile(data, filename=f"ownerbot-{answer.tool}.json")
                caption = catalog.title(spec, locale) if catalog else answer.tool
                await bot.send_document(chat_id, upload, caption=caption[:1024], parse_mode=None)
                return
            await bot.send_message(
                chat_id,
                rendered.text,
                reply_markup=pages_keyboard(answer.answer_id, rendered.page, rendered.pages),
            )
            return
        if outcome.kind is OutcomeKind.PREVIEW and outcome.preview is not None:
            preview = outcome.preview
            ready = preview.status is PreviewStatus.READY and preview.token_id is not None
            if spec.preview_only:
                # A question («нужно ли обновлять цены?»): what would change, with no deadline to confirm by.
                preview = preview.model_copy(update={"expires_at": None})
            text = preview_text(preview, locale, services.settings.shop_timezone)
            if not ready or spec.preview_only or services.actions is None or preview.token_id is None:
                await bot.send_message(chat_id, text)
                return
            sent = await bot.send_message(
                chat_id, text, reply_markup=preview_keyboard(preview.token_id, locale)
            )
            await services.actions.pipeline.attach_message(preview.token_id, sent.message_id)
            return
        if outcome.kind is OutcomeKind.REPORT and outcome.report is not None:
            refusal = await start_report(
                self.jobs, bot, chat_id, services.reports, services.state, chat.owner_id, outcome.report
            )
            if refusal is not None:
                await bot.send_message(chat_id, t(refusal, locale))
            return
        if outcome.kind is OutcomeKind.DOCUMENT and outcome.document is not None:
            document = outcome.document
            upload = BufferedInputFile(document.data, filename=document.filename)
            title = catalog.title(spec, locale) if catalog else spec.title
            await bot.send_document(chat_id, upload, caption=title[:1024], parse_mode=None)
            return
        if outcome.kind is OutcomeKind.UPSTREAM:
            if services.upstream is None:
                await bot.send_message(chat_id, t("upstream.toggle_disabled", locale))
                return
            await bot.send_message(
                chat_id,
                upstream_text(services.upstream, locale),
                reply_markup=upstream_keyboard(services.upstream),
            )
            return
        await bot.send_message(chat_id, t(outcome.notice or "tpl.runner.nothing", locale))
