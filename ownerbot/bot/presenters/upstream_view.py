"""The /upstream view (configured vs selected vs answering, and the switch buttons), shared by the
upstream router and the template runner's `builtin:upstream_mode` (routers never import each other).
"""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from ownerbot.config.settings import UpstreamMode
from ownerbot.i18n import t
from ownerbot.upstream.modes import UpstreamModeService


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
