"""The ntf_* tools through the real ACTION pipeline on SQLite and PostgreSQL: preview before → after,
commit in the database, no-op without a confirm, validation naming the field and range, per owner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.tools.contract import ErrorCode
from tests.integration.notifications.conftest import NOW, OTHER_OWNER, OWNER, Ntf


async def test_status_shows_defaults_timezone_and_provenance(ntf: Ntf) -> None:
    status = await ntf.status()
    assert status.status == "ok", status.error
    assert status.provenance.sources == ["ownerbot:notification_settings"]
    assert status.provenance.window is None
    assert status.data["timezone"] == "Europe/Berlin"
    kinds = [k["kind"] for k in status.data["kinds"]]
    assert kinds == [
        "daily_digest",
        "weekly",
        "quiet_digest",
        "ops_alerts",
        "fx_delta",
        "fx_apply_events",
        "escalation",
    ]
    for kind in status.data["kinds"]:
        assert kind["is_default"] is True and kind["enabled"] is False
        assert kind["settings"] == kind["defaults"]
    assert ntf.kind(status, "escalation")["settings"] == {
        "stage1_after_minutes": 120,
        "repeat_every_minutes": 360,
        "max_repeats": 3,
    }
    assert ntf.kind(status, "fx_apply_events")["settings"]["notify_on"] == ["failed"]
    assert ntf.kind(status, "quiet_digest")["settings"]["max_silence_days"] == 7


async def test_daily_digest_preview_commit_noop_and_undo(ntf: Ntf) -> None:
    payload = {"enabled": True, "time_local": "08:30", "tz": "Asia/Tbilisi"}
    preview, commit = await ntf.driver.run("ntf_daily_digest_set", payload)
    assert preview.preview is not None
    shown = {(e.target, e.before, e.after) for e in preview.preview.examples}
    assert shown == {
        ("Включено", "выкл", "вкл"),
        ("Время", "09:00", "08:30"),
        ("Часовой пояс", "пояс магазина (Europe/Berlin)", "Asia/Tbilisi"),
    }
    assert commit.status is CommitStatus.COMMITTED and commit.result is not None
    assert commit.result.changed_count == 1
    status = await ntf.status()
    daily = ntf.kind(status, "daily_digest")
    assert daily["enabled"] is True and daily["is_default"] is False
    assert daily["settings"] == {"time_local": "08:30", "tz": "Asia/Tbilisi", "format": "text"}
    assert status.data["timezone"] == "Asia/Tbilisi"

    again = await ntf.driver.preview("ntf_daily_digest_set", payload)
    assert again.status is PreviewStatus.NOOP and again.token_id is None
    assert again.preview is not None and "уже так настроен" in (again.preview.noop_reason or "")

    # The undo restores what was there before (off, 09:00).
    undo = commit.result.undo
    assert undo is not None and undo.action == "ntf_daily_digest_set"
    assert undo.payload == {"enabled": False, "time_local": "09:00", "tz": "Europe/Berlin"}
    await ntf.driver.run(undo.action, undo.payload)
    status = await ntf.status()
    daily = ntf.kind(status, "daily_digest")
    assert daily["enabled"] is False and daily["settings"]["time_local"] == "09:00"
    assert status.data["timezone"] == "Europe/Berlin"


async def test_settings_are_per_owner(ntf: Ntf) -> None:
    await ntf.driver.run("ntf_weekly_set", {"enabled": True, "day_of_week": "fri"})
    mine = ntf.kind(await ntf.status(), "weekly")
    other = ntf.kind(await ntf.status(OTHER_OWNER), "weekly")
    assert mine["enabled"] is True and mine["settings"]["day_of_week"] == "fri"
    assert other["enabled"] is False and other["is_default"] is True
    assert await ntf.repository.owners_with_enabled("weekly") == [OWNER]


@pytest.mark.parametrize(
    ("tool", "payload", "kind", "expected"),
    [
        ("ntf_digest_format_set", {"format": "png"}, "daily_digest", {"format": "png"}),
        (
            "ntf_weekly_set",
            {"enabled": True, "day_of_week": "sun", "time_local": "20:00", "tz": "Europe/Moscow"},
            "weekly",
            {"day_of_week": "sun", "time_local": "20:00", "tz": "Europe/Moscow"},
        ),
        (
            "ntf_ops_alerts_set",
            {"enabled": True, "unanswered_hours": 4, "stuck_count": 9, "cooldown_hours": 12},
            "ops_alerts",
            {"unanswered_hours": 4, "stuck_count": 9, "cooldown_hours": 12, "payment_failures": 3},
        ),
        (
            "ntf_fx_delta_set",
            {"enabled": True, "min_percent": "2.5", "cooldown_hours": 48},
            "fx_delta",
            {"min_percent": "2.5", "cooldown_hours": 48},
        ),
        (
            "ntf_fx_apply_events_set",
            {"enabled": True, "notify_on": ["failed", "applied", "failed"]},
            "fx_apply_events",
            {"notify_on": ["applied", "failed"]},
        ),
        (
            "ntf_quiet_digest_set",
            {"enabled": True, "revenue_drop_pct": 40, "max_silence_days": 3},
            "quiet_digest",
            {"revenue_drop_pct": 40, "max_silence_days": 3, "attempt_interval_minutes": 60},
        ),
        (
            "ntf_escalation_set",
            {"enabled": True, "stage1_after_minutes": 30, "max_repeats": 5},
            "escalation",
            {"stage1_after_minutes": 30, "max_repeats": 5, "repeat_every_minutes": 360},
        ),
    ],
)
async def test_each_settings_tool_commits_then_noops(
    ntf: Ntf, tool: str, payload: dict[str, Any], kind: str, expected: dict[str, Any]
) -> None:
    preview, commit = await ntf.driver.run(tool, payload)
    assert preview.title_key == f"ntf.title.{tool}" and preview.risk.value == "LOW"
    assert commit.status is CommitStatus.COMMITTED, commit.error
    stored = ntf.kind(await ntf.status(), kind)
    assert stored["is_default"] is False
    assert {key: stored["settings"][key] for key in expected} == expected
    if "enabled" in payload:
        assert stored["enabled"] is True
    else:  # the format tool keeps the digest's on/off as it was
        assert stored["enabled"] is False
    again = await ntf.driver.preview(tool, payload)
    assert again.status is PreviewStatus.NOOP


async def test_english_preview(ntf: Ntf) -> None:
    outcome = await ntf.driver.preview("ntf_escalation_set", {"enabled": True}, locale="en")
    assert outcome.preview is not None
    assert [(e.target, e.before, e.after) for e in outcome.preview.examples] == [("Enabled", "off", "on")]
    assert outcome.preview.summary == "Settings: critical escalation"


@pytest.mark.parametrize(
    ("tool", "payload", "needles"),
    [
        ("ntf_daily_digest_set", {"enabled": True, "time_local": "25:00"}, ("time_local", "HH:MM")),
        ("ntf_daily_digest_set", {"enabled": True, "time_local": "9:5"}, ("time_local", "HH:MM")),
        ("ntf_daily_digest_set", {"enabled": True, "tz": "Mars/Olympus"}, ("tz", "IANA")),
        ("ntf_weekly_set", {"enabled": True, "day_of_week": "funday"}, ("day_of_week", "mon")),
        ("ntf_digest_format_set", {"format": "gif"}, ("format", "png")),
        ("ntf_ops_alerts_set", {"enabled": True, "unanswered_hours": 0}, ("unanswered_hours", "1", "168")),
        ("ntf_ops_alerts_set", {"enabled": True, "stuck_count": 10001}, ("stuck_count", "10000")),
        ("ntf_fx_delta_set", {"enabled": True, "min_percent": "0.05"}, ("min_percent", "0.1")),
        ("ntf_fx_apply_events_set", {"enabled": True, "notify_on": ["sometimes"]}, ("notify_on", "failed")),
        ("ntf_quiet_digest_set", {"enabled": True, "attempt_interval_minutes": 4}, ("attempt_interval", "5")),
        ("ntf_escalation_set", {"enabled": True, "max_repeats": 11}, ("max_repeats", "10")),
        ("ntf_escalation_snooze", {"hours": 6}, ("hours", "12", "24")),
        ("ntf_weekly_set", {"day_of_week": "mon"}, ("enabled",)),
        ("ntf_daily_digest_set", {"enabled": True, "colour": "red"}, ("colour",)),
    ],
)
async def test_validation_names_the_field_and_range(
    ntf: Ntf, tool: str, payload: dict[str, Any], needles: tuple[str, ...]
) -> None:
    outcome = await ntf.driver.preview(tool, payload)
    assert outcome.status is PreviewStatus.REJECTED
    assert outcome.error is not None and outcome.error.code is ErrorCode.VALIDATION_ERROR
    for needle in needles:
        assert needle in outcome.error.message, outcome.error.message
    assert ntf.kind(await ntf.status(), "daily_digest")["is_default"] is True


async def test_ack_and_snooze_without_open_escalations_are_noops(ntf: Ntf) -> None:
    for tool, payload in (("ntf_escalation_ack", {}), ("ntf_escalation_snooze", {"hours": 12})):
        outcome = await ntf.driver.preview(tool, payload)
        assert outcome.status is PreviewStatus.NOOP, outcome
        assert outcome.preview is not None
        assert outcome.preview.noop_reason == "Открытых критичных оповещений нет."


async def test_snooze_then_ack_open_escalations(ntf: Ntf) -> None:
    first = await ntf.repository.open_escalation(OWNER, "ops:stuck_orders", "Зависших заказов: 12", NOW)
    second = await ntf.repository.open_escalation(OWNER, "fx:apply_failed", "Автопереоценка не удалась", NOW)
    assert await ntf.repository.open_escalation(OWNER, "ops:stuck_orders", "again", NOW) == first
    foreign = await ntf.repository.open_escalation(OTHER_OWNER, "ops:stuck_orders", "чужое", NOW)

    preview, commit = await ntf.driver.run("ntf_escalation_snooze", {"hours": 24})
    assert preview.preview is not None and preview.preview.affected_count == 2
    assert commit.result is not None and commit.result.details["escalation_ids"] == [first, second]
    rows = {row.id: row for row in await ntf.repository.open_escalations(OWNER)}
    assert {row.snoozed_until for row in rows.values()} == {NOW + timedelta(hours=24)}
    assert (await ntf.status()).data["open_escalations"] == 2

    # Opened after the preview: not part of what the owner saw, so the commit leaves it open.
    outcome = await ntf.driver.preview("ntf_escalation_ack", {})
    assert outcome.preview is not None and outcome.preview.bound_payload == {
        "escalation_ids": [first, second]
    }
    _, commit = await ntf.driver.run("ntf_escalation_ack", {})
    assert commit.result is not None and commit.result.changed_count == 2
    assert await ntf.repository.open_escalations(OWNER) == []
    assert [row.id for row in await ntf.repository.open_escalations(OTHER_OWNER)] == [foreign]
    assert (await ntf.driver.preview("ntf_escalation_ack", {})).status is PreviewStatus.NOOP


async def test_ack_commit_acts_only_on_the_previewed_escalations(ntf: Ntf) -> None:
    shown = await ntf.repository.open_escalation(OWNER, "ops:stuck_orders", "Зависших заказов: 12", NOW)
    outcome = await ntf.driver.preview("ntf_escalation_ack", {})
    assert outcome.status is PreviewStatus.READY and outcome.token_id is not None
    later = await ntf.repository.open_escalation(OWNER, "ops:payments", "Сбои оплаты", NOW)
    await ntf.services.pipeline.attach_message(outcome.token_id, 77)
    from ownerbot.actions.outcomes import ConfirmPress

    decision = await ntf.services.pipeline.confirm(
        ConfirmPress(token_id=outcome.token_id, actor_id=OWNER, chat_id=OWNER, message_id=77)
    )
    assert decision.claim is not None
    commit = await ntf.services.pipeline.execute(decision.claim)
    assert commit.result is not None and commit.result.details["escalation_ids"] == [shown]
    assert [row.id for row in await ntf.repository.open_escalations(OWNER)] == [later]


async def test_delivery_bookkeeping_moves_last_sent_only_on_delivery(ntf: Ntf) -> None:
    failed = await ntf.repository.record_delivery(
        OWNER, "daily_digest", "2026-11-25", now=NOW, delivered=False
    )
    assert failed.attempts == 1 and failed.last_sent_at is None and failed.last_error_at == NOW
    assert await ntf.repository.last_sent(OWNER, "daily_digest") is None
    later = NOW + timedelta(minutes=1)
    sent = await ntf.repository.record_delivery(
        OWNER, "daily_digest", "2026-11-25", now=later, delivered=True
    )
    assert sent.attempts == 2 and sent.last_sent_at == later
    last = await ntf.repository.last_sent(OWNER, "daily_digest")
    assert last is not None and last.dedupe_key == "2026-11-25"


async def test_racing_first_saves_leave_one_row(ntf: Ntf) -> None:
    import asyncio

    await asyncio.gather(
        *(
            ntf.repository.save(
                OWNER, "weekly", enabled=bool(i % 2), settings={"day_of_week": "tue"}, now=NOW
            )
            for i in range(4)
        )
    )
    stored = await ntf.repository.settings_of(OWNER)
    assert list(stored) == ["weekly"] and stored["weekly"].settings == {"day_of_week": "tue"}
