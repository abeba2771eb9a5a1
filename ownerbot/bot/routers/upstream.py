"""/upstream: the data source — configured vs selected vs answering, and (when allowed) a switch.

Buttons DEMO / SIS_HTTP / AUTO appear when `UPSTREAM_RUNTIME_TOGGLE_ENABLED`; a press stores the
override in the state store (it survives restarts), audits `upstream_mode_changed` with the actor and
before → after, and redraws the panel.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from ownerbot.bot.context import BotServices
from ownerbot.bot.presenters.upstream_view import UpstreamCallback, upstream_keyboard, upstream_text
from ownerbot.config.settings import UpstreamMode
from ownerbot.i18n import t
from ownerbot.upstream.modes import AUDIT_EVENT, ToggleDisabled


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
