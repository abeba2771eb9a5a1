"""Turns diagnostics models into phone-sized HTML texts."""

from __future__ import annotations

from html import escape

from ownerbot.i18n import t
from ownerbot.services.diagnostics import Diagnostics, RuntimeStatus
from ownerbot.services.preflight import Level
from ownerbot.services.upstream_status import UpstreamStatus

DRIFT_SHOWN = 8
_ICONS = {Level.OK: "✅", Level.WARN: "⚠️", Level.FAIL: "⛔"}


def upstream_line(status: RuntimeStatus, locale: str) -> str:
    up = status.upstream
    if up.configured == up.effective:
        if up.reason:  # e.g. SIS_HTTP with its breaker open
            return t("start.upstream_same_reason", locale, mode=up.configured, reason=up.reason)
        return t("start.upstream_same", locale, mode=up.configured)
    return t(
        "start.upstream_diff",
        locale,
        configured=up.configured,
        effective=up.effective,
        reason=up.reason or "",
    )


def start_text(status: RuntimeStatus, locale: str) -> str:
    return "\n".join(
        [
            t("start.title", locale),
            t(
                "start.status",
                locale,
                storage=status.storage_backend,
                state=status.state_backend,
                upstream=escape(upstream_line(status, locale)),
                asr=status.asr_provider,
                llm=status.llm_provider,
            ),
            "",
            t("start.pick", locale),
        ]
    )


def _presence(flag: bool, locale: str) -> str:
    return t("common.present" if flag else "common.absent", locale)


def upstream_detail_lines(up: UpstreamStatus, locale: str) -> list[str]:
    """Why the effective mode differs, whether the bot may switch it, and the SIS breaker."""
    lines: list[str] = []
    if up.reason:
        selected = up.override or up.configured
        lines.append(t("systems.upstream_reason", locale, selected=selected, reason=escape(up.reason)))
    lines.append(
        t(
            "systems.upstream_toggle",
            locale,
            toggle=t("upstream.toggle_on" if up.toggle_enabled else "upstream.toggle_off", locale),
        )
    )
    if up.breaker is not None:
        b = up.breaker
        retry = "" if b.retry_in_sec is None else t("systems.breaker_retry", locale, seconds=b.retry_in_sec)
        error = (
            "" if not b.last_error else t("systems.breaker_error", locale, error=escape(b.last_error[:120]))
        )
        lines.append(
            t(
                "systems.breaker",
                locale,
                state=b.state,
                failures=b.consecutive_failures,
                threshold=b.failure_threshold,
                opened=b.opened_count,
                retry=retry,
                error=error,
            )
        )
    return lines


def drift_lines(d: Diagnostics, locale: str) -> list[str]:
    """SIS contract drift: each endpoint and field that no longer matches (SIS_CONTRACT_CHECK_ENABLED)."""
    if not d.contract_check_enabled:
        return [t("system.drift.disabled", locale)]
    if not d.contract_drift:
        return [t("system.drift.none", locale)] if d.sis_base_url else []
    shown = d.contract_drift[:DRIFT_SHOWN]
    lines = [t("system.drift.title", locale, count=len(d.contract_drift))]
    lines += [
        t(
            "system.drift.item",
            locale,
            endpoint=escape(w.endpoint),
            field=escape(w.field),
            problem=escape(w.problem),
        )
        for w in shown
    ]
    return lines


def sis_events_lines(d: Diagnostics, locale: str) -> list[str]:
    """Event ingestion: rows stored, last successful pull (UTC), cursor, pull and push switches."""
    e = d.sis_events
    if e is None:
        return [t("sis_events.unavailable", locale)] if d.database.reachable else []
    last = e.last_pull_at.strftime("%Y-%m-%d %H:%M UTC") if e.last_pull_at else t("sis_events.never", locale)
    return [
        t(
            "sis_events.status",
            locale,
            stored=e.events_stored,
            last_pull=last,
            cursor=t("sis_events.cursor_yes" if e.cursor_present else "sis_events.cursor_no", locale),
            pull=t("sis_events.on" if e.pull_configured else "sis_events.off", locale),
            push=t("sis_events.on" if e.push_enabled else "sis_events.off", locale),
        )
    ]


def systems_text(d: Diagnostics, locale: str) -> str:
    db_state = (
        t("systems.db_ok", locale, latency=d.database.latency_ms)
        if d.database.reachable
        else f"{t('common.unreachable', locale)} ({escape(d.database.error or '')})"
    )
    if d.migration_current == d.migration_head:
        migrations = t("systems.migrations_current", locale, revision=d.migration_head)
    else:
        migrations = t(
            "systems.migrations_behind", locale, current=d.migration_current or "—", head=d.migration_head
        )
    if d.status.state_backend == "memory":
        state = t("systems.redis_memory", locale)
    elif d.state.reachable:
        state = t("systems.redis_ok", locale, latency=d.state.latency_ms)
    else:
        state = f"{t('common.unreachable', locale)} ({escape(d.state.error or '')})"
    lines = [
        t("systems.title", locale),
        t("systems.versions", locale, **d.versions),
        t("systems.db", locale, backend=d.status.storage_backend, state=db_state),
        t("systems.migrations", locale, state=migrations),
        t("systems.redis", locale, backend=d.status.state_backend, state=state),
        t(
            "systems.upstream",
            locale,
            configured=d.status.upstream.configured,
            effective=d.status.upstream.effective,
            sis_url=escape(d.sis_base_url or "—"),
            sis_key=_presence(d.sis_key_present, locale),
        ),
        *upstream_detail_lines(d.status.upstream, locale),
        *drift_lines(d, locale),
        *sis_events_lines(d, locale),
        t(
            "systems.providers",
            locale,
            asr=d.status.asr_provider,
            llm=d.status.llm_provider,
            openai_key=_presence(d.openai_key_present, locale),
        ),
        t(
            "systems.telegram",
            locale,
            api=escape(d.telegram_api),
            mode=d.bot_mode,
            token=_presence(d.bot_token_present, locale),
        ),
        t("systems.owners", locale, owners=d.owner_count, managers=d.manager_chat_count),
        "",
        t("systems.preflight", locale, summary=d.preflight.summary()),
    ]
    for finding in d.preflight.findings:
        if finding.level is not Level.OK:
            lines.append(
                t(
                    "systems.finding",
                    locale,
                    icon=_ICONS[finding.level],
                    code=finding.code,
                    message=escape(finding.message),
                )
            )
    return "\n".join(lines)
