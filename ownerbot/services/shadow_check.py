"""Shadow check (`SIS_CONTRACT.md` §6): the same read tools against DEMO and SIS, and a normalised diff.

Normalisation: numbers (and decimal strings) rounded to cents, `as_of` and `filters_hash` dropped at
any depth, dates as ISO text. The diff compares key sets (a key only one side has), list lengths, value
types and values; differences are ranked shape first (missing keys, lengths, types), then values by
relative size, so the top of the list is what most likely breaks a report. Every tool whose answers
differ leaves one `shadow_check_mismatch` audit event with its top differences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.services.audit_log import AuditLog
from ownerbot.tools.contract import Actor, Tenant, ToolRequest, ToolResponse

if TYPE_CHECKING:
    from ownerbot.tools.registry import ToolRegistry
    from ownerbot.upstream.base import UpstreamProvider
    from ownerbot.upstream.sis.client import SisClient

SHADOW_CHECK_SERVICE_KEY = "shadow_check"
AUDIT_EVENT = "shadow_check_mismatch"
IGNORED_KEYS = frozenset({"as_of", "filters_hash"})
CENT = Decimal("0.01")
TOP_DIFFERENCES = 10
AUDITED_DIFFERENCES = 5
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

# The read tools the SIS read gateway covers, with payloads whose windows do not depend on "now"'s
# time of day more than DEMO and SIS both do.
SHADOW_TOOLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("kpi_snapshot", {"range": "yesterday"}),
    ("revenue_trend", {"days": 7}),
    ("top_products", {"days": 7, "limit": 10}),
    ("funnel_snapshot", {"range": "7d"}),
    ("inventory_status", {}),
    ("chats_unanswered", {}),
    ("access_summary", {"range": "7d"}),
)

DiffKind = Literal["missing_in_sis", "missing_in_demo", "length", "type", "value"]
_KIND_RANK: dict[str, int] = {"missing_in_sis": 0, "missing_in_demo": 0, "length": 1, "type": 2, "value": 3}


class SisNotConfigured(Exception):
    """No SIS to compare with (SIS_BASE_URL / SIS_OWNERBOT_API_KEY not set)."""


class Difference(BaseModel):
    path: str
    kind: DiffKind
    demo: str | None = None
    sis: str | None = None
    # Relative size of a numeric difference (|sis - demo| / max(|demo|, |sis|)), for ranking.
    magnitude: float = 0.0


class ToolComparison(BaseModel):
    tool: str
    payload: dict[str, Any]
    status: Literal["match", "mismatch", "error"]
    differences_total: int = 0
    differences: list[Difference] = Field(default_factory=list)
    demo_error: str | None = None
    sis_error: str | None = None


class ShadowReport(BaseModel):
    tools: list[ToolComparison]
    compared: int
    matched: int
    mismatched: int
    errors: int
    sis_sources: list[str]
    demo_sources: list[str]


# -- normalisation and diff -----------------------------------------------------------------------------


def _cents(value: Decimal) -> Decimal | str:
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # NaN / infinity: compare as text
        return str(value)


def normalise(value: Any) -> Any:
    """JSON-like data made comparable: numbers to cents, ignored keys dropped, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):  # counts stay whole (Decimal equality is numeric: 3 == 3.00)
        return Decimal(value)
    if isinstance(value, float | Decimal):
        return _cents(Decimal(str(value)))
    if isinstance(value, str):
        return _cents(Decimal(value)) if _NUMBER.fullmatch(value) else value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return f"[{len(value)}]"
    return "null" if value is None else str(value)


def _kind_of(value: Any) -> str:
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def diff(demo: Any, sis: Any, path: str = "") -> list[Difference]:
    """Every difference between two normalised values (unranked)."""
    found: list[Difference] = []
    if isinstance(demo, dict) and isinstance(sis, dict):
        for key in sorted(set(demo) | set(sis)):
            sub = f"{path}.{key}" if path else key
            if key not in sis:
                found.append(Difference(path=sub, kind="missing_in_sis", demo=_text(demo[key])))
            elif key not in demo:
                found.append(Difference(path=sub, kind="missing_in_demo", sis=_text(sis[key])))
            else:
                found.extend(diff(demo[key], sis[key], sub))
        return found
    if isinstance(demo, list) and isinstance(sis, list):
        if len(demo) != len(sis):
            found.append(
                Difference(path=path or "(root)", kind="length", demo=str(len(demo)), sis=str(len(sis)))
            )
        for index, (left, right) in enumerate(zip(demo, sis, strict=False)):
            found.extend(diff(left, right, f"{path}[{index}]"))
        return found
    if demo is None or sis is None:
        if demo is not sis:  # a figure only one side knows: as large as a value difference gets
            found.append(
                Difference(
                    path=path or "(root)", kind="value", demo=_text(demo), sis=_text(sis), magnitude=1.0
                )
            )
        return found
    if _kind_of(demo) != _kind_of(sis):
        found.append(Difference(path=path or "(root)", kind="type", demo=_text(demo), sis=_text(sis)))
        return found
    if demo != sis:
        magnitude = 1.0
        if isinstance(demo, Decimal) and isinstance(sis, Decimal):
            scale = max(abs(demo), abs(sis))
            magnitude = float(abs(sis - demo) / scale) if scale else 0.0
        found.append(
            Difference(
                path=path or "(root)", kind="value", demo=_text(demo), sis=_text(sis), magnitude=magnitude
            )
        )
    return found


def ranked(differences: list[Difference]) -> list[Difference]:
    """Shape differences first, then values by relative size (largest first), then by path."""
    return sorted(differences, key=lambda d: (_KIND_RANK[d.kind], -d.magnitude, d.path))


def compare(demo_data: dict[str, Any], sis_data: dict[str, Any]) -> list[Difference]:
    return ranked(diff(normalise(demo_data), normalise(sis_data)))


# -- the service -------------------------------------------------------------------------------------------


def _error_text(response: ToolResponse) -> str | None:
    if response.status == "ok" or response.error is None:
        return None
    return response.error.code.value


class ShadowCheckService:
    """Runs `SHADOW_TOOLS` through two runners (DEMO, SIS) at the same instant and compares the answers."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        sis_client_for: Callable[[], SisClient | None],
        audit: AuditLog | None,
        registry: ToolRegistry | None = None,
        tools: tuple[tuple[str, dict[str, Any]], ...] = SHADOW_TOOLS,
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._sis_client_for = sis_client_for
        self._audit = audit
        self._registry = registry
        self._tools = tools

    def _providers(self) -> tuple[UpstreamProvider, UpstreamProvider]:
        from ownerbot.upstream.factory import build_provider
        from ownerbot.upstream.sis.provider import SisProvider

        client = self._sis_client_for()
        if client is None:
            raise SisNotConfigured("SIS is not configured (SIS_BASE_URL, SIS_OWNERBOT_API_KEY)")
        demo = build_provider(self._settings, self._session_factory, mode=UpstreamMode.DEMO)
        sis = SisProvider(client, tz=self._settings.shop_timezone, currency=self._settings.shop_currency)
        return demo, sis

    async def run(self, *, now: datetime, correlation_id: str, actor: Actor, tenant: Tenant) -> ShadowReport:
        """Compare every shadow tool; raises `SisNotConfigured` when there is no SIS."""
        from ownerbot.tools.catalog import default_registry
        from ownerbot.tools.runner import ToolRunner

        demo, sis = self._providers()
        registry = self._registry or default_registry()
        runners = {
            "demo": ToolRunner(registry, provider_for=lambda: demo, audit=None, clock=lambda: now),
            "sis": ToolRunner(registry, provider_for=lambda: sis, audit=None, clock=lambda: now),
        }
        comparisons: list[ToolComparison] = []
        sources: dict[str, set[str]] = {"demo": set(), "sis": set()}
        for tool, payload in self._tools:
            if tool not in registry:
                continue
            answers: dict[str, ToolResponse] = {}
            for side, runner in runners.items():
                request = ToolRequest(
                    tool=tool, correlation_id=correlation_id, actor=actor, tenant=tenant, payload=payload
                )
                answers[side] = await runner.run(request)
                sources[side].update(answers[side].provenance.sources)
            comparison = self._compare(tool, payload, answers["demo"], answers["sis"])
            comparisons.append(comparison)
            if comparison.status == "mismatch":
                await self._audit_mismatch(comparison, correlation_id, actor)
        return ShadowReport(
            tools=comparisons,
            compared=len(comparisons),
            matched=sum(c.status == "match" for c in comparisons),
            mismatched=sum(c.status == "mismatch" for c in comparisons),
            errors=sum(c.status == "error" for c in comparisons),
            sis_sources=sorted(sources["sis"]),
            demo_sources=sorted(sources["demo"]),
        )

    @staticmethod
    def _compare(tool: str, payload: dict[str, Any], demo: ToolResponse, sis: ToolResponse) -> ToolComparison:
        demo_error, sis_error = _error_text(demo), _error_text(sis)
        if demo_error or sis_error:
            return ToolComparison(
                tool=tool, payload=payload, status="error", demo_error=demo_error, sis_error=sis_error
            )
        differences = compare(demo.data, sis.data)
        return ToolComparison(
            tool=tool,
            payload=payload,
            status="mismatch" if differences else "match",
            differences_total=len(differences),
            differences=differences[:TOP_DIFFERENCES],
        )

    async def _audit_mismatch(self, comparison: ToolComparison, correlation_id: str, actor: Actor) -> None:
        if self._audit is None:
            return
        top = [d.model_dump(exclude={"magnitude"}) for d in comparison.differences[:AUDITED_DIFFERENCES]]
        await self._audit.record(
            AUDIT_EVENT,
            correlation_id=correlation_id[:64],
            actor_tg_id=actor.owner_user_id,
            action_name=comparison.tool,
            target_system="SIS",
            status="mismatch",
            summary=f"{comparison.differences_total} difference(s) between DEMO and SIS",
            details={
                "payload": comparison.payload,
                "differences_total": comparison.differences_total,
                "top": top,
            },
        )
