"""/upstream: the data source — configured vs selected vs answering, and (when allowed) a switch.

Buttons DEMO / SIS_HTTP / AUTO appear when `UPSTREAM_RUNTIME_TOGGLE_ENABLED`; a press stores the
override in the state store (it survives restarts), audits `upstream_mode_changed` with the actor and
before → after, and redraws the panel.
"""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from ownerbot.bot.context import BotServices
from ownerbot.config.settings import UpstreamMode
from ownerbot.i18n import t
from ownerbot.upstream.modes import AUDIT_EVENT, ToggleDisabled, UpstreamModeService


class UpstreamCallback(CallbackData, prefix="up"):
    """Switch the upstream mode to `mode` (DEMO, SIS_HTTP or AUTO)."""

    mode: str


def upstream_text(modes: UpstreamModeService, locale: str) -> str:
    state = modes.state()
    override = t("upstream.override_note", locale) if state.override is not None else ""
    lines = [
        t("upstream.title", locale),
        t("upstream.configured", locale, mode=state.configured.value),
        t("upstream.selected", locale, mode=state.selected.value, override=override),
        t("upstream.effective", locale, mode=state.effective),
    ]
    if state.reason:
        lines.append(t("upstream.reason", locale, reason=escape(state.reason)))
    if state.selected is UpstreamMode.AUTO:
        lines.append(t("upstream.auto_note", locale))
    lines.append("")
    lines.append(t("upstream.pick" if state.toggle_enabled else "upstream.toggle_disabled", locale))
    return "\n".join(lines)


def upstream_keyboard(modes: UpstreamModeService) -> InlineKeyboardMarkup | None:
    if not modes.toggle_enabled:
        return None
    selected = modes.selected
    buttons = [
        InlineKeyboardButton(
            text=f"• {mode.value}" if mode is selected else mode.value,
            callback_data=UpstreamCallback(mode=mode.value).pack(),
        )
        for mode in (UpstreamMode.DEMO, UpstreamMode.SIS_HTTP, UpstreamMode.AUTO)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def cmd_upstream(message: Message, services: BotServices, locale: str) -> None:
    modes = services.upstream
    if modes is None:
        await message.answer(t("upstream.toggle_disabled", locale))
        return
    await message.answer(upstream_text(modes, locale), reply_markup=upstream_keyboard(modes))


async def on_switch(
    query: CallbackQuery, callback_data: UpstreamCallback, services: BotServices, locale: str
) -> None:
    modes = services.upstream
    try:
        target = UpstreamMode(callback_data.mode)
    except ValueError:
        await query.answer()
        return
    if modes is None or not modes.toggle_enabled:
        await query.answer(t("upstream.toggle_disabled", locale), show_alert=True)
        return
    before = modes.selected
    if before is target:
        await query.answer(t("upstream.unchanged", locale, mode=target.value))
        return
    try:
        before, after = await modes.set_mode(target)
    except ToggleDisabled:
        await query.answer(t("upstream.toggle_disabled", locale), show_alert=True)
        return
    actor = query.from_user.id if query.from_user else None
    await services.audit.record(
        AUDIT_EVENT,
        actor_tg_id=actor,
        action_name="upstream_mode",
        status="ok",
        summary=f"{before.value} → {after.value}",
        details={"before": before.value, "after": after.value, "configured": modes.configured.value},
    )
    await query.answer(t("upstream.switched", locale, before=before.value, after=after.value))
    if isinstance(query.message, Message):
        await query.message.edit_text(upstream_text(modes, locale), reply_markup=upstream_keyboard(modes))


def build_router() -> Router:
    router = Router(name="upstream")
    router.message.register(cmd_upstream, Command("upstream"))
    router.callback_query.register(on_switch, UpstreamCallback.filter())
    return router
