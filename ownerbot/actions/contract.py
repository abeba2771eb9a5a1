"""The action tool contract: what `preview` and `commit` take and return, and the hooks a spec carries.

An action tool is a `ToolSpec` with `kind=ACTION` and `action=ActionHooks(...)`. The pipeline calls
`preview(payload, ctx)` (no side effects) and, only with a claimed, confirmed token, `commit(payload,
ctx)`. Tools never see tokens, claims or audit: the pipeline does all of that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ownerbot.tools.contract import Risk, Tenant

if TYPE_CHECKING:
    from ownerbot.actions.ports import ChatMessenger
    from ownerbot.services.notifications.service import NotificationServices
    from ownerbot.upstream.annotations import OrderAnnotations
    from ownerbot.upstream.base import UpstreamProvider
    from ownerbot.upstream.catalog import CatalogActions

P = TypeVar("P", bound=BaseModel)

TargetSystem = Literal["SIS", "OwnerBot", "Telegram"]
MAX_EXAMPLES = 5
RISK_ORDER: tuple[Risk, ...] = (Risk.LOW, Risk.MED, Risk.HIGH)


class ActionExample(BaseModel):
    """One affected thing, before → after (texts already in the owner's language)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str = Field(max_length=200)
    before: str = Field(max_length=400)
    after: str = Field(max_length=400)


class ActionPreview(BaseModel):
    """A dry run's answer. `noop_reason` (or `affected_count == 0`) means there is nothing to confirm.

    `bound_payload`, when set, is the payload the confirm token binds instead of the request's: a plan
    resolved during the preview (e.g. the exact order ids a filter matched), so the commit applies
    exactly what was shown, not whatever matches later.
    """

    model_config = ConfigDict(extra="forbid")

    affected_count: int = Field(ge=0)
    summary: str = Field(min_length=1, max_length=500)
    examples: list[ActionExample] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    warnings: list[str] = Field(default_factory=list)
    # Only ever raises the spec's risk (a bulk run may be riskier than a single one), never lowers it.
    risk: Risk | None = None
    anomaly: bool = False
    anomaly_reason: str | None = None
    noop_reason: str | None = None
    bound_payload: dict[str, Any] | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _anomaly_says_why(self) -> ActionPreview:
        if self.anomaly and not self.anomaly_reason:
            raise ValueError("an anomalous preview must say what is anomalous (anomaly_reason)")
        return self

    @property
    def is_noop(self) -> bool:
        return self.affected_count == 0 or self.noop_reason is not None


class ActionUndo(BaseModel):
    """How to reverse a commit: another action with its payload (it goes through the pipeline too)."""

    model_config = ConfigDict(extra="forbid")

    action: str
    payload: dict[str, Any]


class ActionResult(BaseModel):
    """A commit's answer. `partial`: some targets changed, others failed (see warnings and details)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "partial", "failed"] = "ok"
    changed_count: int = Field(ge=0)
    summary: str = Field(min_length=1, max_length=500)
    warnings: list[str] = Field(default_factory=list)
    rollback_hint: str | None = None
    undo: ActionUndo | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class ForceRequired(Exception):
    """Raised by `commit` when the upstream refuses without force (SIS 409); nothing was applied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ActionDeps:
    """Outside services action tools may use; each is optional so a process offers what it has."""

    annotations: OrderAnnotations | None = None
    messenger: ChatMessenger | None = None
    manager_chat_ids: tuple[int, ...] = ()
    # The shop catalog operations (prices, FX, publish, discounts): DEMO tables or SIS.
    catalog: CatalogActions | None = None
    # Owner notification settings and the digest builder (ntf_* tools).
    notifications: NotificationServices | None = None


@dataclass(frozen=True)
class ActionContext:
    """Everything a preview or commit may use besides its payload. Tools never read the clock."""

    correlation_id: str
    actor_id: int
    chat_id: int
    locale: str
    now: datetime
    tenant: Tenant
    provider: UpstreamProvider
    deps: ActionDeps
    # Commit only: `force` after the explicit "apply anyway" step; the key for upstream Idempotency-Key.
    force: bool = False
    idempotency_key: str | None = None


PreviewHook = Callable[[P, ActionContext], Awaitable[ActionPreview]]
CommitHook = Callable[[P, ActionContext], Awaitable[ActionResult]]


@dataclass(frozen=True)
class ActionHooks(Generic[P]):
    """What makes a `ToolSpec` an action: its dry run, its commit, where it acts and its display title."""

    preview: PreviewHook[P]
    commit: CommitHook[P]
    target_system: TargetSystem
    # i18n key of a short title ("Пометить заказ"); shown in previews, results and /audit.
    title_key: str


def max_risk(a: Risk, b: Risk | None) -> Risk:
    """The higher of two risk labels (None leaves `a`)."""
    if b is None:
        return a
    return a if RISK_ORDER.index(a) >= RISK_ORDER.index(b) else b
