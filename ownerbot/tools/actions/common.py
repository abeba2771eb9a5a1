"""What the local action tools share: payload base, order ids, the refusing read handler, spec factory."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ownerbot.actions.contract import ActionContext, ActionHooks, CommitHook, PreviewHook, TargetSystem
from ownerbot.i18n import t
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure, ToolKind, ToolResult
from ownerbot.tools.registry import ToolContext, ToolSpec
from ownerbot.upstream.annotations import OrderAnnotations, OrderFlag

P = TypeVar("P", bound=BaseModel)

# Short previews of typed texts (notes, messages) in examples and summaries.
EXCERPT_CHARS = 80


def _normalise_order_id(value: Any) -> Any:
    # Owners type "#1042" and planners send numbers; both mean the same order.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip().removeprefix("#").strip()
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


OrderId = Annotated[
    str,
    BeforeValidator(_normalise_order_id),
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$"),
]
# The length applies to the text only; blank text means "no reason" (None).
FlagReason = Annotated[Annotated[str, Field(max_length=300)] | None, BeforeValidator(_blank_to_none)]


class ActionPayload(BaseModel):
    """Base of every action payload: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


async def refuse_outside_pipeline(payload: BaseModel, ctx: ToolContext) -> ToolResult:
    """The `handler` of an action spec: an action never runs as a read tool, whoever calls it."""
    raise ToolFailure(
        ErrorCode.PERMISSION_DENIED,
        "Action tools run only through the ACTION pipeline (preview, then confirm).",
    )


def action_spec(
    *,
    name: str,
    payload_model: type[P],
    description: str,
    preview: PreviewHook[P],
    commit: CommitHook[P],
    risk: Risk,
    target_system: TargetSystem,
    examples: tuple[dict[str, Any], ...] = (),
    title_area: str = "actions",
) -> ToolSpec[P]:
    """A `ToolSpec` of kind ACTION whose hooks the pipeline calls; titled `<title_area>.title.<name>`."""
    return ToolSpec(
        name=name,
        kind=ToolKind.ACTION,
        payload_model=payload_model,
        description=description,
        handler=refuse_outside_pipeline,
        risk=risk,
        examples=examples,
        windowless=True,
        action=ActionHooks(
            preview=preview,
            commit=commit,
            target_system=target_system,
            title_key=f"{title_area}.title.{name}",
        ),
    )


def annotations_of(ctx: ActionContext) -> OrderAnnotations:
    """The order annotation writer, or NOT_SUPPORTED when this process has none."""
    if ctx.deps.annotations is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, t("tools.errors.annotations_unavailable", ctx.locale))
    return ctx.deps.annotations


def order_not_found(order_id: str, locale: str) -> ToolFailure:
    """NOT_FOUND for `order_id`, in the owner's `locale` (the preview shows it under its reason)."""
    return ToolFailure(
        ErrorCode.NOT_FOUND,
        t("tools.errors.order_not_found", locale, order=order_id),
        details={"order_id": order_id},
    )


async def existing_order(ctx: ActionContext, order_id: str) -> OrderFlag:
    """The order's flag state; NOT_FOUND when there is no such order."""
    state = (await annotations_of(ctx).order_flags([order_id])).get(order_id)
    if state is None:
        raise order_not_found(order_id, ctx.locale)
    return state


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first `limit` characters of a one-line version of `text`."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
