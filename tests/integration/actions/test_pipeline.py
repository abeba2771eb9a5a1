"""The ACTION pipeline against real databases (PostgreSQL and SQLite) with the shipped action tools."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import update

from ownerbot.actions.contract import ActionDeps
from ownerbot.actions.outcomes import (
    ActionRequest,
    Claim,
    CommitStatus,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
)
from ownerbot.actions.pipeline import ActionPipeline, ClaimRequired
from ownerbot.storage.action_models import ActionConfirmToken
from ownerbot.storage.demo_models import DemoOrder, DemoOrderNote
from ownerbot.tools.contract import ErrorCode, Tenant
from ownerbot.upstream.demo.ops import DemoOpsReader
from ownerbot.upstream.demo.provider import DemoProvider
from tests.integration.actions.conftest import CHAT, MANAGERS, OTHER_OWNER, OWNER, Harness
from tests.integration.actions.support import (
    execution_statuses,
    flag_rows,
    note_count,
    seed_orders,
    snapshot,
    token_row,
)


async def _commit(h: Harness, token_id: str, **press: object) -> CommitStatus:
    decision, outcome = await h.pipeline.confirm_and_execute(h.press(token_id, **press))
    assert decision.status is ConfirmStatus.CLAIMED, decision
    assert outcome is not None
    return outcome.status


async def test_previews_have_no_side_effects(harness: Harness) -> None:
    h = harness
    tables = [DemoOrder.__table__, DemoOrderNote.__table__]
    before = await snapshot(h.session_factory, tables)
    order = h.order_ids[0]
    for action, payload in (
        ("flag_order", {"order_id": order, "reason": "check"}),
        ("order_note", {"order_id": order, "text": "позвонить"}),
        ("bulk_flag_order", {"status": "awaiting_payment", "reason": "bulk"}),
        ("notify_team", {"message": "hello team"}),
    ):
        outcome = await h.preview(action, payload)
        assert outcome.status is PreviewStatus.READY, outcome
    assert await snapshot(h.session_factory, tables) == before
    assert h.messenger.sent == []
    assert await execution_statuses(h.session_factory) == []
    assert await h.audit_count("ACTION_PREVIEW") == 4


async def test_flag_commit_shows_in_order_detail_and_is_audited(harness: Harness) -> None:
    h = harness
    order = h.order_ids[0]
    preview = await h.preview("flag_order", {"order_id": f"#{order}", "reason": "клиент <b>ждёт</b>"})
    assert preview.status is PreviewStatus.READY and preview.token_id is not None
    assert preview.preview is not None and preview.preview.affected_count == 1
    assert preview.preview.examples[0].before == "не помечен"
    await h.pipeline.attach_message(preview.token_id, 77)

    assert await _commit(h, preview.token_id) is CommitStatus.COMMITTED
    detail = await DemoOpsReader(h.session_factory, tz="Europe/Berlin", currency="EUR").order_detail(order)
    assert detail is not None and detail.flagged and detail.flag_reason == "клиент <b>ждёт</b>"

    again, outcome = await h.pipeline.confirm_and_execute(h.press(preview.token_id))
    assert again.status is ConfirmStatus.ALREADY_DONE and outcome is None
    assert await execution_statuses(h.session_factory) == ["committed"]

    commits = await h.audit.recent(event_type="ACTION_COMMIT")
    previews = await h.audit.recent(event_type="ACTION_PREVIEW")
    assert len(commits) == 1 and len(previews) == 1
    commit = commits[0]
    assert commit.action_name == "flag_order" and commit.actor_tg_id == OWNER
    assert commit.target_system == "OwnerBot" and commit.status == "ok"
    assert commit.payload_hash == preview.payload_hash == previews[0].payload_hash
    assert commit.correlation_id == preview.correlation_id == previews[0].correlation_id
    assert commit.started_at is not None and commit.finished_at is not None and commit.summary


async def test_note_is_visible_in_order_detail(harness: Harness) -> None:
    h = harness
    order = h.order_ids[1]
    token = await h.ready("order_note", {"order_id": order, "text": "  доставка после 18:00  "})
    assert await _commit(h, token) is CommitStatus.COMMITTED
    detail = await DemoOpsReader(h.session_factory, tz="Europe/Berlin", currency="EUR").order_detail(order)
    assert detail is not None
    assert [(n.text, n.author_tg_id) for n in detail.notes] == [("доставка после 18:00", OWNER)]


async def test_undo_restores_previous_flag_and_audits_rollback(harness: Harness) -> None:
    h = harness
    order = h.order_ids[0]
    assert await _commit(h, await h.ready("flag_order", {"order_id": order, "reason": "first"})) is (
        CommitStatus.COMMITTED
    )
    second = await h.ready("flag_order", {"order_id": order, "reason": "second"})
    assert await _commit(h, second) is CommitStatus.COMMITTED
    assert (await flag_rows(h.session_factory))[order] == (True, "second")

    undo = await h.pipeline.preview_undo(h.press(second), "ru")
    assert isinstance(undo, PreviewOutcome) and undo.status is PreviewStatus.READY
    assert undo.token_id is not None
    await h.pipeline.attach_message(undo.token_id, 78)
    assert await _commit(h, undo.token_id, message_id=78) is CommitStatus.COMMITTED
    assert (await flag_rows(h.session_factory))[order] == (True, "first")
    assert await h.audit_count("ACTION_ROLLBACK") == 1
    assert await h.audit_count("ACTION_COMMIT") == 2


async def test_noop_previews_create_no_token(harness: Harness) -> None:
    h = harness
    order = h.order_ids[0]
    unflag = await h.preview("unflag_order", {"order_id": order})
    assert unflag.status is PreviewStatus.NOOP and unflag.token_id is None
    assert unflag.preview is not None and unflag.preview.noop_reason and order in unflag.preview.noop_reason

    assert await _commit(h, await h.ready("flag_order", {"order_id": order, "reason": "r"})) is (
        CommitStatus.COMMITTED
    )
    same = await h.preview("flag_order", {"order_id": order, "reason": "r"})
    assert same.status is PreviewStatus.NOOP and same.token_id is None

    bulk = await h.preview("bulk_flag_order", {"status": "delivered"})
    assert bulk.status is PreviewStatus.NOOP and bulk.preview is not None and bulk.preview.noop_reason
    noops = [r for r in await h.audit.recent(event_type="ACTION_PREVIEW") if r.status == "noop"]
    assert len(noops) == 3


async def test_notify_without_recipients_is_a_noop(harness: Harness) -> None:
    h = harness
    pipeline = ActionPipeline(
        h.pipeline.registry,
        h.repository,
        None,
        deps=ActionDeps(messenger=h.messenger, manager_chat_ids=()),
        provider_for=lambda: DemoProvider(h.session_factory, tz="Europe/Berlin", currency="EUR"),
        owner_ids=[OWNER],
        tenant=Tenant(),
        confirm_ttl_sec=600,
        clock=h.clock,
    )
    outcome = await pipeline.preview(
        ActionRequest(action="notify_team", payload={"message": "hi"}, actor_id=OWNER, chat_id=CHAT)
    )
    assert outcome.status is PreviewStatus.NOOP and outcome.token_id is None
    assert outcome.preview is not None and "MANAGER_CHAT_IDS" in (outcome.preview.noop_reason or "")


async def test_notify_reports_partial_delivery_per_chat(harness: Harness) -> None:
    h = harness
    preview = await h.preview("notify_team", {"message": "Проверьте заказы", "silent": True})
    assert preview.preview is not None
    assert [e.target for e in preview.preview.examples] == [f"чат {c}" for c in sorted(MANAGERS)]
    assert preview.token_id is not None
    await h.pipeline.attach_message(preview.token_id, 77)
    h.messenger.failing[-1002] = "TelegramForbiddenError"

    _, outcome = await h.pipeline.confirm_and_execute(h.press(preview.token_id))
    assert outcome is not None and outcome.status is CommitStatus.COMMITTED
    assert outcome.result is not None and outcome.result.status == "partial"
    assert outcome.result.changed_count == 2
    assert outcome.result.details["deliveries"] == {
        "-1003": "sent",
        "-1002": "TelegramForbiddenError",
        "-1001": "sent",
    }
    assert any("-1002" in w for w in outcome.result.warnings)
    assert sorted(chat for chat, *_ in h.messenger.sent) == [-1003, -1001]
    assert all(
        text == "Проверьте заказы" and silent and not html for _, text, silent, html in h.messenger.sent
    )
    commits = await h.audit.recent(event_type="ACTION_COMMIT")
    assert commits[0].status == "partial" and commits[0].target_system == "Telegram"


async def test_notify_all_failed_is_a_failure(harness: Harness) -> None:
    h = harness
    h.messenger.failing.update({chat: "TelegramBadRequest" for chat in MANAGERS})
    token = await h.ready("notify_team", {"message": "x"})
    assert await _commit(h, token) is CommitStatus.FAILED
    assert await h.audit_count("ACTION_FAIL") == 1
    again, _ = await h.pipeline.confirm_and_execute(h.press(token))
    assert again.status is ConfirmStatus.ALREADY_FAILED


async def test_notify_refuses_recipients_outside_settings(harness: Harness) -> None:
    outcome = await harness.preview("notify_team", {"message": "x", "recipients": [-1001, 424242]})
    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.PERMISSION_DENIED


async def test_bulk_flag_commits_exactly_the_previewed_orders(harness: Harness) -> None:
    h = harness
    preview = await h.preview("bulk_flag_order", {"status": "awaiting_payment", "reason": "bulk"})
    assert preview.preview is not None and preview.preview.affected_count == 3
    assert len(preview.preview.examples) == 3 and not preview.preview.anomaly
    assert preview.token_id is not None
    await h.pipeline.attach_message(preview.token_id, 77)
    # A new matching order arrives after the preview: the commit must not touch it.
    late = await seed_orders(h.session_factory, 1, first_id=5001)
    assert await _commit(h, preview.token_id) is CommitStatus.COMMITTED
    flags = await flag_rows(h.session_factory)
    assert all(flags[o] == (True, "bulk") for o in h.order_ids)
    assert flags[late[0]] == (False, None)
    stored = json.loads((await token_row(h.session_factory, preview.token_id)).payload)
    assert sorted(stored["order_ids"]) == sorted(h.order_ids)


async def test_bulk_flag_over_threshold_needs_force(harness: Harness) -> None:
    h = harness
    await seed_orders(h.session_factory, 60, first_id=2001, status="new")
    preview = await h.preview("bulk_flag_order", {"status": "new", "reason": "mass"})
    assert preview.preview is not None and preview.preview.anomaly and preview.force_required
    assert preview.risk.value == "MED" and len(preview.preview.examples) == 5
    assert preview.token_id is not None
    await h.pipeline.attach_message(preview.token_id, 77)
    first = await h.pipeline.confirm(h.press(preview.token_id))
    assert first.status is ConfirmStatus.FORCE_REQUIRED and first.claim is None
    assert sum(f for f, _ in (await flag_rows(h.session_factory)).values()) == 0
    assert await _commit(h, preview.token_id, force=True) is CommitStatus.COMMITTED
    assert sum(f for f, _ in (await flag_rows(h.session_factory)).values()) == 60


@pytest.mark.parametrize(
    ("press", "reason"),
    [
        ({"actor_id": OTHER_OWNER}, "other_actor"),
        ({"chat_id": -100555}, "other_chat"),
        ({"message_id": 78}, "other_message"),
        ({"message_id": None}, "other_message"),
        ({"token_id": "A" * 32}, "unknown_token"),
        ({"token_id": "short"}, "malformed_token"),
        ({"force": True}, "force_not_required"),
    ],
)
async def test_mismatched_presses_are_tamper(harness: Harness, press: dict[str, object], reason: str) -> None:
    h = harness
    token = await h.ready("flag_order", {"order_id": h.order_ids[0], "reason": "r"})
    before = await flag_rows(h.session_factory)
    decision, outcome = await h.pipeline.confirm_and_execute(h.press(token, **press))
    assert decision.status is ConfirmStatus.TAMPERED and decision.reason == reason and outcome is None
    assert await flag_rows(h.session_factory) == before
    tampers = await h.audit.recent(event_type="ACTION_TAMPER")
    assert len(tampers) == 1 and tampers[0].details["reason"] == reason
    assert tampers[0].details["code"] == "PAYLOAD_TAMPERED"
    # The genuine press still works afterwards: a forger cannot burn the owner's token.
    assert await _commit(h, token) is CommitStatus.COMMITTED


@pytest.mark.parametrize("column", ["payload", "payload_hash"])
async def test_changed_stored_payload_is_tamper(harness: Harness, column: str) -> None:
    h = harness
    token = await h.ready("flag_order", {"order_id": h.order_ids[0], "reason": "r"})
    row = await token_row(h.session_factory, token)
    forged = row.payload.replace(h.order_ids[0], h.order_ids[2]) if column == "payload" else "f" * 64
    async with h.session_factory() as session:
        await session.execute(
            update(ActionConfirmToken).where(ActionConfirmToken.id == token).values({column: forged})
        )
        await session.commit()
    decision, outcome = await h.pipeline.confirm_and_execute(h.press(token))
    assert decision.status is ConfirmStatus.TAMPERED and decision.reason == "payload_hash_mismatch"
    assert outcome is None
    assert not any(flagged for flagged, _ in (await flag_rows(h.session_factory)).values())
    assert await h.audit_count("ACTION_TAMPER") == 1 and await execution_statuses(h.session_factory) == []


async def test_expired_and_cancelled_tokens_commit_nothing(harness: Harness) -> None:
    h = harness
    expired = await h.ready("flag_order", {"order_id": h.order_ids[0], "reason": "r"})
    h.clock.advance(601)
    decision, _ = await h.pipeline.confirm_and_execute(h.press(expired))
    assert decision.status is ConfirmStatus.TAMPERED and decision.reason == "expired"
    assert (await token_row(h.session_factory, expired)).status == "expired"

    cancelled = await h.ready("flag_order", {"order_id": h.order_ids[1], "reason": "r"})
    assert (await h.pipeline.cancel(h.press(cancelled))).status is ConfirmStatus.CANCELLED
    assert (await h.pipeline.cancel(h.press(cancelled))).status is ConfirmStatus.CLOSED
    decision, _ = await h.pipeline.confirm_and_execute(h.press(cancelled))
    assert decision.status is ConfirmStatus.TAMPERED and decision.reason == "cancelled"
    assert (
        await h.pipeline.cancel(h.press(cancelled, actor_id=OTHER_OWNER))
    ).status is ConfirmStatus.TAMPERED
    assert not any(flagged for flagged, _ in (await flag_rows(h.session_factory)).values())
    assert await h.audit_count("ACTION_TAMPER") == 3


async def test_anomalous_preview_needs_the_force_step(harness: Harness) -> None:
    h = harness
    token = await h.ready("probe_action", {"anomaly": True, "label": "a"})
    first = await h.pipeline.confirm(h.press(token))
    assert first.status is ConfirmStatus.FORCE_REQUIRED and first.token is not None
    assert first.token.preview.anomaly_reason == "unusually large"
    assert h.probe.commits == []
    assert await _commit(h, token, force=True) is CommitStatus.COMMITTED
    assert h.probe.commits == [("a", True)]
    assert (await token_row(h.session_factory, token)).force_confirmed is True


async def test_upstream_force_required_asks_then_forces_once(harness: Harness) -> None:
    h = harness
    token = await h.ready("probe_action", {"mode": "force"})
    _, outcome = await h.pipeline.confirm_and_execute(h.press(token))
    assert outcome is not None and outcome.status is CommitStatus.FORCE_REQUIRED
    assert outcome.force_reason == "upstream says: force required" and h.probe.commits == []
    again = await h.pipeline.confirm(h.press(token))
    assert again.status is ConfirmStatus.FORCE_REQUIRED
    assert await _commit(h, token, force=True) is CommitStatus.COMMITTED
    assert h.probe.commits == [("x", True)]
    assert await execution_statuses(h.session_factory) == ["failed", "committed"]
    done, _ = await h.pipeline.confirm_and_execute(h.press(token, force=True))
    assert done.status is ConfirmStatus.ALREADY_DONE


@pytest.mark.parametrize(
    ("mode", "code"),
    [("crash", ErrorCode.TOOL_EXECUTION_FAILED), ("tool_failure", ErrorCode.UPSTREAM_UNAVAILABLE)],
)
async def test_commit_failures_are_final(harness: Harness, mode: str, code: ErrorCode) -> None:
    h = harness
    token = await h.ready("probe_action", {"mode": mode})
    _, outcome = await h.pipeline.confirm_and_execute(h.press(token))
    assert outcome is not None and outcome.status is CommitStatus.FAILED
    assert outcome.error is not None and outcome.error.code is code
    again, retried = await h.pipeline.confirm_and_execute(h.press(token))
    assert again.status is ConfirmStatus.ALREADY_FAILED and retried is None
    fails = await h.audit.recent(event_type="ACTION_FAIL")
    assert len(fails) == 1 and fails[0].status == "failed"


async def test_duplicate_press_while_running_then_done(harness: Harness) -> None:
    h = harness
    token = await h.ready("probe_action", {"mode": "hang"})
    first = await h.pipeline.confirm(h.press(token))
    assert first.claim is not None
    running = asyncio.create_task(h.pipeline.execute(first.claim))
    await asyncio.wait_for(h.probe.entered.wait(), timeout=5)
    second = await h.pipeline.confirm(h.press(token))
    assert second.status is ConfirmStatus.IN_PROGRESS and second.claim is None
    h.probe.release.set()
    outcome = await asyncio.wait_for(running, timeout=5)
    assert outcome.status is CommitStatus.COMMITTED
    third = await h.pipeline.confirm(h.press(token))
    assert third.status is ConfirmStatus.ALREADY_DONE
    assert h.probe.commits == [("x", False)]


async def test_commit_past_deadline_is_unknown_and_not_repeated(harness: Harness) -> None:
    h = harness
    slow = ActionPipeline(
        h.pipeline.registry,
        h.repository,
        None,
        deps=ActionDeps(),
        provider_for=lambda: DemoProvider(h.session_factory, tz="Europe/Berlin", currency="EUR"),
        owner_ids=[OWNER],
        tenant=Tenant(),
        confirm_ttl_sec=600,
        clock=h.clock,
        commit_timeout_sec=0.2,
    )
    outcome = await slow.preview(
        ActionRequest(action="probe_action", payload={"mode": "hang"}, actor_id=OWNER, chat_id=CHAT)
    )
    assert outcome.token_id is not None
    _, result = await slow.confirm_and_execute(
        h.press(outcome.token_id, message_id=None)  # never bound to a message
    )
    assert result is not None and result.status is CommitStatus.UNKNOWN
    assert await execution_statuses(h.session_factory) == ["unknown"]
    # The report already told the owner: recovery sends nothing more.
    assert await h.recovery.notify_pending() == 0 and h.messenger.sent == []
    again = await slow.confirm(h.press(outcome.token_id, message_id=None))
    assert again.status is ConfirmStatus.OUTCOME_UNKNOWN


async def test_concurrent_confirms_commit_once(harness: Harness) -> None:
    h = harness
    order = h.order_ids[0]
    token = await h.ready("order_note", {"order_id": order, "text": "ровно одна"})
    results = await asyncio.gather(*(h.pipeline.confirm_and_execute(h.press(token)) for _ in range(30)))
    committed = [o for _, o in results if o is not None and o.status is CommitStatus.COMMITTED]
    others = {d.status for d, o in results if o is None}
    assert len(committed) == 1
    assert others <= {ConfirmStatus.IN_PROGRESS, ConfirmStatus.ALREADY_DONE} and others
    assert await note_count(h.session_factory, order) == 1


async def test_execute_needs_a_live_claim(harness: Harness) -> None:
    h = harness
    token = await h.ready("flag_order", {"order_id": h.order_ids[0], "reason": "r"})
    forged = Claim(
        execution_id=1,
        token_id=token,
        action="flag_order",
        payload="{}",
        payload_hash="0" * 64,
        idempotency_key="k",
        actor_id=OWNER,
        chat_id=CHAT,
        correlation_id="c",
        forced=False,
    )
    with pytest.raises(ClaimRequired):
        await h.pipeline.execute(forged)
    decision = await h.pipeline.confirm(h.press(token))
    assert decision.claim is not None
    # A copy of a real claim is not the claim: only the object confirm handed out runs.
    with pytest.raises(ClaimRequired):
        await h.pipeline.execute(dataclasses.replace(decision.claim))
    assert (await h.pipeline.execute(decision.claim)).status is CommitStatus.COMMITTED
    with pytest.raises(ClaimRequired):
        await h.pipeline.execute(decision.claim)
    assert (await flag_rows(h.session_factory))[h.order_ids[0]] == (True, "r")
    assert await execution_statuses(h.session_factory) == ["committed"]


async def test_verify_step_refuses_before_any_dry_run(harness: Harness) -> None:
    h = harness
    cases: list[tuple[tuple[str, dict[str, Any]], dict[str, Any], ErrorCode]] = [
        (("orders_search", {}), {}, ErrorCode.PERMISSION_DENIED),
        (("no_such_action", {}), {}, ErrorCode.UNKNOWN_TOOL),
        (("flag_order", {"order_id": "1001"}), {"actor_id": 424242}, ErrorCode.PERMISSION_DENIED),
        (
            ("order_note", {"order_id": "1001", "text": "x"}),
            {"channel": "planner"},
            ErrorCode.PERMISSION_DENIED,
        ),
        (("flag_order", {"order_id": "1001", "reason": "x" * 301}), {}, ErrorCode.VALIDATION_ERROR),
        (("flag_order", {"order_id": "1001", "extra": 1}), {}, ErrorCode.VALIDATION_ERROR),
        (("flag_order", {"order_id": "999999"}), {}, ErrorCode.NOT_FOUND),
        (("bulk_flag_order", {"reason": "no filter"}), {}, ErrorCode.VALIDATION_ERROR),
    ]
    for (action, payload), fields, code in cases:
        outcome = await h.preview(action, payload, **fields)
        assert outcome.status is PreviewStatus.REJECTED, (action, payload)
        assert outcome.error is not None and outcome.error.code is code, (action, outcome.error)
        assert outcome.token_id is None
    planner_ok = await h.preview("flag_order", {"order_id": "1001"}, channel="planner")
    assert planner_ok.status is PreviewStatus.READY
    rejected = [
        r for r in await h.audit.recent(limit=50, event_type="ACTION_PREVIEW") if r.status == "rejected"
    ]
    assert len(rejected) == len(cases)
