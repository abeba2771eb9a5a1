"""`ntf_escalation_ack` and `ntf_escalation_snooze`: act on the owner's open critical escalations.

The preview binds the ids it showed (`escalation_ids`), so the commit acts on exactly those; none open →
a no-op preview that says so.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from ownerbot.actions.contract import MAX_EXAMPLES, ActionContext, ActionExample, ActionPreview, ActionResult
from ownerbot.i18n import t
from ownerbot.storage.repositories.notifications import EscalationRow
from ownerbot.tools.actions.common import ActionPayload, excerpt
from ownerbot.tools.actions.ntf_common import notifications_of, ntf_spec
from ownerbot.tools.registry import ToolSpec


class EscalationAckPayload(ActionPayload):
    """`escalation_ids` is filled by the preview (the open escalations it showed)."""

    escalation_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)


class EscalationSnoozePayload(ActionPayload):
    hours: Literal[12, 24]
    escalation_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)


async def _open(ctx: ActionContext, ids: list[int] | None) -> list[EscalationRow]:
    rows = await notifications_of(ctx).repository.open_escalations(ctx.actor_id)
    return rows if ids is None else [row for row in rows if row.id in set(ids)]


def _examples(rows: list[EscalationRow], after: str) -> list[ActionExample]:
    return [
        ActionExample(target=excerpt(row.summary), before=row.alert_key, after=after)
        for row in rows[:MAX_EXAMPLES]
    ]


async def preview_ack(payload: EscalationAckPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    rows = await _open(ctx, payload.escalation_ids)
    summary = t("ntf.escalation.ack_summary", loc, count=len(rows))
    if not rows:
        return ActionPreview(
            affected_count=0, summary=summary, noop_reason=t("ntf.escalation.none_open", loc)
        )
    ids = [row.id for row in rows]
    return ActionPreview(
        affected_count=len(rows),
        summary=summary,
        examples=_examples(rows, t("ntf.escalation.acked", loc)),
        bound_payload={"escalation_ids": ids},
        details={"escalation_ids": ids},
    )


async def commit_ack(payload: EscalationAckPayload, ctx: ActionContext) -> ActionResult:
    rows = await _open(ctx, payload.escalation_ids)
    changed = await notifications_of(ctx).repository.ack(ctx.actor_id, [row.id for row in rows], ctx.now)
    return ActionResult(
        changed_count=len(changed),
        summary=t("ntf.escalation.ack_done", ctx.locale, count=len(changed)),
        rollback_hint=t("ntf.escalation.ack_rollback", ctx.locale),
        details={"escalation_ids": changed},
    )


async def preview_snooze(payload: EscalationSnoozePayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    rows = await _open(ctx, payload.escalation_ids)
    summary = t("ntf.escalation.snooze_summary", loc, count=len(rows), hours=payload.hours)
    if not rows:
        return ActionPreview(
            affected_count=0, summary=summary, noop_reason=t("ntf.escalation.none_open", loc)
        )
    ids = [row.id for row in rows]
    return ActionPreview(
        affected_count=len(rows),
        summary=summary,
        examples=_examples(rows, t("ntf.escalation.snoozed", loc, hours=payload.hours)),
        bound_payload={"hours": payload.hours, "escalation_ids": ids},
        details={"escalation_ids": ids, "until": (ctx.now + timedelta(hours=payload.hours)).isoformat()},
    )


async def commit_snooze(payload: EscalationSnoozePayload, ctx: ActionContext) -> ActionResult:
    rows = await _open(ctx, payload.escalation_ids)
    until = ctx.now + timedelta(hours=payload.hours)
    changed = await notifications_of(ctx).repository.snooze(ctx.actor_id, [row.id for row in rows], until)
    return ActionResult(
        changed_count=len(changed),
        summary=t("ntf.escalation.snooze_done", ctx.locale, count=len(changed), hours=payload.hours),
        rollback_hint=t("ntf.escalation.snooze_rollback", ctx.locale),
        details={"escalation_ids": changed, "until": until.isoformat()},
    )


SPECS: list[ToolSpec[Any]] = [
    ntf_spec(
        name="ntf_escalation_ack",
        payload_model=EscalationAckPayload,
        description="Acknowledge the open critical escalations (stops their repeats)",
        preview=preview_ack,
        commit=commit_ack,
        examples=({},),
    ),
    ntf_spec(
        name="ntf_escalation_snooze",
        payload_model=EscalationSnoozePayload,
        description="Snooze the open critical escalations for 12 or 24 hours",
        preview=preview_snooze,
        commit=commit_snooze,
        examples=({"hours": 12},),
    ),
]
