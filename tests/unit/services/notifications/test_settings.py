"""Notification kinds: defaults from NOTIFICATIONS.md, HH:MM and IANA checks, stored rows over defaults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ownerbot.services.notifications.settings import (
    DailyDigestOptions,
    FxDeltaOptions,
    NotificationKind,
    check_time_local,
    check_tz,
    default_settings,
    stored_settings,
)


@pytest.mark.parametrize("value", ["00:00", "09:30", "23:59", " 07:05 "])
def test_time_local_accepts_hh_mm(value: str) -> None:
    assert check_time_local(value) == value.strip()


@pytest.mark.parametrize("value", ["24:00", "9:30", "09:60", "0930", "09:30:00", ""])
def test_time_local_refuses_other_forms(value: str) -> None:
    with pytest.raises(ValueError, match="HH:MM from 00:00 to 23:59"):
        check_time_local(value)


@pytest.mark.parametrize("value", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Asia/Tbilisi"])
def test_tz_accepts_iana_names(value: str) -> None:
    assert check_tz(value) == value


@pytest.mark.parametrize("value", ["Mars/Olympus", "localtime", "CET+1", "../etc/passwd", "Europe/berlin "])
def test_tz_refuses_unknown_names(value: str) -> None:
    with pytest.raises(ValueError, match="an IANA time zone"):
        check_tz(value)


def test_defaults_follow_the_spec() -> None:
    for kind in NotificationKind:
        settings = default_settings(kind)
        assert settings.enabled is False and settings.is_default is True
    escalation = default_settings(NotificationKind.ESCALATION).options_json()
    assert escalation == {"stage1_after_minutes": 120, "repeat_every_minutes": 360, "max_repeats": 3}
    quiet = default_settings(NotificationKind.QUIET_DIGEST).options_json()
    assert quiet["max_silence_days"] == 7 and quiet["attempt_interval_minutes"] == 60
    assert default_settings(NotificationKind.OPS_ALERTS).options_json()["cooldown_hours"] == 6
    assert default_settings(NotificationKind.FX_APPLY_EVENTS).options_json() == {"notify_on": ["failed"]}
    daily = default_settings(NotificationKind.DAILY_DIGEST).options
    assert daily == DailyDigestOptions(time_local="09:00", tz=None, format="text")


def test_stored_rows_fill_missing_options_with_defaults_and_ignore_unknown_keys() -> None:
    stored = stored_settings(NotificationKind.FX_DELTA, True, {"min_percent": "2.5", "legacy": 1})
    assert stored.is_default is False and stored.enabled is True
    assert stored.options == FxDeltaOptions(min_percent=Decimal("2.5"), cooldown_hours=24)
