"""`notify_team`: send the owner's message to the managers' chats (`MANAGER_CHAT_IDS` only).

The preview binds the recipients; the commit sends to each one independently, so a chat that blocked
the bot (403) or vanished does not stop the others, and the result says per chat what happened.
"""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import BeforeValidator, Field

from ownerbot.actions.contract import MAX_EXAMPLES, ActionContext, ActionExample, ActionPreview, ActionResult
from ownerbot.actions.ports import DeliveryError
from ownerbot.i18n import t
from ownerbot.tools.actions.common import ActionPayload, action_spec, excerpt
from ownerbot.tools.contract import ErrorCode, Risk, ToolFailure

log = logging.getLogger(__name__)
SENT = "sent"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class NotifyTeamPayload(ActionPayload):
    """`recipients` is filled by the preview from `MANAGER_CHAT_IDS`; any other chat is refused."""

    message: Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=1000)]
    silent: bool = False
    recipients: list[int] | None = Field(default=None, min_length=1, max_length=100)


def _recipients(payload: NotifyTeamPayload, ctx: ActionContext) -> list[int]:
    allowed = set(ctx.deps.manager_chat_ids)
    chosen = payload.recipients if payload.recipients is not None else list(ctx.deps.manager_chat_ids)
    foreign = sorted(set(chosen) - allowed)
    if foreign:
        raise ToolFailure(
            ErrorCode.PERMISSION_DENIED,
            t("tools.errors.notify_foreign_chats", ctx.locale),
            details={"refused_chats": foreign},
        )
    return sorted(set(chosen))


async def preview_notify(payload: NotifyTeamPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    if not ctx.deps.manager_chat_ids:
        return ActionPreview(
            affected_count=0,
            summary=t("actions.notify.summary", loc, count=0),
            noop_reason=t("actions.notify.noop_no_recipients", loc),
        )
    recipients = _recipients(payload, ctx)
    warnings = []
    if ctx.deps.messenger is None:
        warnings.append(t("actions.notify.no_messenger", loc))
    after = t("actions.notify.after_silent" if payload.silent else "actions.notify.after", loc)
    examples = [
        ActionExample(target=t("actions.notify.chat", loc, chat=chat), before="—", after=after)
        for chat in recipients[:MAX_EXAMPLES]
    ]
    return ActionPreview(
        affected_count=len(recipients),
        summary=t("actions.notify.summary_text", loc, count=len(recipients), text=excerpt(payload.message)),
        examples=examples,
        warnings=warnings,
        bound_payload={**payload.model_dump(mode="json"), "recipients": recipients},
        details={"recipients": recipients},
    )


async def commit_notify(payload: NotifyTeamPayload, ctx: ActionContext) -> ActionResult:
    messenger = ctx.deps.messenger
    if messenger is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, t("tools.errors.messenger_unavailable", ctx.locale))
    recipients = _recipients(payload, ctx)
    deliveries: dict[str, str] = {}
    for chat_id in recipients:
        try:
            await messenger.send_text(chat_id, payload.message, silent=payload.silent)
        except DeliveryError as exc:
            deliveries[str(chat_id)] = exc.code
        except Exception as exc:
            # One recipient's unexpected failure must not cost the others their message.
            log.exception("notify_team_recipient_failed", extra={"chat_id": chat_id})
            deliveries[str(chat_id)] = type(exc).__name__
        else:
            deliveries[str(chat_id)] = SENT
    loc = ctx.locale
    sent = [chat for chat, state in deliveries.items() if state == SENT]
    failed = {chat: state for chat, state in deliveries.items() if state != SENT}
    status = "ok" if not failed else ("partial" if sent else "failed")
    return ActionResult(
        status=status,
        changed_count=len(sent),
        summary=t("actions.notify.done", loc, sent=len(sent), total=len(recipients)),
        warnings=[
            t("actions.notify.failed_chat", loc, chat=chat, error=code) for chat, code in failed.items()
        ],
        rollback_hint=t("actions.notify.rollback", loc),
        details={"deliveries": deliveries},
    )


SPEC = action_spec(
    name="notify_team",
    payload_model=NotifyTeamPayload,
    description="Send a message to the managers' chats (MANAGER_CHAT_IDS only)",
    preview=preview_notify,
    commit=commit_notify,
    risk=Risk.LOW,
    target_system="Telegram",
    examples=({"message": "Проверьте заказы без оплаты старше 6 часов"},),
)
