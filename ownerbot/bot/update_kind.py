"""The kind of an update (`message`, `callback_query`, …) without failing on types aiogram doesn't know."""

from __future__ import annotations

from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError


def update_kind(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:
        return "unknown"
