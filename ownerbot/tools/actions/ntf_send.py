"""`ntf_send_digest_now` and `ntf_send_weekly_now`: build the digest / weekly report now and send it to
the owner's private chat (the actor). The send is the side effect, so the preview only says what would
be sent and to whom; it binds the format, so the commit sends what the preview announced.
"""

from __future__ import annotations

import logging
from typing import Any

from ownerbot.actions.contract import ActionContext, ActionExample, ActionPreview, ActionResult
from ownerbot.actions.ports import ArtifactMessenger, ChatMessenger, DeliveryError
from ownerbot.i18n import t
from ownerbot.services.notifications.digest import Digest, DigestBuilder
from ownerbot.services.notifications.service import kind_settings
from ownerbot.services.notifications.settings import DailyDigestOptions, DigestFormat, NotificationKind
from ownerbot.tools.actions.common import ActionPayload
from ownerbot.tools.actions.ntf_common import notifications_of, ntf_spec
from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.tools.registry import ToolSpec

log = logging.getLogger(__name__)


class SendDigestNowPayload(ActionPayload):
    """`format` left out: the owner's digest format (filled in by the preview)."""

    format: DigestFormat | None = None


class SendWeeklyNowPayload(ActionPayload):
    pass


def _builder(ctx: ActionContext) -> DigestBuilder:
    digest = notifications_of(ctx).digest
    if digest is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, t("ntf.refusal.no_digest", ctx.locale))
    return digest


def _messenger(ctx: ActionContext) -> ChatMessenger:
    if ctx.deps.messenger is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, t("ntf.refusal.no_messenger", ctx.locale))
    return ctx.deps.messenger


def _warnings(ctx: ActionContext, needs_files: bool) -> list[str]:
    messenger = ctx.deps.messenger
    if messenger is None:
        return [t("ntf.send.no_messenger", ctx.locale)]
    if needs_files and not isinstance(messenger, ArtifactMessenger):
        return [t("ntf.send.text_only", ctx.locale)]
    return []


async def _send(messenger: ChatMessenger, chat_id: int, digest: Digest) -> None:
    """Text as a message; png as a photo, pdf as a document (text instead when files cannot be sent)."""
    artifact = digest.artifact
    if artifact is None or not isinstance(messenger, ArtifactMessenger):
        await messenger.send_text(chat_id, digest.text)
    elif artifact.type == "png":
        await messenger.send_photo(chat_id, artifact.data, artifact.filename, caption=artifact.caption)
    else:
        await messenger.send_document(chat_id, artifact.data, artifact.filename, caption=artifact.caption)


def _result(ctx: ActionContext, digest: Digest, what: str, error: str | None) -> ActionResult:
    loc = ctx.locale
    details: dict[str, Any] = {
        "chat_id": ctx.actor_id,
        "format": digest.format,
        "digest_correlation_id": digest.correlation_id,
        "delivery": error or "sent",
    }
    if digest.artifact is not None:
        details["filename"] = digest.artifact.filename
    if error is not None:
        return ActionResult(
            status="failed",
            changed_count=0,
            summary=t("ntf.send.failed", loc, what=what),
            warnings=[t("ntf.send.failed_chat", loc, chat=ctx.actor_id, error=error)],
            details=details,
        )
    return ActionResult(
        changed_count=1,
        summary=t("ntf.send.done", loc, what=what, chat=ctx.actor_id),
        rollback_hint=t("ntf.send.rollback", loc),
        details=details,
    )


async def _deliver(ctx: ActionContext, digest: Digest, what: str) -> ActionResult:
    messenger = _messenger(ctx)
    try:
        await _send(messenger, ctx.actor_id, digest)
    except DeliveryError as exc:
        return _result(ctx, digest, what, exc.code)
    return _result(ctx, digest, what, None)


async def preview_digest(payload: SendDigestNowPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    _builder(ctx)
    digest_format = payload.format
    if digest_format is None:
        stored = await kind_settings(
            notifications_of(ctx).repository, ctx.actor_id, NotificationKind.DAILY_DIGEST
        )
        options = stored.options
        digest_format = options.format if isinstance(options, DailyDigestOptions) else "text"
    what = t("ntf.send.digest", loc, format=digest_format)
    return ActionPreview(
        affected_count=1,
        summary=t("ntf.send.summary", loc, what=what, chat=ctx.actor_id),
        examples=[ActionExample(target=t("ntf.send.chat", loc, chat=ctx.actor_id), before="—", after=what)],
        warnings=_warnings(ctx, digest_format != "text"),
        bound_payload={"format": digest_format},
        details={"chat_id": ctx.actor_id, "format": digest_format},
    )


async def commit_digest(payload: SendDigestNowPayload, ctx: ActionContext) -> ActionResult:
    digest_format: DigestFormat = payload.format or "text"
    _messenger(ctx)
    digest = await _builder(ctx).build(
        digest_format,
        provider=ctx.provider,
        now=ctx.now,
        actor_id=ctx.actor_id,
        locale=ctx.locale,
        correlation_id=ctx.correlation_id,
    )
    return await _deliver(ctx, digest, t("ntf.send.digest", ctx.locale, format=digest_format))


async def preview_weekly(payload: SendWeeklyNowPayload, ctx: ActionContext) -> ActionPreview:
    loc = ctx.locale
    _builder(ctx)
    what = t("ntf.send.weekly", loc)
    return ActionPreview(
        affected_count=1,
        summary=t("ntf.send.summary", loc, what=what, chat=ctx.actor_id),
        examples=[ActionExample(target=t("ntf.send.chat", loc, chat=ctx.actor_id), before="—", after=what)],
        warnings=_warnings(ctx, True),
        details={"chat_id": ctx.actor_id, "format": "pdf"},
    )


async def commit_weekly(payload: SendWeeklyNowPayload, ctx: ActionContext) -> ActionResult:
    _messenger(ctx)
    digest = await _builder(ctx).build_weekly(
        provider=ctx.provider,
        now=ctx.now,
        actor_id=ctx.actor_id,
        locale=ctx.locale,
        correlation_id=ctx.correlation_id,
    )
    return await _deliver(ctx, digest, t("ntf.send.weekly", ctx.locale))


SPECS: list[ToolSpec[Any]] = [
    ntf_spec(
        name="ntf_send_digest_now",
        payload_model=SendDigestNowPayload,
        description="Send the daily digest to the owner now (text, png dashboard or pdf)",
        preview=preview_digest,
        commit=commit_digest,
        target_system="Telegram",
        examples=({}, {"format": "png"}),
    ),
    ntf_spec(
        name="ntf_send_weekly_now",
        payload_model=SendWeeklyNowPayload,
        description="Send the weekly PDF report to the owner now",
        preview=preview_weekly,
        commit=commit_weekly,
        target_system="Telegram",
        examples=({},),
    ),
]
