"""Exactly-once and honest failures on the simulator: duplicate confirms, a lost answer, auth, 404, 5xx."""

from __future__ import annotations

import asyncio

from ownerbot.actions.outcomes import CommitStatus, ConfirmStatus, PreviewStatus
from ownerbot.bot.presenters.actions import result_text
from ownerbot.tools.contract import ErrorCode
from tests.integration.sis_actions.conftest import STRANGER, Harness, products_in


async def test_duplicate_confirms_apply_once_at_sis(harness: Harness) -> None:
    outcome = await harness.preview("sis_prices_bump", {"bump_percent": "5"})
    assert outcome.status is PreviewStatus.READY, outcome.error
    press = harness.press(outcome)

    answers = await asyncio.gather(*(harness.pipeline.confirm_and_execute(press) for _ in range(6)))

    committed = [result for _, result in answers if result is not None]
    assert len(committed) == 1 and committed[0].status is CommitStatus.COMMITTED, committed
    others = {decision.status for decision, result in answers if result is None}
    assert others <= {ConfirmStatus.IN_PROGRESS, ConfirmStatus.ALREADY_DONE}
    again, none = await harness.pipeline.confirm_and_execute(press)
    assert none is None and again.status is ConfirmStatus.ALREADY_DONE
    assert await harness.admin.requests("prices_bump_apply") == 1
    assert await harness.admin.applies("prices_bump_apply") == 1


async def test_answer_lost_after_the_request_was_sent_ends_unknown_without_retry(harness: Harness) -> None:
    before = await products_in(harness.sim_db)
    outcome = await harness.preview("sis_prices_bump", {"bump_percent": "5"})
    assert outcome.status is PreviewStatus.READY, outcome.error
    await harness.admin.faults(reset=True, only_families=["prices_bump"])

    decision, result = await harness.pipeline.confirm_and_execute(harness.press(outcome))

    assert result is not None and result.status is CommitStatus.UNKNOWN, result
    assert result.error is not None and result.error.code is ErrorCode.SIS_UNAVAILABLE
    assert "may or may not" in result.error.message and outcome.correlation_id in result.error.message
    assert decision.claim is not None
    execution = await harness.pipeline.repository.execution(decision.claim.execution_id)
    assert execution is not None and execution.status == "unknown"
    # Sent once, never repeated — SIS did apply it, which is exactly why OwnerBot must not guess.
    assert await harness.admin.requests("prices_bump_apply") == 1
    assert await harness.admin.applies("prices_bump_apply") == 1
    changed = await products_in(harness.sim_db)
    assert any(changed[pid].price != before[pid].price for pid in before)
    # The owner is told: outcome unknown, check by hand, with the correlation id.
    text = result_text(result, "en")
    assert "unknown" in text and outcome.correlation_id in text
    # Pressing again answers from the record; nothing is sent.
    await harness.admin.faults()
    again, none = await harness.pipeline.confirm_and_execute(harness.press(outcome))
    assert none is None and again.status is ConfirmStatus.OUTCOME_UNKNOWN
    assert await harness.admin.requests("prices_bump_apply") == 1


async def test_an_actor_sis_does_not_allow_is_an_auth_error_naming_why(harness: Harness) -> None:
    outcome = await harness.preview(
        "sis_discounts_set", {"product_ids": [1, 2], "discount_percent": 10}, STRANGER
    )
    assert outcome.status is PreviewStatus.READY, outcome.error

    result = await harness.commit(outcome, actor=STRANGER)

    assert result.status is CommitStatus.FAILED
    assert result.error is not None and result.error.code is ErrorCode.SIS_AUTH_ERROR
    assert "access denied" in result.error.message and str(STRANGER) in result.error.message
    assert await harness.admin.applies("discounts_set_apply") == 0


async def test_missing_key_is_an_auth_error_saying_so(harness: Harness) -> None:
    await harness.admin.faults(auth_status=401, only_families=["discounts"])

    outcome = await harness.preview("sis_discounts_clear", {"product_ids": [1]})

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.SIS_AUTH_ERROR
    assert "key missing" in outcome.error.message


async def test_an_absent_endpoint_is_not_supported(harness: Harness) -> None:
    await harness.admin.faults(not_found_families=["looks_publish"])

    outcome = await harness.preview("sis_looks_publish", {"look_ids": [1], "target_active": False})

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.NOT_SUPPORTED


async def test_sis_down_is_unavailable(harness: Harness) -> None:
    await harness.admin.faults(error_rate=1.0, error_status=503)

    outcome = await harness.preview("sis_prices_bump", {"bump_percent": "5"})

    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.SIS_UNAVAILABLE
    assert await harness.admin.requests("prices_bump_apply") == 0
