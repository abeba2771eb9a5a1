"""Tool specs and the registry: name → payload model, kind, risk, description and examples.

Menus, help, the CLI and the LLM planner read the registry; the runner executes what it holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from ownerbot.tools.contract import Actor, Risk, Tenant, ToolKind, ToolResult

if TYPE_CHECKING:
    from ownerbot.actions.contract import ActionHooks
    from ownerbot.upstream.base import UpstreamProvider

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class ToolContext:
    """Everything a tool may use besides its payload. `now` is UTC; tools never read the clock."""

    correlation_id: str
    actor: Actor
    tenant: Tenant
    now: datetime
    provider: UpstreamProvider
    # Application services a few tools need (e.g. the audit repository for sys_audit_recent).
    services: dict[str, Any] = field(default_factory=dict)


ReadHandler = Callable[[P, ToolContext], Awaitable[ToolResult]]


@dataclass(frozen=True)
class ToolSpec(Generic[P]):
    """One registered tool. Read tools have `handler`; action tools plug into the ACTION pipeline."""

    name: str
    kind: ToolKind
    payload_model: type[P]
    description: str
    handler: ReadHandler[P]
    risk: Risk = Risk.LOW
    examples: tuple[dict[str, Any], ...] = ()
    version: str = "1.0"
    # No time window applies (inventory_status, order_detail, sys tools): the verifier then requires
    # sources and as_of only.
    windowless: bool = False
    # Action tools only: the preview/commit hooks the ACTION pipeline calls (ownerbot/actions/). The
    # pipeline refuses an action spec without them; a read spec must not carry them.
    action: ActionHooks[P] | None = None

    def __post_init__(self) -> None:
        if self.kind is ToolKind.READ and self.action is not None:
            raise ValueError(f"read tool {self.name!r} cannot carry action hooks")


class ToolRegistry:
    """Holds specs by name; registering a name twice is a programming error."""

    def __init__(self, specs: Iterable[ToolSpec[Any]] = ()) -> None:
        self._specs: dict[str, ToolSpec[Any]] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ToolSpec[Any]) -> None:
        if spec.name in self._specs:
            raise ValueError(f"tool {spec.name!r} registered twice")
        self._specs[spec.name] = spec

    def get(self, name: str) -> ToolSpec[Any] | None:
        return self._specs.get(name)

    def names(self, kind: ToolKind | None = None) -> list[str]:
        return sorted(n for n, s in self._specs.items() if kind is None or s.kind is kind)

    def all(self) -> list[ToolSpec[Any]]:
        return [self._specs[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._specs
