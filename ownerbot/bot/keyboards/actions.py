"""Buttons of action messages. Each carries only the opaque token id; everything else is server-side.

The prefixes differ from each other in both characters on purpose: changing one byte of a button's
data can never turn ✅ into ❌ (or ↩️ into ✅); it yields data no handler accepts, which is refused
and audited as tamper.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ownerbot.i18n import t


class ActionConfirmCallback(CallbackData, prefix="ok"):
    token: str


class ActionCancelCallback(CallbackData, prefix="no"):
    token: str


class ActionForceCallback(CallbackData, prefix="fz"):
    token: str


class ActionUndoCallback(CallbackData, prefix="ud"):
    token: str


def preview_keyboard(token_id: str, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("actions.buttons.confirm", locale), callback_data=ActionConfirmCallback(token=token_id)
    )
    builder.button(
        text=t("actions.buttons.cancel", locale), callback_data=ActionCancelCallback(token=token_id)
    )
    builder.adjust(2)
    return builder.as_markup()


def force_keyboard(token_id: str, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("actions.buttons.force", locale), callback_data=ActionForceCallback(token=token_id))
    builder.button(
        text=t("actions.buttons.cancel", locale), callback_data=ActionCancelCallback(token=token_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def result_keyboard(token_id: str, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("actions.buttons.undo", locale), callback_data=ActionUndoCallback(token=token_id))
    return builder.as_markup()
