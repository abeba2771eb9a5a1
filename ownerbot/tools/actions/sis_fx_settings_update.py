"""`sis_fx_settings_update`: change whitelisted FX settings; the preview shows each key before → after."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ownerbot.actions.contract import ActionContext, ActionExample, ActionPreview, ActionResult, ActionUndo
from ownerbot.tools.actions.common import ActionPayload, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, tr
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import FX_SETTINGS_KEYS


class SisFxSettingsUpdatePayload(ActionPayload):
    updates: dict[str, Any] = Field(min_length=1, max_length=len(FX_SETTINGS_KEYS))

    @field_validator("updates")
    @classmethod
    def _whitelisted(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(FX_SETTINGS_KEYS))
        if unknown:
            raise ValueError(
                f"unknown settings keys: {', '.join(unknown)}; allowed: {', '.join(FX_SETTINGS_KEYS)}"
            )
        return value


def _text(value: Any) -> str:
    return "—" if value is None else str(value)[:400]


async def preview_settings(payload: SisFxSettingsUpdatePayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        change = await catalog_of(ctx).fx_settings_preview(payload.updates)
    examples = [
        ActionExample(target=key, before=_text(change.before.get(key)), after=_text(change.after.get(key)))
        for key in change.changed_keys[:5]
    ]
    return ActionPreview(
        affected_count=len(change.changed_keys),
        summary=tr(
            loc,
            f"Настройки FX: {', '.join(change.changed_keys) or 'без изменений'}",
            f"FX settings: {', '.join(change.changed_keys) or 'no change'}",
        )[:500],
        examples=examples,
        noop_reason=tr(loc, "Настройки уже такие.", "The settings are already so.")
        if not change.changed_keys
        else None,
        details={"before": change.before, "after": change.after},
    )


async def commit_settings(payload: SisFxSettingsUpdatePayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        change = await catalog_of(ctx).fx_settings_update(payload.updates, actor_id=ctx.actor_id, now=ctx.now)
    undo = None
    if change.changed_keys:
        undo = ActionUndo(
            action="sis_fx_settings_update",
            payload={"updates": {k: change.before[k] for k in change.changed_keys}},
        )
    return ActionResult(
        changed_count=len(change.changed_keys),
        summary=tr(
            loc,
            f"Настройки FX изменены: {', '.join(change.changed_keys) or '—'}",
            f"FX settings changed: {', '.join(change.changed_keys) or '—'}",
        )[:500],
        undo=undo,
        rollback_hint=tr(loc, "Вернуть прежние: кнопка ↩️.", "Restore the previous ones: ↩️.")
        if undo
        else None,
        details={"before": change.before, "after": change.after, "changed_keys": change.changed_keys},
    )


SPEC = action_spec(
    name="sis_fx_settings_update",
    payload_model=SisFxSettingsUpdatePayload,
    description="Update whitelisted FX settings (schedule, notify, min deltas, cooldown, provider)",
    preview=preview_settings,
    commit=commit_settings,
    risk=Risk.MED,
    target_system="SIS",
    examples=({"updates": {"min_rate_delta_percent": "1.0"}},),
)
