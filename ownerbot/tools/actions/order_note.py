"""`order_note`: attach a note to an order; `order_detail` lists it with the other notes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from ownerbot.actions.contract import ActionContext, ActionExample, ActionPreview, ActionResult
from ownerbot.i18n import t
from ownerbot.tools.actions.common import (
    ActionPayload,
    OrderId,
    action_spec,
    annotations_of,
    excerpt,
    existing_order,
    order_not_found,
)
from ownerbot.tools.contract import Risk


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class OrderNotePayload(ActionPayload):
    order_id: OrderId
    text: Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=1000)]


async def preview_note(payload: OrderNotePayload, ctx: ActionContext) -> ActionPreview:
    state = await existing_order(ctx, payload.order_id)
    loc = ctx.locale
    example = ActionExample(
        target=f"#{state.order_id}",
        before=t("actions.note.before", loc),
        after=t("actions.note.after", loc, text=excerpt(payload.text)),
    )
    return ActionPreview(
        affected_count=1, summary=t("actions.note.summary", loc, order=state.order_id), examples=[example]
    )


async def commit_note(payload: OrderNotePayload, ctx: ActionContext) -> ActionResult:
    try:
        note_id = await annotations_of(ctx).add_note(payload.order_id, payload.text, ctx.actor_id, ctx.now)
    except LookupError:
        raise order_not_found(payload.order_id, ctx.locale) from None
    loc = ctx.locale
    return ActionResult(
        changed_count=1,
        summary=t("actions.note.done", loc, order=payload.order_id),
        rollback_hint=t("actions.note.rollback", loc),
        details={"order_id": payload.order_id, "note_id": note_id},
    )


SPEC = action_spec(
    name="order_note",
    payload_model=OrderNotePayload,
    description="Attach a note to an order (shown in order_detail)",
    preview=preview_note,
    commit=commit_note,
    risk=Risk.LOW,
    target_system="OwnerBot",
    examples=({"order_id": "1042", "text": "клиент просит доставку после 18:00"},),
)
