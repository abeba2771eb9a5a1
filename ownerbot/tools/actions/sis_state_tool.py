"""What the SIS state tools share (products publish, looks publish, discounts set and clear).

Each tool is a `StateTool`: its catalog preview/apply calls, the id field its preview binds, and its
owner texts. The preview binds the exact ids the catalog matched, so the commit changes only those.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from ownerbot.actions.contract import ActionContext, ActionPreview, ActionResult
from ownerbot.tools.actions.common import FlagReason, action_spec
from ownerbot.tools.actions.sis_common import catalog_errors, catalog_of, state_examples, tr, warning_texts
from ownerbot.tools.contract import Risk
from ownerbot.tools.registry import ToolSpec
from ownerbot.upstream.catalog import CatalogActions, StateApplyResult, StatePreview

# (Russian, English)
Texts = tuple[str, str]


class OwnerFlags(BaseModel):
    """The fields a state tool adds after its catalog params (listed first in the payload's bases)."""

    reason: FlagReason = None
    force: bool = Field(default=False)


PayloadT = TypeVar("PayloadT", bound=OwnerFlags)
ParamsT = TypeVar("ParamsT", bound=BaseModel)


def no_selection_notes(payload: Any, codes: list[str], locale: str) -> tuple[list[str], list[str]]:
    return [], codes


@dataclass(frozen=True)
class StateTool(Generic[PayloadT, ParamsT]):
    """One state tool: `preview_summary`/`commit_summary` return the owner's text in the locale given;
    `selection` splits the catalog's warning codes into notes on how targets were chosen and the rest."""

    name: str
    payload_model: type[PayloadT]
    params_model: type[ParamsT]
    ids_field: str
    preview_call: Callable[[CatalogActions, ParamsT], Awaitable[StatePreview]]
    apply_call: Callable[[CatalogActions, ParamsT, ActionContext], Awaitable[StateApplyResult]]
    preview_summary: Callable[[PayloadT, StatePreview, str], str]
    commit_summary: Callable[[PayloadT, StateApplyResult, str], str]
    noop_reason: Texts = ("Менять нечего.", "Nothing to change.")
    rollback_hint: Texts | None = None
    selection: Callable[[PayloadT, list[str], str], tuple[list[str], list[str]]] = no_selection_notes

    def params_of(self, payload: PayloadT) -> ParamsT:
        return self.params_model.model_validate(payload.model_dump(exclude={"reason", "force"}))

    async def preview(self, payload: PayloadT, ctx: ActionContext) -> ActionPreview:
        loc = ctx.locale
        with catalog_errors():
            preview = await self.preview_call(catalog_of(ctx), self.params_of(payload))
        plan = payload.model_dump(mode="json")
        plan[self.ids_field] = preview.ids
        notes, codes = self.selection(payload, preview.warnings, loc)
        return ActionPreview(
            affected_count=preview.affected_count,
            summary=self.preview_summary(payload, preview, loc),
            examples=state_examples(preview.examples),
            warnings=[*notes, *warning_texts(codes, loc)],
            noop_reason=tr(loc, *self.noop_reason) if not preview.affected_count else None,
            bound_payload=plan if preview.ids else None,
        )

    async def commit(self, payload: PayloadT, ctx: ActionContext) -> ActionResult:
        loc = ctx.locale
        with catalog_errors():
            result = await self.apply_call(catalog_of(ctx), self.params_of(payload), ctx)
        return ActionResult(
            changed_count=result.affected_count,
            summary=self.commit_summary(payload, result, loc),
            warnings=warning_texts(self.selection(payload, result.warnings, loc)[1], loc),
            rollback_hint=tr(loc, *self.rollback_hint) if self.rollback_hint else None,
            details={"ids": result.ids, "reason": payload.reason},
        )

    def spec(self, *, description: str, examples: tuple[dict[str, Any], ...]) -> ToolSpec[PayloadT]:
        return action_spec(
            name=self.name,
            payload_model=self.payload_model,
            description=description,
            preview=self.preview,
            commit=self.commit,
            risk=Risk.MED,
            target_system="SIS",
            examples=examples,
        )
