"""Action commands and buttons: /flag /unflag /bulkflag /note /notify start a preview, ✅ ❌ ⚠️ ↩️ drive it,
/audit lists what happened. Every decision is the pipeline's; this router only talks to Telegram.

A press is answered at once with the outcome of the quick step (verify + claim, a few milliseconds),
then the slow step (commit) runs and the preview message is edited in place into the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from ownerbot.actions.outcomes import (
    ActionRequest,
    CommitStatus,
    ConfirmDecision,
    ConfirmPress,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
)
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.wiring import ActionServices
from ownerbot.bot.context import BotServices
from ownerbot.bot.keyboards.actions import (
    ActionCancelCallback,
    ActionConfirmCallback,
    ActionForceCallback,
    ActionUndoCallback,
    force_keyboard,
    preview_keyboard,
    result_keyboard,
)
from ownerbot.bot.presenters.actions import (
    answer_text,
    audit_text,
    cancelled_text,
    force_text,
    preview_text,
    result_text,
)
from ownerbot.i18n import t
from ownerbot.storage.dto import AuditRecord
from ownerbot.storage.engine import create_session_factory
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.tools.services import build_tool_services

log = logging.getLogger(__name__)

AUDIT_LIMIT = 15
AUDIT_TOOL = "sys_audit_recent"
_ACTION_EVENT_TYPES = ("ACTION_PREVIEW", "ACTION_COMMIT", "ACTION_FAIL", "ACTION_TAMPER", "ACTION_ROLLBACK")
BULK_PRESETS = ("stuck", "late_ship", "payment_issues")
BULK_STATUSES = ("new", "awaiting_payment", "paid", "shipped", "delivered", "cancelled", "stuck")


def _actions(services: BotServices) -> ActionServices:
    if services.actions is None:  # pragma: no cover - the runtime always wires them
        raise RuntimeError("action services are not wired")
    return services.actions


# -- starting a preview ----------------------------------------------------------------------------


async def _start(
    message: Message,
    services: BotServices,
    locale: str,
    correlation_id: str,
    action: str,
    payload: dict[str, Any],
) -> None:
    """Preview `action`; show ✅/❌ only when there is something to confirm."""
    pipeline = _actions(services).pipeline
    user_id = message.from_user.id if message.from_user else 0
    outcome = await pipeline.preview(
        ActionRequest(
            action=action,
            payload=payload,
            actor_id=user_id,
            chat_id=message.chat.id,
            locale=locale,
            channel="telegram",
            correlation_id=correlation_id,
        )
    )
    if message.bot is None:  # pragma: no cover - aiogram always binds the bot to incoming messages
        raise RuntimeError("message without a bot")
    await _show_preview(message.bot, message.chat.id, pipeline, outcome, services, locale)


async def _show_preview(
    bot: Bot,
    chat_id: int,
    pipeline: ActionPipeline,
    outcome: PreviewOutcome,
    services: BotServices,
    locale: str,
) -> None:
    text = preview_text(outcome, locale, services.settings.shop_timezone)
    if outcome.status is not PreviewStatus.READY or outcome.token_id is None:
        await bot.send_message(chat_id, text)  # no-op or rejected: no button to press
        return
    sent = await bot.send_message(chat_id, text, reply_markup=preview_keyboard(outcome.token_id, locale))
    await pipeline.attach_message(outcome.token_id, sent.message_id)


async def _usage(message: Message, locale: str, command: str) -> None:
    await message.answer(t(f"actions.usage.{command}", locale))


async def _order_flag_command(
    message: Message,
    command: CommandObject,
    services: BotServices,
    locale: str,
    correlation_id: str,
    *,
    name: str,
    tool: str,
) -> None:
    """`/<name> <order_id> [reason]` → the `tool` action's preview."""
    args = (command.args or "").split(maxsplit=1)
    if not args:
        await _usage(message, locale, name)
        return
    payload = {"order_id": args[0], "reason": args[1] if len(args) > 1 else None}
    await _start(message, services, locale, correlation_id, tool, payload)


async def cmd_flag(
    message: Message, command: CommandObject, services: BotServices, locale: str, correlation_id: str
) -> None:
    await _order_flag_command(
        message, command, services, locale, correlation_id, name="flag", tool="flag_order"
    )


async def cmd_unflag(
    message: Message, command: CommandObject, services: BotServices, locale: str, correlation_id: str
) -> None:
    await _order_flag_command(
        message, command, services, locale, correlation_id, name="unflag", tool="unflag_order"
    )


async def cmd_bulkflag(
    message: Message, command: CommandObject, services: BotServices, locale: str, correlation_id: str
) -> None:
    args = (command.args or "").split(maxsplit=1)
    if not args or args[0] not in (*BULK_PRESETS, *BULK_STATUSES):
        await _usage(message, locale, "bulkflag")
        return
    key = "preset" if args[0] in BULK_PRESETS else "status"
    payload = {key: args[0], "reason": args[1] if len(args) > 1 else None}
    await _start(message, services, locale, correlation_id, "bulk_flag_order", payload)


async def cmd_note(
    message: Message, command: CommandObject, services: BotServices, locale: str, correlation_id: str
) -> None:
    args = (command.args or "").split(maxsplit=1)
    if len(args) < 2:
        await _usage(message, locale, "note")
        return
    await _start(
        message, services, locale, correlation_id, "order_note", {"order_id": args[0], "text": args[1]}
    )


async def cmd_notify(
    message: Message, command: CommandObject, services: BotServices, locale: str, correlation_id: str
) -> None:
    text = (command.args or "").strip()
    if not text:
        await _usage(message, locale, "notify")
        return
    await _start(message, services, locale, correlation_id, "notify_team", {"message": text})


async def cmd_audit(message: Message, services: BotServices, locale: str) -> None:
    events = await _recent_audit(services, message.from_user.id if message.from_user else None)
    await message.answer(audit_text(events, locale, services.settings.shop_timezone))


async def _recent_audit(services: BotServices, actor_id: int | None) -> list[dict[str, Any]]:
    """Through the `sys_audit_recent` tool when registered (one definition of "recent"), else directly."""
    actions = _actions(services)
    registry = actions.pipeline.registry
    if AUDIT_TOOL in registry:
        runner = ToolRunner(
            registry,
            provider_for=actions.provider_for,
            audit=services.audit,
            services=build_tool_services(
                services.settings, create_session_factory(services.engine), services.audit.repository
            ),
        )
        response = await runner.run(
            make_request(AUDIT_TOOL, {"limit": AUDIT_LIMIT}, settings=services.settings, actor_id=actor_id)
        )
        if response.status == "ok":
            events: list[dict[str, Any]] = list(response.data.get("events", []))
            return events
        log.warning("audit_tool_failed", extra={"error": response.error.code if response.error else None})
    per_type: list[AuditRecord] = []
    for kind in _ACTION_EVENT_TYPES:
        per_type.extend(await services.audit.repository.recent(AUDIT_LIMIT, event_type=kind))
    latest = sorted(per_type, key=lambda r: r.id, reverse=True)[:AUDIT_LIMIT]
    return [record.model_dump() for record in latest]


# -- buttons ---------------------------------------------------------------------------------------


def _press(query: CallbackQuery, token: str, *, force: bool = False) -> ConfirmPress | None:
    """The press as the pipeline sees it; None when Telegram gave no chat (inline message)."""
    if query.message is None:
        return None
    return ConfirmPress(
        token_id=token,
        actor_id=query.from_user.id,
        chat_id=query.message.chat.id,
        message_id=query.message.message_id,
        force=force,
    )


async def _answer(query: CallbackQuery, decision: ConfirmDecision, locale: str) -> None:
    # Refusals pop up as an alert: they must be read, not missed as a toast.
    alert = decision.status in {ConfirmStatus.TAMPERED, ConfirmStatus.OUTCOME_UNKNOWN}
    await query.answer(answer_text(decision.status, locale), show_alert=alert)


async def _edit(
    bot: Bot, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the pressed message in place; when it cannot be edited, send the text as a new message."""
    if query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except TelegramAPIError as exc:
        log.warning("action_message_edit_failed", extra={"error": type(exc).__name__})
        await bot.send_message(chat_id, text, reply_markup=markup)


async def _refuse_chatless(query: CallbackQuery, services: BotServices, locale: str) -> None:
    await _actions(services).pipeline.refuse_malformed(query.from_user.id, 0, None, query.data or "")
    await query.answer(answer_text(ConfirmStatus.TAMPERED, locale), show_alert=True)


async def on_confirm(
    query: CallbackQuery,
    callback_data: ActionConfirmCallback | ActionForceCallback,
    services: BotServices,
    locale: str,
    bot: Bot,
) -> None:
    press = _press(query, callback_data.token, force=isinstance(callback_data, ActionForceCallback))
    if press is None:
        await _refuse_chatless(query, services, locale)
        return
    pipeline = _actions(services).pipeline
    decision = await pipeline.confirm(press)
    await _answer(query, decision, locale)
    if decision.status is ConfirmStatus.FORCE_REQUIRED and decision.token is not None:
        view = decision.token
        await _edit(bot, query, force_text(view, None, locale), force_keyboard(view.token_id, locale))
        return
    if decision.claim is None:
        return  # the callback answer said it all; the message stays as it is
    outcome = await pipeline.execute(decision.claim)
    if outcome.status is CommitStatus.FORCE_REQUIRED:
        view = outcome.token
        await _edit(
            bot, query, force_text(view, outcome.force_reason, locale), force_keyboard(view.token_id, locale)
        )
        return
    undo = outcome.result is not None and outcome.result.undo is not None
    markup = result_keyboard(outcome.token.token_id, locale) if undo else None
    await _edit(bot, query, result_text(outcome, locale), markup)


async def on_cancel(
    query: CallbackQuery, callback_data: ActionCancelCallback, services: BotServices, locale: str, bot: Bot
) -> None:
    press = _press(query, callback_data.token)
    if press is None:
        await _refuse_chatless(query, services, locale)
        return
    decision = await _actions(services).pipeline.cancel(press)
    await _answer(query, decision, locale)
    if decision.status is ConfirmStatus.CANCELLED and decision.token is not None:
        await _edit(bot, query, cancelled_text(decision.token, locale))


async def on_undo(
    query: CallbackQuery, callback_data: ActionUndoCallback, services: BotServices, locale: str, bot: Bot
) -> None:
    press = _press(query, callback_data.token)
    if press is None:
        await _refuse_chatless(query, services, locale)
        return
    pipeline = _actions(services).pipeline
    answer = await pipeline.preview_undo(press, locale)
    if isinstance(answer, ConfirmDecision):
        await _answer(query, answer, locale)
        return
    await query.answer()
    # The result stays as it was (minus the ↩️ button); the undo gets its own preview to confirm.
    with contextlib.suppress(TelegramAPIError):
        await bot.edit_message_reply_markup(
            chat_id=press.chat_id, message_id=press.message_id, reply_markup=None
        )
    await _show_preview(bot, press.chat_id, pipeline, answer, services, locale)


async def pressed_on_action_message(query: CallbackQuery, services: BotServices) -> bool:
    """Filter: the pressed message shows action buttons (a press there that no handler took is forged)."""
    if query.message is None or services.actions is None:
        return False
    return await services.actions.pipeline.is_action_message(query.message.chat.id, query.message.message_id)


async def on_malformed_press(query: CallbackQuery, services: BotServices, locale: str) -> None:
    """Data that is no action button of ours, pressed on an action message: refused and audited."""
    chat_id = query.message.chat.id if query.message else 0
    message_id = query.message.message_id if query.message else None
    await _actions(services).pipeline.refuse_malformed(
        query.from_user.id, chat_id, message_id, query.data or ""
    )
    await query.answer(answer_text(ConfirmStatus.TAMPERED, locale), show_alert=True)


# -- start-up recovery -----------------------------------------------------------------------------


def build_router() -> Router:
    """Action commands, buttons and the start-up recovery of orphaned claims; include before fallback."""
    router = Router(name="actions")
    router.message.register(cmd_flag, Command("flag"))
    router.message.register(cmd_unflag, Command("unflag"))
    router.message.register(cmd_bulkflag, Command("bulkflag"))
    router.message.register(cmd_note, Command("note"))
    router.message.register(cmd_notify, Command("notify"))
    router.message.register(cmd_audit, Command("audit"))
    router.callback_query.register(on_confirm, ActionConfirmCallback.filter())
    router.callback_query.register(on_confirm, ActionForceCallback.filter())
    router.callback_query.register(on_cancel, ActionCancelCallback.filter())
    router.callback_query.register(on_undo, ActionUndoCallback.filter())
    router.callback_query.register(on_malformed_press, pressed_on_action_message)

    sweeps: dict[str, tuple[asyncio.Event, asyncio.Task[None]]] = {}

    async def on_startup(services: BotServices) -> None:
        """Claims orphaned by a crash become `unknown` (owner told once); then sweep periodically."""
        if services.actions is None:
            return
        recovery = services.actions.recovery
        try:
            await recovery.recover_at_startup()
        except Exception:
            # Recovery must never keep the bot from answering; the periodic sweep retries.
            log.exception("action_recovery_failed")
        stop = asyncio.Event()
        sweeps["task"] = (stop, asyncio.create_task(recovery.run_sweeps(stop), name="action-recovery"))

    async def on_shutdown() -> None:
        found = sweeps.pop("task", None)
        if found is not None:
            stop, task = found
            stop.set()
            await task

    router.startup.register(on_startup)
    router.shutdown.register(on_shutdown)
    return router
