"""The daily digest (and the weekly report) as the owner receives them: built from read tools only.

`DigestBuilder` runs the digest's tool calls through a `ToolRunner` (audited like any tool call, one
correlation id) and renders the text with the reports' provenance footer; `png` is the dashboard image
and `pdf` the weekly PDF, both rendered by `ReportService`. The `ntf_send_*_now` tools use it today; the
scheduler worker will call the same `build` with the owner's stored format.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from ownerbot.config.settings import Settings
from ownerbot.domain.windows import local_day
from ownerbot.i18n import pick_locale, t
from ownerbot.observability.correlation import correlation_scope
from ownerbot.reports.inputs import ReportArtifact, ReportInputs, ReportKind, ReportRequest
from ownerbot.reports.plans import (
    CHATS_THRESHOLD_HOURS,
    FX_TOOL,
    PROBLEM_PRESETS,
    ToolCall,
    problem_count_calls,
    yesterday_compare_call,
)
from ownerbot.reports.provenance import footer_text
from ownerbot.reports.service import build_report_service
from ownerbot.reports.style import Formats, arrow, dec
from ownerbot.services.audit_log import AuditLog
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.upstream.base import UpstreamProvider

DigestFormat = Literal["text", "png", "pdf"]
CONCURRENT_CALLS = 4
HIGHLIGHTS_RANGE = "7d"
TELEGRAM_TEXT_LIMIT = 4096
ERRORS_TOOL = "sys_last_errors"
ERRORS_LIMIT = 50  # the tool's largest list; a full list of the last 24 h shows as "50+"
ERRORS_HOURS = 24


@dataclass(frozen=True)
class Digest:
    """What is sent: `text` always (the message, or the caption context), `artifact` for png/pdf."""

    format: DigestFormat
    text: str
    correlation_id: str
    inputs: ReportInputs | None = None
    artifact: ReportArtifact | None = None
    # The figures the text shows, straight from the tool answers (tests compare them with the tools).
    figures: dict[str, Any] = field(default_factory=dict)


def digest_calls(today: date) -> tuple[ToolCall, ...]:
    """Yesterday vs the same weekday a week earlier, problem counts, chats, funnel, access, renew, FX."""
    return (
        yesterday_compare_call(today),
        *problem_count_calls(),
        ToolCall("chats", "chats_unanswered", {"threshold_hours": CHATS_THRESHOLD_HOURS, "limit": 1}),
        ToolCall("funnel", "funnel_snapshot", {"range": HIGHLIGHTS_RANGE}),
        ToolCall("access", "access_summary", {"range": HIGHLIGHTS_RANGE}),
        ToolCall("renew", "renew_summary", {"range": HIGHLIGHTS_RANGE}),
        ToolCall("fx", FX_TOOL, {}),
        ToolCall("errors", ERRORS_TOOL, {"limit": ERRORS_LIMIT}),
    )


class DigestBuilder:
    """Builds digests for one shop; holds no per-owner state (the provider and clock come per call)."""

    def __init__(
        self,
        registry: ToolRegistry,
        settings: Settings,
        *,
        audit: AuditLog | None = None,
        tool_services: Mapping[str, Any] | None = None,
    ) -> None:
        self._registry = registry
        self._settings = settings
        self._audit = audit
        self._tool_services = dict(tool_services or {})

    def formats(self, locale: str) -> Formats:
        return Formats(
            locale=pick_locale(locale), currency=self._settings.shop_currency, tz=self._settings.shop_timezone
        )

    def _runner(self, provider: UpstreamProvider, now: datetime) -> ToolRunner:
        return ToolRunner(
            self._registry,
            provider_for=lambda: provider,
            audit=self._audit,
            clock=lambda: now,
            services=self._tool_services,
        )

    async def collect(
        self, *, provider: UpstreamProvider, now: datetime, actor_id: int, locale: str, correlation_id: str
    ) -> ReportInputs:
        """Every digest tool call (missing tools skipped); error answers are kept and shown as such."""
        today = local_day(now, self._settings.shop_timezone)
        calls = [c for c in digest_calls(today) if c.tool in self._registry]
        runner = self._runner(provider, now)
        slots = asyncio.Semaphore(CONCURRENT_CALLS)

        async def run(call: ToolCall) -> ToolResponse:
            async with slots:
                return await runner.run(
                    make_request(
                        call.tool,
                        call.payload,
                        settings=self._settings,
                        actor_id=actor_id,
                        correlation_id=correlation_id,
                        role="system",
                    )
                )

        with correlation_scope(correlation_id):
            answers = await asyncio.gather(*(run(call) for call in calls))
        day = today - timedelta(days=1)
        return ReportInputs(
            kind=ReportKind.DASHBOARD,
            formats=self.formats(locale),
            correlation_id=correlation_id,
            now=now,
            today=today,
            responses={call.key: answer for call, answer in zip(calls, answers, strict=True)},
            period=(day, day),
        )

    async def build(
        self,
        digest_format: DigestFormat,
        *,
        provider: UpstreamProvider,
        now: datetime,
        actor_id: int,
        locale: str,
        correlation_id: str,
    ) -> Digest:
        """The daily digest in `digest_format`; png/pdf keep the text for the audit and a fallback."""
        inputs = await self.collect(
            provider=provider, now=now, actor_id=actor_id, locale=locale, correlation_id=correlation_id
        )
        figures = digest_figures(inputs)
        text = digest_text(inputs, figures)
        artifact = None
        if digest_format != "text":
            kind = ReportKind.DASHBOARD if digest_format == "png" else ReportKind.WEEKLY
            artifact = await self._report(
                kind,
                provider=provider,
                now=now,
                actor_id=actor_id,
                locale=locale,
                correlation_id=correlation_id,
            )
        return Digest(digest_format, text, correlation_id, inputs, artifact, figures)

    async def build_weekly(
        self, *, provider: UpstreamProvider, now: datetime, actor_id: int, locale: str, correlation_id: str
    ) -> Digest:
        """The weekly report: the weekly PDF (its caption is the text)."""
        artifact = await self._report(
            ReportKind.WEEKLY,
            provider=provider,
            now=now,
            actor_id=actor_id,
            locale=locale,
            correlation_id=correlation_id,
        )
        return Digest("pdf", artifact.caption, correlation_id, None, artifact)

    async def _report(
        self,
        kind: ReportKind,
        *,
        provider: UpstreamProvider,
        now: datetime,
        actor_id: int,
        locale: str,
        correlation_id: str,
    ) -> ReportArtifact:
        service = build_report_service(
            self._settings,
            lambda: provider,
            self._audit,
            registry=self._registry,
            clock=lambda: now,
            tool_services=self._tool_services,
        )
        request = ReportRequest(kind=kind, locale=pick_locale(locale), actor_id=actor_id, role="system")
        outcome = await service.build(request, correlation_id=correlation_id)
        return outcome.artifact


def _get(data: Mapping[str, Any], *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def digest_figures(inputs: ReportInputs) -> dict[str, Any]:
    """The numbers the digest shows, by name, exactly as the tools answered (None: unavailable)."""
    compare = inputs.data("compare")
    funnel = inputs.data("funnel")
    stages: dict[str, Any] = {
        str(s.get("stage")): s for s in funnel.get("stages") or [] if isinstance(s, Mapping)
    }
    access = inputs.data("access")
    renew = inputs.data("renew")
    fx = inputs.data("fx")
    counts: dict[str, Any] = {}
    for key in (*PROBLEM_PRESETS, "chats"):
        counts[key] = inputs.data(key).get("count") if inputs.ok(key) else None
    return {
        "day": _get(compare, "a", "window", "from"),
        "ref_day": _get(compare, "b", "window", "from"),
        "revenue": _get(compare, "a", "revenue_gross"),
        "revenue_ref": _get(compare, "b", "revenue_gross"),
        "revenue_pct": _get(compare, "delta", "revenue_gross", "pct"),
        "orders": _get(compare, "a", "orders_paid"),
        "orders_ref": _get(compare, "b", "orders_paid"),
        "orders_pct": _get(compare, "delta", "orders_paid", "pct"),
        "aov": _get(compare, "a", "aov"),
        **counts,
        "funnel_created": funnel.get("orders_created") if funnel else None,
        "funnel_paid": _get(stages, "fully_paid", "orders"),
        "funnel_cancelled": funnel.get("cancelled") if funnel else None,
        "access_denials": access.get("denials_total") if access else None,
        "access_expiries": access.get("expiries_total") if access else None,
        "renew_offers": renew.get("offers") if renew else None,
        "renew_completions": renew.get("completions") if renew else None,
        "renew_revenue": renew.get("revenue") if renew else None,
        "fx_mode": fx.get("mode") if fx else None,
        "fx_rate_set": _get(fx, "last_snapshot", "rate_set_id"),
        "fx_last_apply": _get(fx, "last_apply", "created_at"),
        **_error_figures(inputs),
    }


def _error_figures(inputs: ReportInputs) -> dict[str, Any]:
    """Failures of the last 24 h among the latest `ERRORS_LIMIT` (`errors_more`: the list was full)."""
    if not inputs.ok("errors"):
        return {"errors_24h": None, "errors_more": False}
    since = inputs.now - timedelta(hours=ERRORS_HOURS)
    rows = inputs.data("errors").get("errors") or []
    recent = [row for row in rows if _after(row.get("created_at"), since)]
    return {"errors_24h": len(recent), "errors_more": len(recent) >= ERRORS_LIMIT}


def _after(value: Any, since: datetime) -> bool:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return False
    return isinstance(value, datetime) and value.tzinfo is not None and value >= since


def _unavailable(inputs: ReportInputs, label_key: str, key: str) -> str:
    """The line of a section whose tool `key` failed: «<label>: unavailable (CODE)»."""
    code = inputs.error_code(key) or "—"
    return t(label_key, inputs.locale) + ": " + t("ntf.digest.unavailable", inputs.locale, code=code)


def digest_text(inputs: ReportInputs, figures: Mapping[str, Any]) -> str:
    """The plain-text digest: sections in a fixed order, each «unavailable (CODE)» when its tool failed."""
    fmt = inputs.formats
    loc = inputs.locale
    day = inputs.period[0] if inputs.period else inputs.today
    lines = [t("ntf.digest.title", loc, day=fmt.weekday_date(day)), ""]
    if inputs.ok("compare"):
        pct = figures["revenue_pct"]
        lines.append(
            t(
                "ntf.digest.kpi",
                loc,
                revenue=fmt.money(figures["revenue"]),
                arrow=arrow(pct),
                pct=fmt.pct(pct, signed=True),
                ref_day=fmt.weekday_date(figures["ref_day"]),
                ref=fmt.money(figures["revenue_ref"]),
            )
        )
        lines.append(
            t(
                "ntf.digest.orders",
                loc,
                orders=fmt.integer(figures["orders"]),
                orders_ref=fmt.integer(figures["orders_ref"]),
                pct=fmt.pct(figures["orders_pct"], signed=True),
                aov=fmt.money(figures["aov"]),
            )
        )
    else:
        lines.append(_unavailable(inputs, "ntf.digest.kpi_label", "compare"))
    problems = {
        key: fmt.integer(figures[key]) if figures[key] is not None else "—" for key in PROBLEM_PRESETS
    }
    lines.append(t("ntf.digest.problems", loc, **problems))
    if inputs.ok("chats"):
        lines.append(
            t("ntf.digest.chats", loc, count=fmt.integer(figures["chats"]), hours=CHATS_THRESHOLD_HOURS)
        )
    else:
        lines.append(_unavailable(inputs, "ntf.digest.chats_label", "chats"))
    if inputs.ok("funnel"):
        lines.append(
            t(
                "ntf.digest.funnel",
                loc,
                created=fmt.integer(figures["funnel_created"]),
                paid=fmt.integer(figures["funnel_paid"]),
                cancelled=fmt.integer(figures["funnel_cancelled"]),
            )
        )
    else:
        lines.append(_unavailable(inputs, "ntf.digest.funnel_label", "funnel"))
    if inputs.ok("access"):
        lines.append(
            t(
                "ntf.digest.access",
                loc,
                denials=fmt.integer(figures["access_denials"]),
                expiries=fmt.integer(figures["access_expiries"]),
            )
        )
    else:
        lines.append(_unavailable(inputs, "ntf.digest.access_label", "access"))
    if inputs.ok("renew"):
        lines.append(
            t(
                "ntf.digest.renew",
                loc,
                offers=fmt.integer(figures["renew_offers"]),
                completions=fmt.integer(figures["renew_completions"]),
                revenue=fmt.money(figures["renew_revenue"]),
            )
        )
    else:
        lines.append(_unavailable(inputs, "ntf.digest.renew_label", "renew"))
    if "fx" in inputs.responses:
        if inputs.ok("fx"):
            last_apply = figures["fx_last_apply"]
            lines.append(
                t(
                    "ntf.digest.fx",
                    loc,
                    mode=figures["fx_mode"] or "—",
                    rate_set=figures["fx_rate_set"] or "—",
                    last_apply=fmt.datetime(last_apply) if last_apply else "—",
                )
            )
        else:
            lines.append(_unavailable(inputs, "ntf.digest.fx_label", "fx"))
    if "errors" in inputs.responses:
        if inputs.ok("errors"):
            count = fmt.integer(figures["errors_24h"]) + ("+" if figures["errors_more"] else "")
            lines.append(t("ntf.digest.errors", loc, count=count))
        else:
            lines.append(_unavailable(inputs, "ntf.digest.errors_label", "errors"))
    lines += ["", footer_text(inputs)]
    text = "\n".join(lines)
    return text if len(text) <= TELEGRAM_TEXT_LIMIT else text[: TELEGRAM_TEXT_LIMIT - 1] + "…"


def counts_of(figures: Mapping[str, Any]) -> dict[str, int | None]:
    """Problem counts as integers (for the quiet digest's thresholds later)."""
    result: dict[str, int | None] = {}
    for key in (*PROBLEM_PRESETS, "chats"):
        value = dec(figures.get(key))
        result[key] = int(value) if value is not None else None
    return result
