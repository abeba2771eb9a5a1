"""`flag_order` and `unflag_order`: mark one order for attention (with a reason), or clear the mark.

Each is the other's undo: the result carries the exact payload that restores the previous state.
"""

from __future__ import annotations

from ownerbot.actions.contract import ActionContext, ActionExample, ActionPreview, ActionResult, ActionUndo
from ownerbot.i18n import t
from ownerbot.tools.actions.common import (
    ActionPayload,
    FlagReason,
    OrderId,
    action_spec,
    annotations_of,
    existing_order,
)
from ownerbot.tools.contract import Risk
from ownerbot.upstream.annotations import OrderFlag


class FlagOrderPayload(ActionPayload):
    order_id: OrderId
    reason: FlagReason = None


class UnflagOrderPayload(ActionPayload):
    """`reason` says why the flag is removed (kept in the audit; the order itself keeps no reason)."""

    order_id: OrderId
    reason: FlagReason = None


def flag_text(flagged: bool, reason: str | None, locale: str) -> str:
    """How a flag state reads in examples: «не помечен», «помечен», «помечен: причина»."""
    if not flagged:
        return t("actions.flag.state_clear", locale)
    if reason:
        return t("actions.flag.state_reason", locale, reason=reason)
    return t("actions.flag.state_flagged", locale)


def restore(state: OrderFlag) -> ActionUndo:
    """The action that brings an order's flag back to `state`."""
    if state.flagged:
        return ActionUndo(action="flag_order", payload={"order_id": state.order_id, "reason": state.reason})
    return ActionUndo(action="unflag_order", payload={"order_id": state.order_id})


async def preview_flag(payload: FlagOrderPayload, ctx: ActionContext) -> ActionPreview:
    state = await existing_order(ctx, payload.order_id)
    loc = ctx.locale
    summary = t("actions.flag.summary", loc, order=payload.order_id)
    if state.flagged and state.reason == payload.reason:
        return ActionPreview(
            affected_count=0,
            summary=summary,
            noop_reason=t("actions.flag.noop_same", loc, order=state.order_id),
        )
    example = ActionExample(
        target=f"#{state.order_id}",
        before=flag_text(state.flagged, state.reason, loc),
        after=flag_text(True, payload.reason, loc),
    )
    return ActionPreview(affected_count=1, summary=summary, examples=[example])


async def commit_flag(payload: FlagOrderPayload, ctx: ActionContext) -> ActionResult:
    before = await existing_order(ctx, payload.order_id)
    changed = await annotations_of(ctx).set_flags([payload.order_id], payload.reason, ctx.now)
    loc = ctx.locale
    return ActionResult(
        changed_count=len(changed),
        summary=t("actions.flag.done", loc, order=payload.order_id),
        rollback_hint=t("actions.flag.rollback", loc, order=payload.order_id),
        undo=restore(before),
        details={"order_id": payload.order_id, "changed": changed},
    )


async def preview_unflag(payload: UnflagOrderPayload, ctx: ActionContext) -> ActionPreview:
    state = await existing_order(ctx, payload.order_id)
    loc = ctx.locale
    summary = t("actions.unflag.summary", loc, order=payload.order_id)
    if not state.flagged:
        return ActionPreview(
            affected_count=0, summary=summary, noop_reason=t("actions.unflag.noop", loc, order=state.order_id)
        )
    example = ActionExample(
        target=f"#{state.order_id}",
        before=flag_text(True, state.reason, loc),
        after=flag_text(False, None, loc),
    )
    return ActionPreview(affected_count=1, summary=summary, examples=[example])


async def commit_unflag(payload: UnflagOrderPayload, ctx: ActionContext) -> ActionResult:
    before = await existing_order(ctx, payload.order_id)
    changed = await annotations_of(ctx).clear_flags([payload.order_id], ctx.now)
    loc = ctx.locale
    return ActionResult(
        changed_count=len(changed),
        summary=t("actions.unflag.done", loc, order=payload.order_id),
        rollback_hint=t("actions.unflag.rollback", loc, order=payload.order_id),
        undo=restore(before),
        details={"order_id": payload.order_id, "changed": changed},
    )


FLAG_SPEC = action_spec(
    name="flag_order",
    payload_model=FlagOrderPayload,
    description="Flag one order for attention, with a reason (undo: unflag_order)",
    preview=preview_flag,
    commit=commit_flag,
    risk=Risk.LOW,
    target_system="OwnerBot",
    examples=({"order_id": "1042", "reason": "клиент просит перезвонить"},),
)

UNFLAG_SPEC = action_spec(
    name="unflag_order",
    payload_model=UnflagOrderPayload,
    description="Remove the flag of one order (undo: flag_order with the previous reason)",
    preview=preview_unflag,
    commit=commit_unflag,
    risk=Risk.LOW,
    target_system="OwnerBot",
    examples=({"order_id": "1042"},),
)
