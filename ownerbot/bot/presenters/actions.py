"""Action previews, force steps, results and the audit list as phone-sized HTML (every value escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from ownerbot.actions.contract import ActionPreview
from ownerbot.actions.outcomes import (
    CommitOutcome,
    CommitStatus,
    ConfirmStatus,
    PreviewOutcome,
    TokenView,
)
from ownerbot.i18n import catalog_keys, t
from ownerbot.tools.contract import Risk

# Telegram's limit is 4096; previews are short, but typed texts and long warnings must never break a send.
MAX_TEXT_CHARS = 4000
_LINE_CHARS = 300
_MAX_WARNINGS = 10

_ANSWER_KEYS: dict[ConfirmStatus, str] = {
    ConfirmStatus.CLAIMED: "actions.answers.working",
    ConfirmStatus.FORCE_REQUIRED: "actions.answers.force",
    ConfirmStatus.IN_PROGRESS: "actions.answers.in_progress",
    ConfirmStatus.ALREADY_DONE: "actions.answers.done",
    ConfirmStatus.ALREADY_FAILED: "actions.answers.failed",
    ConfirmStatus.OUTCOME_UNKNOWN: "actions.answers.unknown",
    ConfirmStatus.CLOSED: "actions.answers.closed",
    ConfirmStatus.CANCELLED: "actions.answers.cancelled",
    ConfirmStatus.TAMPERED: "actions.answers.tamper",
}
_RESULT_KEYS: dict[CommitStatus, str] = {
    CommitStatus.COMMITTED: "actions.result.committed",
    CommitStatus.FAILED: "actions.result.failed",
    CommitStatus.UNKNOWN: "actions.result.unknown",
    CommitStatus.FORCE_REQUIRED: "actions.result.failed",
}
_EVENT_ICONS: dict[str, str] = {
    "ACTION_PREVIEW": "👁",
    "ACTION_COMMIT": "✅",
    "ACTION_FAIL": "⛔",
    "ACTION_TAMPER": "🚫",
    "ACTION_ROLLBACK": "↩️",
    "access_denied": "🔒",
}


def _line(text: str) -> str:
    return escape(text if len(text) <= _LINE_CHARS else text[: _LINE_CHARS - 1] + "…")


def _clip(text: str) -> str:
    # Cut at a line boundary so no HTML tag is split (tags never span lines here).
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text[:MAX_TEXT_CHARS].rsplit("\n", 1)[0]
    return cut + "\n…"


def answer_text(status: ConfirmStatus, locale: str) -> str:
    """The short callback answer for a press (tamper, duplicates, working…)."""
    return t(_ANSWER_KEYS[status], locale)


def risk_label(risk: Risk, locale: str) -> str:
    return t(f"actions.risk.{risk.value}", locale)


def title_of(title_key: str | None, action: str, locale: str) -> str:
    if title_key and title_key in catalog_keys(locale):
        return t(title_key, locale)
    return action


def _header(risk: Risk, title: str, locale: str) -> str:
    return f"{risk_label(risk, locale)} · <b>{escape(title)}</b>"


def _body(preview: ActionPreview, locale: str) -> list[str]:
    lines = [_line(preview.summary), t("actions.preview.affected", locale, count=preview.affected_count)]
    for example in preview.examples:
        lines.append(f"• {_line(f'{example.target}: {example.before} → {example.after}')}")
    for warning in preview.warnings[:_MAX_WARNINGS]:
        lines.append(f"⚠️ {_line(warning)}")
    if preview.anomaly and preview.anomaly_reason:
        lines.append(t("actions.preview.anomaly", locale, reason=_line(preview.anomaly_reason)))
    return lines


def _local_time(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def preview_text(outcome: PreviewOutcome, locale: str, tz: str) -> str:
    """The preview message: ready (with the confirm deadline), no-op (with its reason) or rejected."""
    title = title_of(outcome.title_key, outcome.action, locale)
    if outcome.error is not None or outcome.preview is None:
        code = outcome.error.code.value if outcome.error else "TOOL_EXECUTION_FAILED"
        message = outcome.error.message if outcome.error else ""
        error_key = f"actions.errors.{code}"
        reason = (
            t(error_key, locale) if error_key in catalog_keys(locale) else t("actions.errors.other", locale)
        )
        return _clip(
            "\n".join(
                [
                    t("actions.preview.rejected", locale, title=escape(title), reason=reason),
                    t("actions.preview.details", locale, code=code, message=_line(message)),
                    t("actions.cid", locale, cid=escape(outcome.correlation_id)),
                ]
            )
        )
    lines = [_header(outcome.risk, title, locale), *_body(outcome.preview, locale)]
    if outcome.preview.is_noop:
        reason = outcome.preview.noop_reason or t("actions.preview.nothing", locale)
        lines.append(t("actions.preview.noop", locale, reason=_line(reason)))
    elif outcome.expires_at is not None:
        lines.append(t("actions.preview.confirm_until", locale, time=_local_time(outcome.expires_at, tz)))
    return _clip("\n".join(lines))


def force_text(view: TokenView, reason: str | None, locale: str) -> str:
    """The second, explicit step for an anomalous preview: says what is anomalous."""
    why = reason or view.preview.anomaly_reason or ""
    lines = [
        _header(view.risk, title_of(view.title_key, view.action, locale), locale),
        *_body(view.preview, locale),
    ]
    lines.append(t("actions.force.prompt", locale, reason=_line(why)))
    return _clip("\n".join(lines))


def result_text(outcome: CommitOutcome, locale: str) -> str:
    """The preview message edited into the result: what changed, how many, warnings, how to roll back."""
    view = outcome.token
    title = title_of(view.title_key, view.action, locale)
    key = _RESULT_KEYS[outcome.status]
    result = outcome.result
    if outcome.status is CommitStatus.COMMITTED and result is not None and result.status == "partial":
        key = "actions.result.partial"
    lines = [t(key, locale, risk=risk_label(view.risk, locale), title=escape(title))]
    if outcome.rollback:
        lines.append(t("actions.result.rollback_of", locale))
    if result is not None:
        lines.append(_line(result.summary))
        lines.append(t("actions.result.changed", locale, count=result.changed_count))
        lines.extend(f"⚠️ {_line(w)}" for w in result.warnings[:_MAX_WARNINGS])
        if result.rollback_hint:
            lines.append(t("actions.result.how_to_undo", locale, hint=_line(result.rollback_hint)))
    if outcome.error is not None:
        lines.append(
            t(
                "actions.preview.details",
                locale,
                code=outcome.error.code.value,
                message=_line(outcome.error.message),
            )
        )
    lines.append(t("actions.cid", locale, cid=escape(view.correlation_id)))
    return _clip("\n".join(lines))


def cancelled_text(view: TokenView, locale: str) -> str:
    return t("actions.cancelled", locale, title=escape(title_of(view.title_key, view.action, locale)))


def audit_text(events: Sequence[Mapping[str, Any]], locale: str, tz: str) -> str:
    """Recent audited actions, newest first: when, what, which action, status, who, correlation id."""
    if not events:
        return t("actions.audit.empty", locale)
    lines = [t("actions.audit.title", locale)]
    zone = ZoneInfo(tz)
    for event in events:
        created = event.get("created_at")
        when = created.astimezone(zone).strftime("%d.%m %H:%M") if isinstance(created, datetime) else "—"
        kind = str(event.get("event_type") or "")
        lines.append(
            t(
                "actions.audit.line",
                locale,
                icon=_EVENT_ICONS.get(kind, "•"),
                when=when,
                event=escape(kind),
                action=escape(str(event.get("action_name") or "—")),
                status=escape(str(event.get("status") or "—")),
                actor=escape(str(event.get("actor_tg_id") or "—")),
                cid=escape(str(event.get("correlation_id") or "—")),
            )
        )
    return _clip("\n".join(lines))
