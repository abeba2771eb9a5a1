"""Crash safety in one process: orphaned claims become `unknown`, the owner is told once, nothing re-runs."""

from __future__ import annotations

import asyncio

from ownerbot.actions.outcomes import ConfirmStatus
from ownerbot.actions.recovery import ActionRecovery
from ownerbot.services.audit_log import AuditLog
from tests.integration.actions.conftest import CHAT, Harness
from tests.integration.actions.support import execution_statuses, token_row


def _restarted(h: Harness) -> ActionRecovery:
    """Recovery as a freshly started process sees it: booted after every claim so far."""
    h.clock.advance(5)
    return ActionRecovery(h.repository, AuditLog(h.audit), h.messenger, h.pipeline.registry, clock=h.clock)


async def test_startup_marks_orphans_unknown_and_tells_once(harness: Harness) -> None:
    h = harness
    token = await h.ready("probe_action", {"label": "orphan"})
    decision = await h.pipeline.confirm(h.press(token))
    assert decision.claim is not None  # claimed, then the process "dies" before execute

    marked = await _restarted(h).recover_at_startup()
    assert [m.action_name for m in marked] == ["probe_action"]
    assert await execution_statuses(h.session_factory) == ["unknown"]
    assert (await token_row(h.session_factory, token)).status == "unknown"
    assert len(h.messenger.sent) == 1
    chat, text, _, html = h.messenger.sent[0]
    assert chat == CHAT and html
    assert "probe_action" in text and decision.claim.correlation_id in text

    # A second restart finds nothing new and tells nobody again; presses answer "unknown".
    assert await _restarted(h).recover_at_startup() == []
    assert len(h.messenger.sent) == 1
    again = await h.pipeline.confirm(h.press(token))
    assert again.status is ConfirmStatus.OUTCOME_UNKNOWN
    assert h.probe.commits == []
    fails = [r for r in await h.audit.recent(event_type="ACTION_FAIL") if r.status == "unknown"]
    assert len(fails) == 1 and fails[0].correlation_id == decision.claim.correlation_id


async def test_startup_leaves_claims_of_this_process_alone(harness: Harness) -> None:
    h = harness
    recovery = _restarted(h)
    token = await h.ready("probe_action", {})
    assert (await h.pipeline.confirm(h.press(token))).claim is not None
    assert await recovery.recover_at_startup() == []
    assert await execution_statuses(h.session_factory) == ["in_progress"]


async def test_sweep_marks_only_stale_claims(harness: Harness) -> None:
    h = harness
    recovery = _restarted(h)
    token = await h.ready("probe_action", {})
    assert (await h.pipeline.confirm(h.press(token))).claim is not None
    h.clock.advance(299)
    assert await recovery.sweep() == []
    h.clock.advance(2)
    assert [m.action_name for m in await recovery.sweep()] == ["probe_action"]
    assert len(h.messenger.sent) == 1


async def test_failed_notice_is_retried_later(harness: Harness) -> None:
    h = harness
    token = await h.ready("probe_action", {})
    assert (await h.pipeline.confirm(h.press(token))).claim is not None
    h.messenger.failing[CHAT] = "TelegramNetworkError"
    recovery = _restarted(h)
    assert len(await recovery.recover_at_startup()) == 1
    assert h.messenger.sent == []
    del h.messenger.failing[CHAT]
    assert await recovery.notify_pending() == 1
    assert await recovery.notify_pending() == 0
    assert len(h.messenger.sent) == 1


async def test_periodic_sweeps_run_until_stopped(harness: Harness) -> None:
    h = harness
    recovery = _restarted(h)
    token = await h.ready("probe_action", {})
    assert (await h.pipeline.confirm(h.press(token))).claim is not None
    h.clock.advance(301)
    stop = asyncio.Event()
    task = asyncio.create_task(recovery.run_sweeps(stop, interval_sec=0.01))
    deadline = asyncio.get_running_loop().time() + 10
    while not h.messenger.sent:
        assert asyncio.get_running_loop().time() < deadline, "no sweep marked the stale claim"
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert await execution_statuses(h.session_factory) == ["unknown"]
    assert len(h.messenger.sent) == 1
