"""Typed callback data (≤ 64 bytes, validated by aiogram's CallbackData factories)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCallback(CallbackData, prefix="m"):
    """Navigation inside the menu panel: `section` is a short section id (or `home`)."""

    section: str
