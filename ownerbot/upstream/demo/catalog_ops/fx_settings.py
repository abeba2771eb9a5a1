"""The shop's FX settings: whitelisted keys, their validation, defaults and the stored row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.catalog_models import CatalogFxSettings
from ownerbot.upstream.catalog import (
    FX_SETTINGS_KEYS,
    SCHEDULE_MODES,
    CatalogValidationError,
    FxSettingsChange,
)

SHOP_KEY = "default"
DEFAULT_FX_SETTINGS: dict[str, Any] = {
    "reprice_schedule_mode": "off",
    "reprice_schedule_interval_hours": 24,
    "reprice_schedule_notify_on_success": True,
    "reprice_schedule_notify_on_failure": True,
    "min_rate_delta_abs": "0",
    "min_rate_delta_percent": "0.5",
    "min_apply_cooldown_hours": 0,
    "provider": "demo",
}


def _validate_setting(key: str, value: Any) -> Any:
    """The stored form of one whitelisted setting, or a validation error naming the key."""

    def bad(why: str) -> CatalogValidationError:
        return CatalogValidationError(f"{key}: {why}", {"key": key})

    if key == "reprice_schedule_mode":
        if value not in SCHEDULE_MODES:
            raise bad(f"must be one of {', '.join(SCHEDULE_MODES)}")
        return value
    if key in ("reprice_schedule_interval_hours", "min_apply_cooldown_hours"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 30:
            raise bad("must be an integer from 0 to 720")
        if key == "reprice_schedule_interval_hours" and value < 1:
            raise bad("must be at least 1")
        return value
    if key in ("reprice_schedule_notify_on_success", "reprice_schedule_notify_on_failure"):
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if key in ("min_rate_delta_abs", "min_rate_delta_percent"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad("must be a decimal number") from None
        if isinstance(value, bool) or not number.is_finite() or number < 0 or number > 1_000_000:
            raise bad("must be a non-negative decimal")
        return str(number)
    # provider
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 32:
        raise bad("must be a provider name (1..32 characters)")
    return value.strip()


def validate_fx_updates(updates: dict[str, Any]) -> dict[str, Any]:
    """Only whitelisted keys, each with a valid value; unknown keys are named in the error."""
    unknown = sorted(set(updates) - set(FX_SETTINGS_KEYS))
    if unknown:
        raise CatalogValidationError(
            f"unknown settings keys: {', '.join(unknown)}",
            {"unknown_keys": unknown, "allowed": FX_SETTINGS_KEYS},
        )
    if not updates:
        raise CatalogValidationError("updates must name at least one setting")
    return {key: _validate_setting(key, value) for key, value in updates.items()}


def _with_defaults(row: CatalogFxSettings | None) -> dict[str, Any]:
    return {**DEFAULT_FX_SETTINGS, **(row.settings if row else {})}


def settings_change(before: dict[str, Any], clean: dict[str, Any]) -> FxSettingsChange:
    after = {**before, **clean}
    return FxSettingsChange(
        before=before, after=after, changed_keys=[k for k in clean if before[k] != after[k]]
    )


async def read_fx_settings(session: AsyncSession) -> dict[str, Any]:
    return _with_defaults(await session.get(CatalogFxSettings, SHOP_KEY))


async def write_fx_settings(
    session: AsyncSession, clean: dict[str, Any], *, actor_id: int, now: datetime
) -> FxSettingsChange:
    """Merge validated updates into the stored settings (row locked on PostgreSQL)."""
    row = await session.get(
        CatalogFxSettings, SHOP_KEY, with_for_update=session.get_bind().dialect.name == "postgresql"
    )
    change = settings_change(_with_defaults(row), clean)
    if row is None:
        session.add(
            CatalogFxSettings(shop_key=SHOP_KEY, settings=change.after, updated_at=now, updated_by=actor_id)
        )
    else:
        row.settings = change.after
        row.updated_at = now
        row.updated_by = actor_id
    return change
