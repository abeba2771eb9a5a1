"""`sis_looks_publish`: switch looks on or off by ids and/or current state (ids bound by the preview)."""

from __future__ import annotations

from ownerbot.tools.actions.sis_common import tr
from ownerbot.tools.actions.sis_state_tool import OwnerFlags, StateTool
from ownerbot.upstream.catalog import LooksPublishParams


# The catalog params, then `reason` and `force` (no docstring: it would become the schema description).
class SisLooksPublishPayload(OwnerFlags, LooksPublishParams):
    pass


def _state(active: bool, locale: str) -> str:
    return tr(locale, "включены" if active else "выключены", "on" if active else "off")


def _summary(payload: SisLooksPublishPayload, count: int, locale: str, end: str = "") -> str:
    state = _state(payload.target_active, locale)
    return tr(locale, f"Образы {state}: {count}{end}", f"Looks {state}: {count}{end}")


TOOL: StateTool[SisLooksPublishPayload, LooksPublishParams] = StateTool(
    name="sis_looks_publish",
    payload_model=SisLooksPublishPayload,
    params_model=LooksPublishParams,
    ids_field="look_ids",
    preview_call=lambda catalog, params: catalog.looks_publish_preview(params),
    apply_call=lambda catalog, params, ctx: catalog.looks_publish_apply(
        params, actor_id=ctx.actor_id, now=ctx.now
    ),
    preview_summary=lambda payload, preview, loc: _summary(payload, preview.affected_count, loc),
    commit_summary=lambda payload, result, loc: _summary(payload, result.affected_count, loc, "."),
)
params_of = TOOL.params_of
preview_looks = TOOL.preview
commit_looks = TOOL.commit

SPEC = TOOL.spec(
    description="Switch looks on or off by look_ids and/or is_active_from",
    examples=({"is_active_from": False, "target_active": True},),
)
