"""`ownerbot action`: preview an action and confirm its token through the same ACTION pipeline as the bot.

    ownerbot action preview flag_order --payload '{"order_id": "1042", "reason": "check"}' [--actor ID]
    ownerbot action confirm TOKEN --actor ID [--force]

CLI tokens are bound to chat id 0 (`CLI_CHAT_ID`, no Telegram chat has it) and no message, so a token
previewed here can only be confirmed here, and one shown in Telegram only from its message there.
Exit codes: 0 ready / no-op / committed, 1 refused, failed or needing `--force`, 2 bad input or setup.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError

from ownerbot.actions.outcomes import (
    CLI_CHAT_ID,
    ActionRequest,
    CommitOutcome,
    CommitStatus,
    ConfirmDecision,
    ConfirmPress,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
)
from ownerbot.actions.ports import ChatMessenger
from ownerbot.actions.wiring import ActionServices, build_action_services
from ownerbot.bot.messenger import AiogramMessenger
from ownerbot.bot.session import create_bot
from ownerbot.commands.tool_cli import _database_unreachable, _load_settings, _usage_error, parse_payload
from ownerbot.config.settings import Settings
from ownerbot.i18n import pick_locale
from ownerbot.observability.correlation import correlation_scope
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

T = TypeVar("T")

action_app = typer.Typer(
    help="Actions: `preview NAME --payload JSON`, then `confirm TOKEN --actor ID` (the bot's pipeline).",
    no_args_is_help=True,
)


@action_app.command("preview")
def preview_action(
    name: Annotated[str, typer.Argument(help="Action tool, e.g. flag_order (see `ownerbot tool list`).")],
    payload: Annotated[str, typer.Option("--payload", "-p", help="The payload as a JSON object.")] = "{}",
    actor: Annotated[
        int | None, typer.Option(help="Owner's Telegram id (default: the first OWNER_IDS).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Dry-run action NAME and print the preview and its confirm token (no token for a no-op)."""
    parsed = parse_payload(payload)
    settings = _load_settings()
    actor_id = actor if actor is not None else _default_actor(settings)
    request = ActionRequest(
        action=name,
        payload=parsed,
        actor_id=actor_id,
        chat_id=CLI_CHAT_ID,
        locale=pick_locale(settings.shop_locale),
        channel="cli",
    )

    async def run(services: ActionServices) -> PreviewOutcome:
        return await services.pipeline.preview(request)

    outcome = _run(settings, run)
    typer.echo(outcome.model_dump_json(indent=2) if as_json else "\n".join(preview_lines(outcome)))
    raise typer.Exit(code=0 if outcome.status is not PreviewStatus.REJECTED else EXIT_REFUSED)


@action_app.command("confirm")
def confirm_action(
    token: Annotated[str, typer.Argument(help="The token id printed by `ownerbot action preview`.")],
    actor: Annotated[int, typer.Option(help="The owner who previewed it (Telegram id).")],
    force: Annotated[bool, typer.Option(help="Apply an anomalous preview anyway (the force step).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Confirm TOKEN: verify, claim and commit it exactly once, then print the result."""
    settings = _load_settings()
    press = ConfirmPress(token_id=token, actor_id=actor, chat_id=CLI_CHAT_ID, message_id=None, force=force)

    async def run(services: ActionServices) -> tuple[ConfirmDecision, CommitOutcome | None]:
        return await services.pipeline.confirm_and_execute(press)

    decision, outcome = _run(settings, run)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "decision": decision.status.value,
                    "outcome": outcome.model_dump(mode="json") if outcome else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo("\n".join(confirm_lines(decision, outcome)))
    committed = outcome is not None and outcome.status is CommitStatus.COMMITTED
    raise typer.Exit(code=0 if committed else EXIT_REFUSED)


def preview_lines(outcome: PreviewOutcome) -> list[str]:
    """The preview as plain lines for a terminal."""
    lines = [f"action:   {outcome.action} ({outcome.risk.value})", f"status:   {outcome.status.value}"]
    if outcome.error is not None:
        lines.append(f"error:    {outcome.error.code.value}: {outcome.error.message}")
    preview = outcome.preview
    if preview is not None:
        lines += [f"summary:  {preview.summary}", f"affected: {preview.affected_count}"]
        lines += [f"  {e.target}: {e.before} → {e.after}" for e in preview.examples]
        lines += [f"warning:  {w}" for w in preview.warnings]
        if preview.anomaly:
            lines.append(f"anomaly:  {preview.anomaly_reason} (confirm needs --force)")
        if preview.is_noop:
            lines.append(f"no-op:    {preview.noop_reason or 'nothing to change'}")
    if outcome.token_id is not None and outcome.expires_at is not None:
        lines += [f"token:    {outcome.token_id}", f"expires:  {outcome.expires_at.isoformat()}"]
    lines.append(f"correlation_id: {outcome.correlation_id}")
    return lines


def confirm_lines(decision: ConfirmDecision, outcome: CommitOutcome | None) -> list[str]:
    """The confirm's answer as plain lines for a terminal."""
    lines = [f"decision: {decision.status.value}"]
    if decision.status is ConfirmStatus.FORCE_REQUIRED and decision.token is not None:
        lines.append(f"anomaly:  {decision.token.preview.anomaly_reason} (repeat with --force)")
    if outcome is None:
        return lines
    lines.append(f"status:   {outcome.status.value}")
    if outcome.force_reason:
        lines.append(f"anomaly:  {outcome.force_reason} (repeat with --force)")
    result = outcome.result
    if result is not None:
        lines += [f"summary:  {result.summary}", f"changed:  {result.changed_count} ({result.status})"]
        lines += [f"warning:  {w}" for w in result.warnings]
        if result.rollback_hint:
            lines.append(f"rollback: {result.rollback_hint}")
    if outcome.error is not None:
        lines.append(f"error:    {outcome.error.code.value}: {outcome.error.message}")
    lines.append(f"correlation_id: {outcome.token.correlation_id}")
    return lines


def _run(settings: Settings, work: Callable[[ActionServices], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_with_services(settings, work))
    except (OSError, SQLAlchemyError) as exc:
        _database_unreachable(exc)


async def _with_services(settings: Settings, work: Callable[[ActionServices], Awaitable[T]]) -> T:
    """Migrate, open the database and (with a BOT_TOKEN) Telegram, run `work`, close everything."""
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    bot = (
        create_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
        if settings.bot_token
        else None
    )
    messenger: ChatMessenger | None = AiogramMessenger(bot) if bot is not None else None
    try:
        audit = AuditLog(AuditRepository(create_session_factory(engine), settings.secret_values()))
        services = build_action_services(settings, engine, audit, messenger)
        with correlation_scope():
            return await work(services)
    finally:
        if bot is not None:
            await bot.session.close()
        await engine.dispose()


def _default_actor(settings: Settings) -> int:
    if not settings.owner_ids:
        _usage_error("No --actor and OWNER_IDS is empty: pass --actor with an owner's Telegram id.")
    return int(settings.owner_ids[0])
