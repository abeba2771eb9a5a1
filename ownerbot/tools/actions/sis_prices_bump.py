"""`sis_prices_bump`: raise (or lower) every price by a percent plus an amount, rounded up by a mode.

The commit recomputes from the current prices with the previewed parameters (no rollback in v1).
"""

from __future__ import annotations

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import action_spec
from ownerbot.tools.actions.sis_common import (
    catalog_errors,
    catalog_of,
    price_examples,
    tr,
    warning_texts,
)
from ownerbot.tools.contract import Risk
from ownerbot.upstream.catalog import BumpParams


class SisPricesBumpPayload(BumpParams):
    """`bump_percent` (−90..500), `bump_additive`, `rounding_mode` (+ `rounding_step` for CEIL_STEP)."""


async def preview_bump(payload: SisPricesBumpPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    with catalog_errors():
        preview = await catalog_of(ctx).prices_bump_preview(payload)
    summary = tr(
        loc,
        f"Цены +{payload.bump_percent}% +{payload.bump_additive} ({payload.rounding_mode}): "
        f"изменится {preview.affected_count}, макс. {preview.max_delta_pct}%",
        f"Prices +{payload.bump_percent}% +{payload.bump_additive} ({payload.rounding_mode}): "
        f"{preview.affected_count} change, max {preview.max_delta_pct}%",
    )
    return ActionPreview(
        affected_count=preview.affected_count,
        summary=summary,
        examples=price_examples(preview.examples, preview.currency),
        warnings=warning_texts(preview.warnings, loc),
        noop_reason=tr(loc, "Все цены уже такие.", "Every price is already so.")
        if not preview.affected_count
        else None,
        details={"max_delta_pct": str(preview.max_delta_pct), "currency": preview.currency},
    )


async def commit_bump(payload: SisPricesBumpPayload, ctx: ActionContext) -> ActionResult:
    loc = ctx.locale
    with catalog_errors():
        result = await catalog_of(ctx).prices_bump_apply(payload, actor_id=ctx.actor_id, now=ctx.now)
    return ActionResult(
        changed_count=result.affected_count,
        summary=tr(
            loc, f"Цены изменены: {result.affected_count}.", f"Prices changed: {result.affected_count}."
        ),
        warnings=warning_texts(result.warnings, loc),
        rollback_hint=tr(
            loc, "Автоматического отката нет: измени цены обратно новым действием.", "No automatic rollback."
        ),
        details={"action_id": result.action_id, "max_delta_pct": str(result.max_delta_pct)},
    )


SPEC = action_spec(
    name="sis_prices_bump",
    payload_model=SisPricesBumpPayload,
    description="Bump every price by bump_percent (+ bump_additive), rounded up (CEIL_INT/0_50/0_99/STEP)",
    preview=preview_bump,
    commit=commit_bump,
    risk=Risk.HIGH,
    target_system="SIS",
    examples=({"bump_percent": "5", "rounding_mode": "CEIL_INT"},),
)
