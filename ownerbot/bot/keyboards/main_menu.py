"""The top-level menu: one button per section, two per row (sections fill in with the template catalog)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from ownerbot.bot.keyboards.callbacks import MenuCallback
from ownerbot.i18n import t

SECTIONS: tuple[str, ...] = (
    "reports",
    "orders",
    "prices",
    "discounts",
    "products",
    "looks",
    "team",
    "forecast",
    "notifications",
    "systems",
    "advanced",
)


def main_menu(locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for section in SECTIONS:
        builder.button(text=t(f"menu.{section}", locale), callback_data=MenuCallback(section=section))
    builder.adjust(2)
    return builder.as_markup()


def home_only(locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("menu.home", locale), callback_data=MenuCallback(section="home"))
    return builder.as_markup()
