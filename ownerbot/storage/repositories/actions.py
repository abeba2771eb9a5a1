"""Confirm tokens and executions of the ACTION pipeline: every state change is a conditional UPDATE.

A method that changes state returns whether it won (exactly one row changed). The claim runs the
token's `previewed → claimed` UPDATE and the INSERT under the UNIQUE idempotency key in one
transaction, so however many presses race — in one process or many, on PostgreSQL or SQLite — at most
one gets an execution row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import CursorResult, Executable, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.action_models import ActionConfirmToken, ActionExecution

TokenStatus = Literal["previewed", "cancelled", "expired", "claimed", "committed", "failed", "unknown"]
ExecutionStatus = Literal["in_progress", "committed", "failed", "unknown"]


class ConfirmTokenIn(BaseModel):
    """A new confirm token (status `previewed`, not force-confirmed)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    action_name: str
    payload: str
    payload_hash: str
    actor_tg_id: int
    chat_id: int
    message_id: int | None = None
    correlation_id: str
    locale: str
    risk: str
    preview: dict[str, Any]
    created_at: AwareDatetime
    expires_at: AwareDatetime
    force_required: bool
    undo_of: str | None = None


class ConfirmTokenRecord(ConfirmTokenIn):
    """A stored confirm token."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    force_confirmed: bool
    status: TokenStatus
    result: dict[str, Any] | None
    updated_at: AwareDatetime


class ClaimIn(BaseModel):
    """What a claim must match (the verified token's payload and hash) and what it records."""

    model_config = ConfigDict(extra="forbid")

    token_id: str
    payload: str
    payload_hash: str
    idempotency_key: str
    action_name: str
    actor_tg_id: int
    chat_id: int
    correlation_id: str
    forced: bool
    worker_id: str
    now: AwareDatetime


class ExecutionRecord(BaseModel):
    """A stored execution (one claimed commit attempt)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    idempotency_key: str
    token_id: str
    action_name: str
    payload_hash: str
    actor_tg_id: int
    chat_id: int
    correlation_id: str
    forced: bool
    status: ExecutionStatus
    worker_id: str
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
    result: dict[str, Any] | None
    error_code: str | None
    error: str | None
    owner_notified_at: AwareDatetime | None


def _token_status_for(status: ExecutionStatus) -> TokenStatus:
    return "claimed" if status == "in_progress" else status


class ActionRepository:
    """All SQL of the pipeline. Each method is its own transaction (the request boundary commits)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    @staticmethod
    async def _changed(session: AsyncSession, statement: Executable) -> int:
        result = cast("CursorResult[Any]", await session.execute(statement))
        return int(result.rowcount)

    # -- tokens ---------------------------------------------------------------------------------

    async def create_token(self, token: ConfirmTokenIn) -> None:
        row = ActionConfirmToken(
            **token.model_dump(),
            force_confirmed=False,
            status="previewed",
            result=None,
            updated_at=token.created_at,
        )
        async with self._session_factory() as session:
            session.add(row)
            await session.commit()

    async def get_token(self, token_id: str) -> ConfirmTokenRecord | None:
        async with self._session_factory() as session:
            row = await session.get(ActionConfirmToken, token_id)
            return None if row is None else ConfirmTokenRecord.model_validate(row)

    async def token_for_message(self, chat_id: int, message_id: int) -> ConfirmTokenRecord | None:
        """The newest token shown in this message (used to recognise presses of malformed buttons)."""
        query = (
            select(ActionConfirmToken)
            .where(ActionConfirmToken.chat_id == chat_id, ActionConfirmToken.message_id == message_id)
            .order_by(ActionConfirmToken.created_at.desc())
            .limit(1)
        )
        async with self._session_factory() as session:
            row = await session.scalar(query)
            return None if row is None else ConfirmTokenRecord.model_validate(row)

    async def bind_message(self, token_id: str, message_id: int, now: datetime) -> bool:
        """Record the message that shows the token's buttons; only once."""
        statement = (
            update(ActionConfirmToken)
            .where(ActionConfirmToken.id == token_id, ActionConfirmToken.message_id.is_(None))
            .values(message_id=message_id, updated_at=now)
        )
        return await self._transition(statement)

    async def cancel_token(self, token_id: str, now: datetime) -> bool:
        """`previewed → cancelled`."""
        return await self._token_from_previewed(token_id, "cancelled", now)

    async def expire_token(self, token_id: str, now: datetime) -> bool:
        """`previewed → expired`."""
        return await self._token_from_previewed(token_id, "expired", now)

    async def _token_from_previewed(self, token_id: str, status: TokenStatus, now: datetime) -> bool:
        statement = (
            update(ActionConfirmToken)
            .where(ActionConfirmToken.id == token_id, ActionConfirmToken.status == "previewed")
            .values(status=status, updated_at=now)
        )
        return await self._transition(statement)

    async def _transition(self, statement: Executable) -> bool:
        async with self._session_factory() as session:
            changed = await self._changed(session, statement)
            await session.commit()
        return changed == 1

    # -- claim, finalize ------------------------------------------------------------------------

    async def claim(self, claim: ClaimIn) -> ExecutionRecord | None:
        """Claim the token for one commit attempt; None when someone else did (or it no longer matches).

        The UPDATE re-checks status, payload bytes, hash, expiry and the force requirement in the same
        statement that takes the row, so a check-then-act race cannot slip between the verify and here.
        """
        won = (
            update(ActionConfirmToken)
            .where(
                ActionConfirmToken.id == claim.token_id,
                ActionConfirmToken.status == "previewed",
                ActionConfirmToken.payload == claim.payload,
                ActionConfirmToken.payload_hash == claim.payload_hash,
                ActionConfirmToken.expires_at > claim.now,
                ActionConfirmToken.force_required.is_(claim.forced),
            )
            .values(status="claimed", force_confirmed=claim.forced, updated_at=claim.now)
        )
        row = ActionExecution(
            idempotency_key=claim.idempotency_key,
            token_id=claim.token_id,
            action_name=claim.action_name,
            payload_hash=claim.payload_hash,
            actor_tg_id=claim.actor_tg_id,
            chat_id=claim.chat_id,
            correlation_id=claim.correlation_id,
            forced=claim.forced,
            status="in_progress",
            worker_id=claim.worker_id,
            started_at=claim.now,
        )
        async with self._session_factory() as session:
            try:
                if await self._changed(session, won) != 1:
                    await session.rollback()
                    return None
                session.add(row)
                await session.commit()
            except IntegrityError:
                # The UNIQUE idempotency key: an execution for this key already exists.
                await session.rollback()
                return None
            return ExecutionRecord.model_validate(row)

    async def finalize(
        self,
        execution_id: int,
        token_id: str,
        status: ExecutionStatus,
        now: datetime,
        *,
        result: dict[str, Any] | None = None,
        error_code: str | None = None,
        error: str | None = None,
        owner_notified: bool = False,
    ) -> bool:
        """Record the outcome. An `unknown` left by recovery is overwritten: the truth beats a guess."""
        execution = (
            update(ActionExecution)
            .where(ActionExecution.id == execution_id, ActionExecution.status.in_(("in_progress", "unknown")))
            .values(
                status=status,
                finished_at=now,
                result=result,
                error_code=error_code,
                error=error,
                **({"owner_notified_at": now} if owner_notified else {}),
            )
        )
        token = (
            update(ActionConfirmToken)
            .where(ActionConfirmToken.id == token_id, ActionConfirmToken.status.in_(("claimed", "unknown")))
            .values(status=_token_status_for(status), result=result, updated_at=now)
        )
        async with self._session_factory() as session:
            changed = await self._changed(session, execution)
            if changed == 1:
                await self._changed(session, token)
            await session.commit()
        return changed == 1

    async def release_for_force(self, execution_id: int, token_id: str, reason: str, now: datetime) -> bool:
        """The upstream refused without force (nothing applied): close this attempt, ask for force.

        The token goes back to `previewed` with `force_required`; the forced attempt claims under its own
        key (`…:force`), so at most one unforced and one forced attempt exist per token.
        """
        execution = (
            update(ActionExecution)
            .where(ActionExecution.id == execution_id, ActionExecution.status == "in_progress")
            .values(status="failed", finished_at=now, error_code="ANOMALY_FORCE_REQUIRED", error=reason)
        )
        token = (
            update(ActionConfirmToken)
            .where(ActionConfirmToken.id == token_id, ActionConfirmToken.status == "claimed")
            .values(status="previewed", force_required=True, updated_at=now)
        )
        async with self._session_factory() as session:
            changed = await self._changed(session, execution)
            if changed == 1:
                changed = await self._changed(session, token)
            if changed != 1:
                await session.rollback()
                return False
            await session.commit()
        return True

    async def execution(self, execution_id: int) -> ExecutionRecord | None:
        async with self._session_factory() as session:
            row = await session.get(ActionExecution, execution_id)
            return None if row is None else ExecutionRecord.model_validate(row)

    async def latest_execution(self, token_id: str) -> ExecutionRecord | None:
        query = (
            select(ActionExecution)
            .where(ActionExecution.token_id == token_id)
            .order_by(ActionExecution.id.desc())
            .limit(1)
        )
        async with self._session_factory() as session:
            row = await session.scalar(query)
            return None if row is None else ExecutionRecord.model_validate(row)

    # -- crash recovery -------------------------------------------------------------------------

    async def mark_unknown(self, *, started_before: datetime, now: datetime) -> list[ExecutionRecord]:
        """`in_progress` claims started before the instant become `unknown` (and their tokens too).

        Each row changes under its own conditional UPDATE, so two processes recovering at once never
        both report the same execution.
        """
        query = select(ActionExecution.id).where(
            ActionExecution.status == "in_progress", ActionExecution.started_at < started_before
        )
        marked: list[ExecutionRecord] = []
        async with self._session_factory() as session:
            ids = list((await session.scalars(query.order_by(ActionExecution.id))).all())
            for execution_id in ids:
                statement = (
                    update(ActionExecution)
                    .where(ActionExecution.id == execution_id, ActionExecution.status == "in_progress")
                    .values(status="unknown", finished_at=now, error_code="OUTCOME_UNKNOWN")
                )
                if await self._changed(session, statement) != 1:
                    continue
                row = await session.get(ActionExecution, execution_id)
                if row is None:  # pragma: no cover - the row was just updated
                    continue
                await self._changed(
                    session,
                    update(ActionConfirmToken)
                    .where(ActionConfirmToken.id == row.token_id, ActionConfirmToken.status == "claimed")
                    .values(status="unknown", updated_at=now),
                )
                await session.commit()
                marked.append(ExecutionRecord.model_validate(row))
        return marked

    async def unknown_without_notice(self, limit: int = 50) -> list[ExecutionRecord]:
        """`unknown` executions the owner was not told about yet, oldest first."""
        query = (
            select(ActionExecution)
            .where(ActionExecution.status == "unknown", ActionExecution.owner_notified_at.is_(None))
            .order_by(ActionExecution.id)
            .limit(limit)
        )
        async with self._session_factory() as session:
            rows = (await session.scalars(query)).all()
        return [ExecutionRecord.model_validate(row) for row in rows]

    async def claim_owner_notice(self, execution_id: int, now: datetime) -> bool:
        """Take the right to tell the owner about this execution (once, across processes)."""
        statement = (
            update(ActionExecution)
            .where(ActionExecution.id == execution_id, ActionExecution.owner_notified_at.is_(None))
            .values(owner_notified_at=now)
        )
        return await self._transition(statement)

    async def release_owner_notice(self, execution_id: int) -> None:
        """The notice could not be delivered: let the next recovery pass try again."""
        statement = (
            update(ActionExecution).where(ActionExecution.id == execution_id).values(owner_notified_at=None)
        )
        await self._transition(statement)
