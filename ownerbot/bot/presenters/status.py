"""Turns diagnostics models into phone-sized HTML texts."""

from __future__ import annotations

from html import escape

from ownerbot.i18n import t
from ownerbot.services.diagnostics import Diagnostics, RuntimeStatus
from ownerbot.services.preflight import Level

_ICONS = {Level.OK: "✅", Level.WARN: "⚠️", Level.FAIL: "⛔"}


def upstream_line(status: RuntimeStatus, locale: str) -> str:
    up = status.upstream
    if up.configured == up.effective:
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
