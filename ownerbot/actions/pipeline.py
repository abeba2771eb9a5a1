"""The ACTION pipeline service: the one path from an intent to a change (ACTIONS.md, docs/actions.md).

`preview` verifies and dry-runs, then stores a confirm token bound to the canonical payload (none for a
no-op or a `preview_only` request, which only asks what would change). `confirm`
is the quick part of a press — verify the token against the press, then claim it atomically — so an
entry point can answer the press at once; `execute` does the slow part — commit, finalize, audit — and
only accepts a `Claim` that this pipeline handed out and the database still shows `in_progress`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ownerbot.actions.audit_trail import ActionAuditTrail
from ownerbot.actions.canonical import (
    canonical_json,
    idempotency_key,
    is_token_id,
    new_token_id,
    payload_hash,
)
from ownerbot.actions.contract import (
    ActionContext,
    ActionDeps,
    ActionHooks,
    ActionPreview,
    ActionResult,
    ForceRequired,
    max_risk,
)
from ownerbot.actions.outcomes import (
    ActionError,
    ActionRequest,
    Claim,
    CommitOutcome,
    CommitStatus,
    ConfirmDecision,
    ConfirmPress,
    ConfirmStatus,
    OutcomeUnknown,
    PreviewOutcome,
    PreviewStatus,
    TokenView,
)
from ownerbot.observability.correlation import correlation_scope, current_correlation_id
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.repositories.actions import (
    ActionRepository,
    ClaimIn,
    ConfirmTokenIn,
    ConfirmTokenRecord,
    ExecutionStatus,
)
from ownerbot.tools.contract import ErrorCode, Risk, Tenant, ToolFailure, ToolKind
from ownerbot.tools.registry import ToolRegistry, ToolSpec
from ownerbot.tools.validation import validate_payload
from ownerbot.upstream.base import ProviderNotSupported, ProviderUnavailable, UpstreamProvider
from ownerbot.upstream.deadline import deadline_at

log = logging.getLogger(__name__)

DEFAULT_PREVIEW_TIMEOUT_SEC = 15.0
DEFAULT_COMMIT_TIMEOUT_SEC = 60.0
# `preview.details` key holding where a SIS-target action was previewed (DEMO or SIS): a commit after a
# mode switch would apply a plan bound to one shop (e.g. its product ids) to the other, so it is refused.
UPSTREAM_TARGET_DETAIL = "upstream_target"

_FINAL_STATUS: dict[CommitStatus, ExecutionStatus] = {
    CommitStatus.COMMITTED: "committed",
    CommitStatus.FAILED: "failed",
    CommitStatus.UNKNOWN: "unknown",
    CommitStatus.FORCE_REQUIRED: "failed",
}
_STATUS_ANSWERS: dict[str, ConfirmStatus] = {
    "claimed": ConfirmStatus.IN_PROGRESS,
    "committed": ConfirmStatus.ALREADY_DONE,
    "failed": ConfirmStatus.ALREADY_FAILED,
    "unknown": ConfirmStatus.OUTCOME_UNKNOWN,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class ClaimRequired(RuntimeError):
    """`execute` was called without a live claim from `confirm`: nothing runs."""


class ActionPipeline:
    """Preview, confirm, commit for every action tool in the registry; see the module docstring."""

    def __init__(
        self,
        registry: ToolRegistry,
        repository: ActionRepository,
        audit: AuditLog | None,
        *,
        deps: ActionDeps,
        provider_for: Callable[[], UpstreamProvider],
        owner_ids: Collection[int],
        tenant: Tenant,
        confirm_ttl_sec: int,
        planner_allowed: Collection[str] = (),
        clock: Callable[[], datetime] = utc_now,
        preview_timeout_sec: float = DEFAULT_PREVIEW_TIMEOUT_SEC,
        commit_timeout_sec: float = DEFAULT_COMMIT_TIMEOUT_SEC,
        worker_id: str | None = None,
        after_claim: Callable[[Claim], Awaitable[None]] | None = None,
        upstream_target_for: Callable[[], str] | None = None,
    ) -> None:
        """`clock` is public (`pipeline.clock`) so tests can move time; `after_claim` is a test hook
        that runs between the claim and the commit (crash tests block there)."""
        self.registry = registry
        self.repository = repository
        self.clock = clock
        self._trail = ActionAuditTrail(audit)
        self._deps = deps
        self._provider_for = provider_for
        self._owner_ids = frozenset(owner_ids)
        self._tenant = tenant
        self._ttl = timedelta(seconds=confirm_ttl_sec)
        self._planner_allowed = frozenset(planner_allowed)
        self._preview_timeout = preview_timeout_sec
        self._commit_timeout = commit_timeout_sec
        self.worker_id = worker_id or secrets.token_hex(8)
        self._after_claim = after_claim
        self._upstream_target_for = upstream_target_for
        self._live_claims: dict[int, Claim] = {}

    def action_spec(self, name: str) -> ToolSpec[Any] | None:
        """The spec of action tool `name`, or None (unknown, a read tool, or an action without hooks)."""
        spec = self.registry.get(name)
        if spec is None or spec.kind is not ToolKind.ACTION or spec.action is None:
            return None
        return spec

    # -- preview --------------------------------------------------------------------------------

    async def preview(self, request: ActionRequest) -> PreviewOutcome:
        """Verify, dry-run and (unless it is a no-op or `preview_only`) store a confirm token.

        Never raises for bad input; every outcome is audited as ACTION_PREVIEW with its status.
        """
        cid = request.correlation_id or current_correlation_id()
        with correlation_scope(cid) as cid:
            started = self.clock()
            outcome = await self._preview(request, cid, started)
            await self._trail.preview(request, outcome, self._target(outcome.action), started, self.clock())
            return outcome

    async def _preview(self, request: ActionRequest, cid: str, now: datetime) -> PreviewOutcome:
        def rejected(code: ErrorCode, message: str, spec: ToolSpec[Any] | None = None) -> PreviewOutcome:
            return PreviewOutcome(
                status=PreviewStatus.REJECTED,
                action=request.action[:128],
                title_key=spec.action.title_key if spec and spec.action else None,
                risk=spec.risk if spec else Risk.LOW,
                correlation_id=cid,
                error=ActionError(code=code, message=message),
            )

        found = self.registry.get(request.action)
        if found is None:
            return rejected(ErrorCode.UNKNOWN_TOOL, f"Unknown action {request.action[:64]!r}.")
        spec = self.action_spec(request.action)
        if spec is None or spec.action is None:
            # A read tool (or a half-registered action) never reaches commit.
            return rejected(ErrorCode.PERMISSION_DENIED, f"{found.name} is not an action tool.")
        if request.actor_id not in self._owner_ids:
            return rejected(ErrorCode.PERMISSION_DENIED, "Only owners may run actions.", spec)
        if request.channel == "planner" and spec.name not in self._planner_allowed:
            return rejected(ErrorCode.PERMISSION_DENIED, f"{spec.name} is not allowed for the planner.", spec)
        try:
            payload = validate_payload(spec.payload_model, request.payload)
            ctx = self._context(request, cid, now)
            async with asyncio.timeout(self._preview_timeout) as deadline:
                with deadline_at(deadline.when()):  # the SIS client ends (and counts) its call first
                    preview = await spec.action.preview(payload, ctx)
            if spec.action.target_system == "SIS" and self._upstream_target_for is not None:
                preview.details[UPSTREAM_TARGET_DETAIL] = self._upstream_target_for()
            bound = payload
            if preview.bound_payload is not None:
                bound = validate_payload(spec.payload_model, preview.bound_payload)
        except ToolFailure as failure:
            return rejected(failure.code, failure.message, spec)
        except TimeoutError:
            return rejected(ErrorCode.TIMEOUT, f"The preview of {spec.name} took too long; try again.", spec)
        except ProviderNotSupported:
            return rejected(ErrorCode.NOT_SUPPORTED, "The data source cannot do this.", spec)
        except ProviderUnavailable:
            return rejected(
                ErrorCode.UPSTREAM_UNAVAILABLE, "The data source is unavailable; try later.", spec
            )
        except Exception:
            log.exception("action_preview_crashed", extra={"action": spec.name})
            return rejected(ErrorCode.TOOL_EXECUTION_FAILED, f"Preview failed; reference {cid}.", spec)

        canonical = canonical_json(_dump(bound))
        try:
            # The commit re-reads exactly this text: prove now that it parses back, not at confirm time.
            validate_payload(spec.payload_model, json.loads(canonical))
        except ToolFailure:
            log.exception("action_payload_not_round_trippable", extra={"action": spec.name})
            return rejected(ErrorCode.TOOL_EXECUTION_FAILED, f"Preview failed; reference {cid}.", spec)
        hash_ = payload_hash(canonical)
        risk = max_risk(spec.risk, preview.risk)
        common: dict[str, Any] = {
            "action": spec.name,
            "title_key": spec.action.title_key,
            "risk": risk,
            "correlation_id": cid,
            "preview": preview,
            "payload_hash": hash_,
        }
        if preview.is_noop:
            return PreviewOutcome(status=PreviewStatus.NOOP, **common)
        if request.preview_only:
            # A question («нужно ли обновлять цены?»): no token row exists, so no press can ever claim it.
            return PreviewOutcome(status=PreviewStatus.PREVIEW_ONLY, **common)
        token_id = new_token_id()
        expires_at = now + self._ttl
        await self.repository.create_token(
            ConfirmTokenIn(
                id=token_id,
                action_name=spec.name,
                payload=canonical,
                payload_hash=hash_,
                actor_tg_id=request.actor_id,
                chat_id=request.chat_id,
                correlation_id=cid,
                locale=request.locale,
                risk=risk.value,
                preview=preview.model_dump(mode="json", exclude={"bound_payload"}),
                created_at=now,
                expires_at=expires_at,
                force_required=preview.anomaly,
                undo_of=request.undo_of,
            )
        )
        return PreviewOutcome(
            status=PreviewStatus.READY,
            token_id=token_id,
            expires_at=expires_at,
            force_required=preview.anomaly,
            **common,
        )

    def _context(self, request: ActionRequest, cid: str, now: datetime, **extra: Any) -> ActionContext:
        return ActionContext(
            correlation_id=cid,
            actor_id=request.actor_id,
            chat_id=request.chat_id,
            locale=request.locale,
            now=now,
            tenant=self._tenant,
            provider=self._provider_for(),
            deps=self._deps,
            **extra,
        )

    async def attach_message(self, token_id: str, message_id: int) -> bool:
        """Bind the token to the message that shows its buttons (presses from elsewhere are refused)."""
        return await self.repository.bind_message(token_id, message_id, self.clock())

    # -- confirm (quick: verify + claim) --------------------------------------------------------

    async def confirm(self, press: ConfirmPress) -> ConfirmDecision:
        """Verify the press against its token and claim it. Only a `CLAIMED` decision carries a claim."""
        token, refusal = await self._verified_token(press)
        if token is None:
            return refusal
        view = self._view(token)
        if token.status != "previewed":
            return await self._answer_from_status(token, view, press)
        now = self.clock()
        if now >= token.expires_at:
            await self.repository.expire_token(token.id, now)
            return await self._tamper(press, "expired", token)
        if press.force and not token.force_required:
            return await self._tamper(press, "force_not_required", token)
        if token.force_required and not press.force:
            return ConfirmDecision(status=ConfirmStatus.FORCE_REQUIRED, token=view)
        if token.message_id is None and press.message_id is not None:
            # The press raced the binding of the freshly sent message: bind it now (first press wins).
            await self.repository.bind_message(token.id, press.message_id, now)
        scope = f"{token.id}:force" if press.force else token.id
        key = idempotency_key(token.action_name, token.payload_hash, token.actor_tg_id, scope)
        execution = await self.repository.claim(
            ClaimIn(
                token_id=token.id,
                payload=token.payload,
                payload_hash=token.payload_hash,
                idempotency_key=key,
                action_name=token.action_name,
                actor_tg_id=token.actor_tg_id,
                chat_id=token.chat_id,
                correlation_id=token.correlation_id,
                forced=press.force,
                worker_id=self.worker_id,
                now=now,
            )
        )
        if execution is None:
            fresh = await self.repository.get_token(token.id)
            if fresh is None or fresh.status == "previewed":
                # Still `previewed` yet not claimable: it expired or changed under us.
                return await self._tamper(press, "claim_refused", token)
            return await self._answer_from_status(fresh, self._view(fresh), press)
        claim = Claim(
            execution_id=execution.id,
            token_id=token.id,
            action=token.action_name,
            payload=token.payload,
            payload_hash=token.payload_hash,
            idempotency_key=key,
            actor_id=token.actor_tg_id,
            chat_id=token.chat_id,
            correlation_id=token.correlation_id,
            forced=press.force,
        )
        self._live_claims[execution.id] = claim
        return ConfirmDecision(status=ConfirmStatus.CLAIMED, token=view, claim=claim)

    async def _verified_token(self, press: ConfirmPress) -> tuple[ConfirmTokenRecord | None, ConfirmDecision]:
        """The token when the press matches it in every binding; otherwise the tamper decision."""
        if not is_token_id(press.token_id):
            return None, await self._tamper(press, "malformed_token")
        token = await self.repository.get_token(press.token_id)
        if token is None:
            return None, await self._tamper(press, "unknown_token")
        if token.actor_tg_id != press.actor_id:
            return None, await self._tamper(press, "other_actor", token)
        if token.chat_id != press.chat_id:
            return None, await self._tamper(press, "other_chat", token)
        if token.message_id is not None and token.message_id != press.message_id:
            return None, await self._tamper(press, "other_message", token)
        if self.action_spec(token.action_name) is None:
            return None, await self._tamper(press, "not_an_action", token)
        if payload_hash(token.payload) != token.payload_hash:
            return None, await self._tamper(press, "payload_hash_mismatch", token)
        return token, ConfirmDecision(status=ConfirmStatus.TAMPERED)

    async def _answer_from_status(
        self, token: ConfirmTokenRecord, view: TokenView, press: ConfirmPress
    ) -> ConfirmDecision:
        status = _STATUS_ANSWERS.get(token.status)
        if status is not None:
            return ConfirmDecision(status=status, token=view)
        # cancelled / expired: a confirm of a closed token is refused (and audited) like any mismatch.
        return await self._tamper(press, token.status, token)

    async def _tamper(
        self, press: ConfirmPress, reason: str, token: ConfirmTokenRecord | None = None
    ) -> ConfirmDecision:
        """Refuse: nothing is committed and an ACTION_TAMPER audit row says who pressed what, and why."""
        log.warning("action_tamper", extra={"reason": reason, "actor": press.actor_id})
        await self._trail.tamper(
            press,
            reason,
            action_name=token.action_name if token else None,
            target_system=self._target(token.action_name) if token else None,
            payload_hash=token.payload_hash if token else None,
            token_correlation_id=token.correlation_id if token else None,
        )
        return ConfirmDecision(status=ConfirmStatus.TAMPERED, reason=reason)

    # -- execute (slow: commit, finalize, audit) ------------------------------------------------

    async def execute(self, claim: Claim) -> CommitOutcome:
        """Commit a claim won by `confirm` in this pipeline, once; anything else raises `ClaimRequired`."""
        if self._live_claims.get(claim.execution_id) is not claim:
            # A look-alike must not evict the real claim either: only the exact object is accepted.
            raise ClaimRequired("no live claim: confirm first (a claim is executed once)")
        del self._live_claims[claim.execution_id]
        execution = await self.repository.execution(claim.execution_id)
        token = await self.repository.get_token(claim.token_id)
        spec = self.action_spec(claim.action)
        if (
            execution is None
            or execution.status != "in_progress"
            or execution.idempotency_key != claim.idempotency_key
            or token is None
            or token.status != "claimed"
            or token.payload != claim.payload
            or spec is None
            or spec.action is None
        ):
            raise ClaimRequired("the claim is not in progress in the database")
        with correlation_scope(claim.correlation_id):
            return await self._commit(claim, token, spec, spec.action)

    async def _commit(
        self, claim: Claim, token: ConfirmTokenRecord, spec: ToolSpec[Any], hooks: ActionHooks[Any]
    ) -> CommitOutcome:
        view = self._view(token)
        started = self.clock()
        if self._after_claim is not None:
            await self._after_claim(claim)
        request = ActionRequest(
            action=claim.action, actor_id=claim.actor_id, chat_id=claim.chat_id, locale=token.locale
        )
        error: ActionError | None = None
        result: ActionResult | None = None
        status = CommitStatus.FAILED
        try:
            payload = validate_payload(spec.payload_model, json.loads(claim.payload))
            ctx = self._context(
                request,
                claim.correlation_id,
                started,
                force=claim.forced,
                idempotency_key=claim.idempotency_key,
            )
            self._check_upstream_target(view, hooks)
            async with asyncio.timeout(self._commit_timeout):
                result = await hooks.commit(payload, ctx)
            status = CommitStatus.FAILED if result.status == "failed" else CommitStatus.COMMITTED
        except ForceRequired as exc:
            if not claim.forced and await self.repository.release_for_force(
                claim.execution_id, claim.token_id, exc.reason, self.clock()
            ):
                await self._trail.commit(
                    claim,
                    risk=view.risk,
                    target_system=hooks.target_system,
                    started=started,
                    finished=self.clock(),
                    status="force_required",
                    result=None,
                    error=exc.reason,
                    rollback=False,
                )
                forced_view = view.model_copy(update={"force_required": True})
                return CommitOutcome(
                    status=CommitStatus.FORCE_REQUIRED, token=forced_view, force_reason=exc.reason
                )
            error = ActionError(code=ErrorCode.ANOMALY_FORCE_REQUIRED, message=exc.reason)
        except TimeoutError:
            status = CommitStatus.UNKNOWN
            error = ActionError(
                code=ErrorCode.TIMEOUT,
                message=f"No answer within {self._commit_timeout:g} s; check manually.",
            )
        except OutcomeUnknown as exc:
            # The write left but its answer did not come back: never repeated, the owner checks.
            status = CommitStatus.UNKNOWN
            error = ActionError(code=exc.code, message=exc.message)
        except ToolFailure as failure:
            error = ActionError(code=failure.code, message=failure.message)
        except ProviderNotSupported:
            error = ActionError(code=ErrorCode.NOT_SUPPORTED, message="The data source cannot do this.")
        except ProviderUnavailable:
            error = ActionError(
                code=ErrorCode.UPSTREAM_UNAVAILABLE, message="The data source is unavailable."
            )
        except Exception:
            log.exception("action_commit_crashed", extra={"action": claim.action})
            error = ActionError(
                code=ErrorCode.TOOL_EXECUTION_FAILED,
                message=f"Commit failed; reference {claim.correlation_id}.",
            )
        await self.repository.finalize(
            claim.execution_id,
            claim.token_id,
            _FINAL_STATUS[status],
            self.clock(),
            result=result.model_dump(mode="json") if result else None,
            error_code=error.code.value if error else None,
            error=error.message if error else None,
            # The report itself tells the owner about an unknown outcome: recovery need not repeat it.
            owner_notified=status is CommitStatus.UNKNOWN,
        )
        rollback = token.undo_of is not None
        await self._trail.commit(
            claim,
            risk=view.risk,
            target_system=hooks.target_system,
            started=started,
            finished=self.clock(),
            status=status.value,
            result=result,
            error=error.message if error else None,
            rollback=rollback,
        )
        return CommitOutcome(
            status=status,
            token=view.model_copy(update={"result": result}),
            result=result,
            error=error,
            rollback=rollback,
        )

    async def confirm_and_execute(self, press: ConfirmPress) -> tuple[ConfirmDecision, CommitOutcome | None]:
        """Both halves at once, for entry points with nothing to answer in between (CLI, tests)."""
        decision = await self.confirm(press)
        if decision.claim is None:
            return decision, None
        return decision, await self.execute(decision.claim)

    # -- cancel, undo ---------------------------------------------------------------------------

    async def cancel(self, press: ConfirmPress) -> ConfirmDecision:
        """❌: `previewed → cancelled`; a claimed or finished token answers from its status."""
        token, refusal = await self._verified_token(press)
        if token is None:
            return refusal
        if token.status == "previewed":
            if await self.repository.cancel_token(token.id, self.clock()):
                log.info("action_cancelled", extra={"action": token.action_name})
                return ConfirmDecision(status=ConfirmStatus.CANCELLED, token=self._view(token))
            fresh = await self.repository.get_token(token.id)
            token = fresh or token
        status = _STATUS_ANSWERS.get(token.status, ConfirmStatus.CLOSED)
        return ConfirmDecision(status=status, token=self._view(token))

    async def preview_undo(self, press: ConfirmPress, locale: str) -> PreviewOutcome | ConfirmDecision:
        """↩️ on a result: preview the stored undo of a committed token (it needs its own confirm)."""
        token, refusal = await self._verified_token(press)
        if token is None:
            return refusal
        result = ActionResult.model_validate(token.result) if token.result else None
        if token.status != "committed" or result is None or result.undo is None:
            return ConfirmDecision(status=ConfirmStatus.CLOSED, token=self._view(token))
        return await self.preview(
            ActionRequest(
                action=result.undo.action,
                payload=result.undo.payload,
                actor_id=press.actor_id,
                chat_id=press.chat_id,
                locale=locale,
                undo_of=token.id,
            )
        )

    async def is_action_message(self, chat_id: int, message_id: int) -> bool:
        """Whether this message shows (or showed) action buttons: presses on it are judged by us."""
        return await self.repository.token_for_message(chat_id, message_id) is not None

    async def refuse_malformed(self, actor_id: int, chat_id: int, message_id: int | None, data: str) -> None:
        """A press on an action message whose data is no action button of ours: audit it as tamper."""
        press = ConfirmPress(token_id=data[:64], actor_id=actor_id, chat_id=chat_id, message_id=message_id)
        await self._tamper(press, "malformed_callback")

    # -- helpers --------------------------------------------------------------------------------

    def _check_upstream_target(self, view: TokenView, hooks: ActionHooks[Any]) -> None:
        """Refuse a SIS-target commit when the upstream mode moved since its preview (DEMO ↔ SIS)."""
        previewed = view.preview.details.get(UPSTREAM_TARGET_DETAIL)
        if hooks.target_system != "SIS" or self._upstream_target_for is None or previewed is None:
            return
        now = self._upstream_target_for()
        if now != previewed:
            raise ToolFailure(
                ErrorCode.VALIDATION_ERROR,
                f"The data source changed since the preview ({previewed} → {now}); nothing was done. "
                "Run the action again.",
            )

    def _target(self, action: str) -> str | None:
        spec = self.action_spec(action)
        return spec.action.target_system if spec and spec.action else None

    def _view(self, token: ConfirmTokenRecord) -> TokenView:
        spec = self.action_spec(token.action_name)
        return TokenView(
            token_id=token.id,
            action=token.action_name,
            title_key=spec.action.title_key if spec and spec.action else "actions.title.unknown",
            risk=Risk(token.risk),
            locale=token.locale,
            correlation_id=token.correlation_id,
            preview=ActionPreview.model_validate(token.preview),
            expires_at=token.expires_at,
            force_required=token.force_required,
            result=ActionResult.model_validate(token.result) if token.result else None,
        )


def _dump(model: BaseModel) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
    return dumped
