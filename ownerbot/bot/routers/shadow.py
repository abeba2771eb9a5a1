"""/shadow_check: the same reports from DEMO and SIS side by side (`SIS_CONTRACT.md` §6).

Runs the `sys_shadow_check` read tool through the runner (validated, audited, with provenance) and
shows, per report, whether DEMO and SIS agree and the top differences. Off when SHADOW_CHECK_ENABLED or
DIAGNOSTICS_ENABLED is off.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from ownerbot.bot.context import BotServices
from ownerbot.i18n import t
from ownerbot.storage.engine import create_session_factory
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.contract import ToolResponse
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.base import UpstreamProvider

TOOL = "sys_shadow_check"
SHOWN_PER_TOOL = 3
VALUE_CHARS = 40


def _short(value: object) -> str:
    text = "—" if value is None else str(value)
    return escape(text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…")


def shadow_text(response: ToolResponse, locale: str) -> str:
    """The phone-sized report of a `sys_shadow_check` answer (or its error)."""
    if response.status != "ok" or response.error is not None:
        error = response.error
        code = error.code.value if error is not None else "?"
        return t("system.shadow.failed", locale, code=code, message=escape(error.message if error else ""))
    data = response.data
    if data.get("sis_configured") is False:
        return t("system.shadow.not_configured", locale)
    lines = [
        t("system.shadow.title", locale),
        t(
            "system.shadow.summary",
            locale,
            compared=data["compared"],
            matched=data["matched"],
            mismatched=data["mismatched"],
            errors=data["errors"],
        ),
        t("system.shadow.rules", locale),
        "",
    ]
    for tool in data["tools"]:
        name = escape(tool["tool"])
        if tool["status"] == "match":
            lines.append(t("system.shadow.match", locale, tool=name))
        elif tool["status"] == "error":
            lines.append(
                t(
                    "system.shadow.error",
                    locale,
                    tool=name,
                    demo=tool["demo_error"] or "ok",
                    sis=tool["sis_error"] or "ok",
                )
            )
        else:
            lines.append(t("system.shadow.mismatch", locale, tool=name, count=tool["differences_total"]))
            lines += [_difference_line(d, locale) for d in tool["differences"][:SHOWN_PER_TOOL]]
            rest = tool["differences_total"] - min(SHOWN_PER_TOOL, len(tool["differences"]))
            if rest > 0:
                lines.append(t("system.shadow.more", locale, count=rest))
    lines += ["", t("system.shadow.footer", locale, cid=escape(response.correlation_id))]
    return "\n".join(lines)


def _difference_line(difference: dict[str, Any], locale: str) -> str:
    return t(
        f"system.shadow.diff_{difference['kind']}",
        locale,
        path=_short(difference["path"]),
        demo=_short(difference.get("demo")),
        sis=_short(difference.get("sis")),
    )


def _provider_for(services: BotServices) -> Callable[[], UpstreamProvider]:
    if services.actions is not None:
        return services.actions.provider_for
    if services.upstream is not None:
        return services.upstream.provider
    from ownerbot.upstream.factory import build_provider

    provider = build_provider(services.settings, create_session_factory(services.engine))
    return lambda: provider


async def cmd_shadow_check(message: Message, services: BotServices, locale: str) -> None:
    settings = services.settings
    if not (settings.shadow_check_enabled and settings.diagnostics_enabled):
        await message.answer(t("system.shadow.disabled", locale))
        return
    await message.answer(t("system.shadow.running", locale))
    registry = services.actions.pipeline.registry if services.actions is not None else default_registry()
    runner = ToolRunner(
        registry,
        provider_for=_provider_for(services),
        audit=services.audit,
        services=build_tool_services(
            settings,
            create_session_factory(services.engine),
            services.audit.repository,
            state=services.state,
            modes=services.upstream,
            capabilities=services.capabilities,
        ),
        # Seven reports twice; SIS answers within its own timeout, and a slow one must not cut the rest.
        timeout_sec=60.0,
    )
    actor = message.from_user.id if message.from_user else None
    response = await runner.run(make_request(TOOL, {}, settings=settings, actor_id=actor))
    await message.answer(shadow_text(response, locale))


def build_router() -> Router:
    router = Router(name="shadow")
    router.message.register(cmd_shadow_check, Command("shadow_check"))
    return router
