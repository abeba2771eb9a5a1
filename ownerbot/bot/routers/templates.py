"""Template menus, input answers and free text; /lang, /templates, /kpi, /orders, /cancel.

Navigation edits the one panel per chat (`ownerbot/bot/template_panel.py`); answers arrive as new
messages below it. The input dialogue and the delivery of outcomes are `ownerbot/bot/template_flow.py`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.templates import (
    TplInput,
    TplLang,
    TplNav,
    TplPage,
    TplSuggest,
    lang_keyboard,
    pages_keyboard,
    suggestions_keyboard,
)
from ownerbot.bot.middlewares.owner_gate import locale_key
from ownerbot.bot.presenters.templates import answer_text, requirement_text, templates_list_text
from ownerbot.bot.template_flow import FlowChat, TemplateFlow, TemplateInput, lapsed
from ownerbot.bot.template_panel import (
    Panel,
    bump,
    claim_press,
    draw,
    formats_for,
    load_panel,
    open_panel,
    template_runner,
)
from ownerbot.i18n import SUPPORTED_LOCALES, t
from ownerbot.templates.spec import Category

log = logging.getLogger(__name__)

KPI_TEMPLATE = "RPT_KPI_TODAY"
ORDERS_TEMPLATE = "ORD_FIND_RECENT"
SUGGEST_TTL_SEC = 5.0
LANG_TTL_SEC = None  # the owner's choice stays until changed


def _owner(query_or_message: CallbackQuery | Message) -> int:
    user = query_or_message.from_user
    return user.id if user else 0


# -- handlers ----------------------------------------------------------------------------------------


async def _stale(query: CallbackQuery, bot: Bot, services: BotServices, locale: str) -> None:
    """A press on an old panel (or a second tap): say so; a press off the anchor gets a fresh panel."""
    await query.answer(t("menu.stale", locale))
    if query.message is None:
        return
    chat_id = query.message.chat.id
    panel = await load_panel(services, chat_id)
    if panel is not None and panel.message_id == query.message.message_id:
        return  # the anchor already shows the current view
    if panel is None:
        await open_panel(bot, chat_id, services, locale)
        return
    moved = Panel(0, panel.version + 1, panel.view, panel.key, panel.page)
    await draw(bot, chat_id, services, locale, moved)


def build_router() -> Router:
    """Template menus, inputs, answers and free text; include before the catch-all fallback."""
    router = Router(name="templates")
    flow = TemplateFlow()

    async def on_nav(
        query: CallbackQuery,
        callback_data: TplNav,
        bot: Bot,
        services: BotServices,
        locale: str,
        state: FSMContext,
        correlation_id: str,
    ) -> None:
        if query.message is None:
            await query.answer()
            return
        chat_id = query.message.chat.id
        catalog = services.templates
        spec = catalog.get(callback_data.k) if catalog and callback_data.a == "r" else None
        if callback_data.a == "r" and spec is None:
            await _stale(query, bot, services, locale)
            return
        if spec is not None:
            runner = template_runner(services)
            missing = await runner.unmet(spec) if runner else None
            if missing is not None:
                await query.answer(requirement_text(missing, locale), show_alert=True)
                return
        panel = await claim_press(services, chat_id, query.message.message_id, callback_data.v)
        if panel is None:
            await _stale(query, bot, services, locale)
            return
        await query.answer()
        if callback_data.a == "h":
            await state.clear()  # leaving for another menu ends an unfinished input
            await draw(bot, chat_id, services, locale, Panel(panel.message_id, panel.version + 1))
            return
        if callback_data.a == "c":
            try:
                Category(callback_data.k)
            except ValueError:
                await bump(bot, chat_id, services, locale, panel)
                return
            await state.clear()
            nxt = Panel(panel.message_id, panel.version + 1, "c", callback_data.k, callback_data.p)
            await draw(bot, chat_id, services, locale, nxt)
            return
        assert spec is not None
        # The panel stays on its view with a new version: a second tap of this button is stale.
        await bump(bot, chat_id, services, locale, panel)
        chat = FlowChat(bot, chat_id, _owner(query), services, locale, correlation_id)
        await flow.start(chat, spec, state)

    async def on_input(
        query: CallbackQuery,
        callback_data: TplInput,
        bot: Bot,
        services: BotServices,
        locale: str,
        state: FSMContext,
        correlation_id: str,
    ) -> None:
        if query.message is None:
            await query.answer()
            return
        chat_id = query.message.chat.id
        data = await state.get_data()
        current = await state.get_state()
        if lapsed(data):
            await state.clear()
        if (
            current != TemplateInput.waiting.state
            or lapsed(data)
            or data.get("tid") != callback_data.t
            or int(data.get("step", -1)) != callback_data.s
        ):
            await query.answer(t("tpl.input.stale", locale))
            return
        await query.answer()
        # The answered prompt keeps its text but loses its buttons.
        with contextlib.suppress(TelegramAPIError):
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=query.message.message_id, reply_markup=None
            )
        if callback_data.a == "x":
            await state.clear()
            await bot.send_message(chat_id, t("tpl.input.cancelled", locale))
            return
        catalog = services.templates
        spec = catalog.get(callback_data.t) if catalog else None
        if spec is None:
            await state.clear()
            return
        item = spec.inputs[callback_data.s]
        chat = FlowChat(bot, chat_id, _owner(query), services, locale, correlation_id)
        if callback_data.a == "s":
            if not item.optional:
                await query.answer()
                return
            await flow.answer(chat, state, None, skip=True)
            return
        if callback_data.a == "d":
            raw = item.default
        else:
            raw = item.presets[callback_data.i].value if callback_data.i < len(item.presets) else None
        if raw is None:
            return
        await flow.answer(chat, state, raw)

    async def on_typed_answer(
        message: Message, bot: Bot, services: BotServices, locale: str, state: FSMContext, correlation_id: str
    ) -> None:
        chat = FlowChat(bot, message.chat.id, _owner(message), services, locale, correlation_id)
        await flow.answer(chat, state, message.text)

    async def on_page(
        query: CallbackQuery, callback_data: TplPage, bot: Bot, services: BotServices, locale: str
    ) -> None:
        runner = template_runner(services)
        answer = await runner.answer_by_id(_owner(query), callback_data.a) if runner else None
        if answer is None or query.message is None:
            await query.answer(t("tpl.render.page_stale", locale))
            return
        await query.answer()
        rendered = answer_text(services.templates, answer, formats_for(services, locale), callback_data.p)
        try:
            await bot.edit_message_text(
                text=rendered.text,
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                reply_markup=pages_keyboard(answer.answer_id, rendered.page, rendered.pages),
            )
        except TelegramAPIError as exc:
            log.info("page_edit_failed", extra={"error": type(exc).__name__})

    async def on_suggest(
        query: CallbackQuery,
        callback_data: TplSuggest,
        bot: Bot,
        services: BotServices,
        locale: str,
        state: FSMContext,
        correlation_id: str,
    ) -> None:
        catalog = services.templates
        spec = catalog.get(callback_data.t) if catalog else None
        if spec is None or query.message is None:
            await query.answer(t("menu.stale", locale))
            return
        chat_id = query.message.chat.id
        once = f"tpl:suggest:{chat_id}:{query.message.message_id}:{spec.id}"
        if not await services.state.set_if_absent(once, "1", SUGGEST_TTL_SEC):
            await query.answer(t("tpl.input.stale", locale))
            return
        await query.answer()
        chat = FlowChat(bot, chat_id, _owner(query), services, locale, correlation_id)
        await flow.start(chat, spec, state)

    async def on_free_text(
        message: Message, bot: Bot, services: BotServices, locale: str, state: FSMContext, correlation_id: str
    ) -> None:
        catalog = services.templates
        text = message.text or ""
        if catalog is None:
            raise SkipHandler
        try:
            from ownerbot.templates.freetext import TextMatch, route_text
        except ImportError:  # the free-text router ships separately
            raise SkipHandler from None
        routed = route_text(text, catalog)
        if isinstance(routed, TextMatch):
            spec = catalog.get(routed.template_id)
            if spec is not None:
                chat = FlowChat(bot, message.chat.id, _owner(message), services, locale, correlation_id)
                await flow.start(chat, spec, state, raw=dict(routed.raw_inputs))
                return
            raise SkipHandler
        ids = [i for i in routed.template_ids if catalog.get(i) is not None][:3]
        if not ids:
            raise SkipHandler
        await message.answer(
            t("tpl.freetext.suggest", locale), reply_markup=suggestions_keyboard(catalog, ids, locale)
        )

    async def cmd_cancel(message: Message, locale: str, state: FSMContext) -> None:
        had = await state.get_state() is not None
        await state.clear()
        await message.answer(t("tpl.input.cancelled" if had else "tpl.input.nothing_to_cancel", locale))

    async def cmd_lang(message: Message, command: CommandObject, services: BotServices, locale: str) -> None:
        choice = (command.args or "").strip().lower()
        if choice in SUPPORTED_LOCALES:
            await services.state.set(locale_key(_owner(message)), choice, LANG_TTL_SEC)
            await message.answer(t("tpl.lang.set", choice))
            return
        await message.answer(t("tpl.lang.pick", locale), reply_markup=lang_keyboard())

    async def on_lang(query: CallbackQuery, callback_data: TplLang, services: BotServices) -> None:
        await services.state.set(locale_key(_owner(query)), callback_data.lang, LANG_TTL_SEC)
        await query.answer(t("tpl.lang.set", callback_data.lang))
        if isinstance(query.message, Message):
            await query.message.answer(t("tpl.lang.set", callback_data.lang))

    async def cmd_templates(message: Message, services: BotServices, locale: str) -> None:
        if services.templates is None:
            await message.answer(t("tpl.runner.no_catalog", locale))
            return
        for text in templates_list_text(services.templates, locale):
            await message.answer(text)

    def run_command(template_id: str) -> Any:
        async def handler(
            message: Message,
            bot: Bot,
            services: BotServices,
            locale: str,
            state: FSMContext,
            correlation_id: str,
        ) -> None:
            spec = services.templates.get(template_id) if services.templates else None
            if spec is None:
                await message.answer(t("tpl.runner.no_template", locale, id=template_id))
                return
            chat = FlowChat(bot, message.chat.id, _owner(message), services, locale, correlation_id)
            await flow.start(chat, spec, state)

        handler.__name__ = f"cmd_{template_id.lower()}"
        return handler

    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(cmd_lang, Command("lang"))
    router.message.register(cmd_templates, Command("templates"))
    router.message.register(run_command(KPI_TEMPLATE), Command("kpi"))
    router.message.register(run_command(ORDERS_TEMPLATE), Command("orders"))
    router.callback_query.register(on_nav, TplNav.filter())
    router.callback_query.register(on_input, TplInput.filter())
    router.callback_query.register(on_page, TplPage.filter())
    router.callback_query.register(on_suggest, TplSuggest.filter())
    router.callback_query.register(on_lang, TplLang.filter())
    not_command = F.text & ~F.text.startswith("/")
    router.message.register(on_typed_answer, StateFilter(TemplateInput.waiting), not_command)
    router.message.register(on_free_text, not_command)

    async def on_shutdown() -> None:
        await flow.jobs.drain()

    router.shutdown.register(on_shutdown)
    return router
