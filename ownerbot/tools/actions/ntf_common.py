"""What the `ntf_*` action tools share: the spec factory (titles under `ntf.title.*`), access to the
notification services, and the before → after diff of one kind's settings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ownerbot.actions.contract import (
    MAX_EXAMPLES,
    ActionContext,
    ActionExample,
    ActionPreview,
    ActionResult,
    ActionUndo,
    CommitHook,
    PreviewHook,
    TargetSystem,
)
from ownerbot.i18n import t
from ownerbot.services.notifications.service import NotificationServices, kind_settings
from ownerbot.services.notifications.settings import OPTIONS_MODELS, KindSettings, NotificationKind
from ownerbot.tools.actions.common import action_spec
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure
from ownerbot.tools.registry import ToolSpec
from ownerbot.tools.validation import validation_failure

P = TypeVar("P", bound=BaseModel)
ENABLED = "enabled"


def ntf_spec(
    *,
    name: str,
    payload_model: type[P],
    description: str,
    preview: PreviewHook[P],
    commit: CommitHook[P],
    target_system: TargetSystem = "OwnerBot",
    examples: tuple[dict[str, Any], ...] = (),
) -> ToolSpec[P]:
    """A LOW-risk action spec whose title is `ntf.title.<name>` (this area's own locale namespace)."""
    return action_spec(
        name=name,
        payload_model=payload_model,
        description=description,
        preview=preview,
        commit=commit,
        risk=Risk.LOW,
        target_system=target_system,
        examples=examples,
        title_area="ntf",
    )


def notifications_of(ctx: ActionContext) -> NotificationServices:
    if ctx.deps.notifications is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, t("ntf.refusal.no_notifications", ctx.locale))
    return ctx.deps.notifications


def value_text(field: str, value: Any, locale: str, shop_tz: str) -> str:
    """A setting's value as the owner reads it."""
    if isinstance(value, bool):
        return t("ntf.value.on" if value else "ntf.value.off", locale)
    if value is None:
        return t("ntf.value.shop_tz", locale, tz=shop_tz) if field == "tz" else "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def flat(settings: KindSettings) -> dict[str, Any]:
    """`enabled` plus the options, in declaration order (what previews and ntf_status list)."""
    return {ENABLED: settings.enabled, **settings.options.model_dump()}


def apply_changes(
    before: KindSettings,
    payload: BaseModel,
    model: type[BaseModel],
    *,
    option_keys: Mapping[str, str] | None = None,
) -> KindSettings:
    """`before` with the payload's given fields (None = keep); the options are re-validated."""
    given = payload.model_dump(exclude_none=True)
    enabled = given.pop(ENABLED, before.enabled)
    mapping = option_keys or {}
    options = {**before.options.model_dump(), **{mapping.get(k, k): v for k, v in given.items()}}
    options_model = OPTIONS_MODELS[before.kind]
    try:
        validated = options_model.model_validate(options)
    except ValidationError as exc:
        # Only a row edited by hand can fail here: the payload was validated with the same bounds.
        raise validation_failure(options_model, exc) from None
    return KindSettings(kind=before.kind, enabled=enabled, options=validated, is_default=False)


def changes(before: KindSettings, after: KindSettings) -> list[str]:
    old, new = flat(before), flat(after)
    return [key for key in new if old.get(key) != new[key]]


def settings_preview(
    name: str, before: KindSettings, after: KindSettings, ctx: ActionContext
) -> ActionPreview:
    """before → after per changed field; no change → a no-op (nothing to confirm)."""
    loc = ctx.locale
    kind_title = t(f"ntf.kind.{before.kind.value}", loc)
    summary = t("ntf.settings.summary", loc, kind=kind_title)
    changed = changes(before, after)
    if not changed:
        return ActionPreview(
            affected_count=0, summary=summary, noop_reason=t("ntf.settings.noop", loc, kind=kind_title)
        )
    old, new = flat(before), flat(after)
    tz = ctx.tenant.timezone
    examples = [
        ActionExample(
            target=t(f"ntf.field.{key}", loc),
            before=value_text(key, old[key], loc, tz),
            after=value_text(key, new[key], loc, tz),
        )
        for key in changed[:MAX_EXAMPLES]
    ]
    warnings = []
    if len(changed) > MAX_EXAMPLES:
        warnings.append(t("ntf.settings.more", loc, count=len(changed) - MAX_EXAMPLES))
    return ActionPreview(
        affected_count=1,
        summary=summary,
        examples=examples,
        warnings=warnings,
        details={"kind": before.kind.value, "changed": changed},
    )


async def preview_settings(
    name: str, kind: NotificationKind, payload: BaseModel, ctx: ActionContext, **apply: Any
) -> ActionPreview:
    repository = notifications_of(ctx).repository
    before = await kind_settings(repository, ctx.actor_id, kind)
    after = apply_changes(before, payload, type(payload), **apply)
    return settings_preview(name, before, after, ctx)


async def commit_settings(
    name: str, kind: NotificationKind, payload: BaseModel, ctx: ActionContext, **apply: Any
) -> ActionResult:
    """Re-read, apply, save in one transaction; the undo restores the previous values."""
    repository = notifications_of(ctx).repository
    before = await kind_settings(repository, ctx.actor_id, kind)
    after = apply_changes(before, payload, type(payload), **apply)
    changed = changes(before, after)
    loc = ctx.locale
    kind_title = t(f"ntf.kind.{kind.value}", loc)
    if changed:
        await repository.save(
            ctx.actor_id, kind.value, enabled=after.enabled, settings=after.options_json(), now=ctx.now
        )
    return ActionResult(
        changed_count=1 if changed else 0,
        summary=t("ntf.settings.done", loc, kind=kind_title)
        if changed
        else t("ntf.settings.noop", loc, kind=kind_title),
        rollback_hint=t("ntf.settings.rollback", loc),
        undo=_undo(name, before, type(payload), ctx.tenant.timezone, apply.get("option_keys"))
        if changed
        else None,
        details={
            "kind": kind.value,
            "changed": changed,
            "after": {ENABLED: after.enabled, **after.options_json()},
        },
    )


def _undo(
    name: str,
    before: KindSettings,
    model: type[BaseModel],
    shop_tz: str,
    option_keys: Mapping[str, str] | None,
) -> ActionUndo:
    mapping = option_keys or {}
    values = {ENABLED: before.enabled, **before.options.model_dump(mode="json")}
    if "tz" in values and values["tz"] is None:
        # "The shop's zone" has no payload spelling; the zone it meant is what the owner saw before.
        values["tz"] = shop_tz
    payload = {
        key: values[mapping.get(key, key)]
        for key in model.model_fields
        if values.get(mapping.get(key, key)) is not None
    }
    return ActionUndo(action=name, payload=payload)
