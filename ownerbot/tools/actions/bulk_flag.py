"""`bulk_flag_order`: flag every order an `orders_search` filter matches, with one reason.

The preview resolves the filter into the exact order ids to flag and binds them into the confirm
token (`bound_payload`), so the commit flags what the owner saw, not whatever matches minutes later.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ownerbot.actions.contract import MAX_EXAMPLES, ActionContext, ActionExample, ActionPreview, ActionResult
from ownerbot.i18n import t
from ownerbot.tools.actions.common import ActionPayload, FlagReason, OrderId, action_spec, annotations_of
from ownerbot.tools.actions.flags import flag_text
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure
from ownerbot.tools.read.ops.orders_search import OrderStatus
from ownerbot.upstream.ops import OrderPreset, OrderQuery

# Flagging more orders than this at once is unusual enough to ask for an explicit "apply anyway".
BULK_ANOMALY_COUNT = 50
MAX_BULK_ORDERS = 200


class BulkFlagOrderPayload(ActionPayload):
    """The `orders_search` filters (AND), the reason, and `order_ids`: the plan the preview resolves."""

    q: str | None = Field(default=None, min_length=1, max_length=100)
    status: OrderStatus | None = None
    preset: OrderPreset | None = None
    flagged: bool | None = None
    since_hours: int | None = Field(default=None, ge=1, le=720)
    limit: int = Field(default=MAX_BULK_ORDERS, ge=1, le=MAX_BULK_ORDERS)
    reason: FlagReason = None
    order_ids: list[OrderId] | None = Field(default=None, min_length=1, max_length=MAX_BULK_ORDERS)

    @field_validator("q")
    @classmethod
    def _q_has_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().lstrip("#"):
            raise ValueError("q: must contain an order id, a phone or a customer id")
        return value

    @model_validator(mode="after")
    def _some_filter(self) -> BulkFlagOrderPayload:
        filters = (self.q, self.status, self.preset, self.flagged, self.since_hours, self.order_ids)
        if all(value is None for value in filters):
            # Flagging every order of the shop is never what a bulk flag means.
            raise ValueError("give at least one filter: q, status, preset, flagged or since_hours")
        return self


async def _matching_ids(payload: BulkFlagOrderPayload, ctx: ActionContext) -> tuple[list[str], int]:
    """The order ids the filter matches now (newest first, at most `limit`) and the total count."""
    if payload.order_ids is not None:
        return list(payload.order_ids), len(payload.order_ids)
    query = OrderQuery(
        q=payload.q,
        status=payload.status,
        preset=payload.preset,
        flagged=payload.flagged,
        since_hours=payload.since_hours,
        limit=payload.limit,
    )
    page = await ctx.provider.ops.search_orders(query, ctx.now)
    return [item.order_id for item in page.items], page.count


async def preview_bulk_flag(payload: BulkFlagOrderPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    ids, total = await _matching_ids(payload, ctx)
    states = await annotations_of(ctx).order_flags(ids)
    targets = [
        states[i]
        for i in ids
        if i in states and not (states[i].flagged and states[i].reason == payload.reason)
    ]
    summary = t("actions.bulk_flag.summary", loc, count=len(targets), matched=total)
    if not ids:
        return ActionPreview(
            affected_count=0, summary=summary, noop_reason=t("actions.bulk_flag.noop_none", loc)
        )
    if not targets:
        return ActionPreview(
            affected_count=0,
            summary=summary,
            noop_reason=t("actions.bulk_flag.noop_all", loc, count=len(ids)),
        )
    warnings = []
    if total > len(ids):
        warnings.append(t("actions.bulk_flag.over_limit", loc, matched=total, limit=len(ids)))
    examples = [
        ActionExample(
            target=f"#{state.order_id}",
            before=flag_text(state.flagged, state.reason, loc),
            after=flag_text(True, payload.reason, loc),
        )
        for state in targets[:MAX_EXAMPLES]
    ]
    anomaly = len(targets) > BULK_ANOMALY_COUNT
    plan = payload.model_dump(mode="json")
    plan["order_ids"] = [state.order_id for state in targets]
    return ActionPreview(
        affected_count=len(targets),
        summary=summary,
        examples=examples,
        warnings=warnings,
        anomaly=anomaly,
        anomaly_reason=t("actions.bulk_flag.anomaly", loc, count=len(targets), limit=BULK_ANOMALY_COUNT)
        if anomaly
        else None,
        bound_payload=plan,
        details={"matched": total, "targets": len(targets)},
    )


async def commit_bulk_flag(payload: BulkFlagOrderPayload, ctx: ActionContext) -> ActionResult:
    if payload.order_ids is None:
        raise ToolFailure(ErrorCode.VALIDATION_ERROR, t("tools.errors.bulk_not_resolved", ctx.locale))
    changed = await annotations_of(ctx).set_flags(payload.order_ids, payload.reason, ctx.now)
    loc = ctx.locale
    warnings = []
    if len(changed) < len(payload.order_ids):
        warnings.append(
            t("actions.bulk_flag.some_unchanged", loc, count=len(payload.order_ids) - len(changed))
        )
    return ActionResult(
        changed_count=len(changed),
        summary=t("actions.bulk_flag.done", loc, count=len(changed)),
        warnings=warnings,
        rollback_hint=t("actions.bulk_flag.rollback", loc),
        details={"changed": changed},
    )


SPEC = action_spec(
    name="bulk_flag_order",
    payload_model=BulkFlagOrderPayload,
    description="Flag every order matching orders_search filters (q/status/preset/flagged/since_hours)",
    preview=preview_bulk_flag,
    commit=commit_bulk_flag,
    risk=Risk.MED,
    target_system="OwnerBot",
    examples=({"preset": "stuck", "reason": "проверить оплату"},),
)
