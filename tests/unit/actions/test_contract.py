"""The action contract's own rules: anomalies say why, no-ops are recognised, risk only goes up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ownerbot.actions.contract import ActionExample, ActionPreview, max_risk
from ownerbot.tools.contract import Risk


def test_anomaly_without_reason_is_refused() -> None:
    with pytest.raises(ValidationError, match="anomaly_reason"):
        ActionPreview(affected_count=1, summary="s", anomaly=True)
    assert ActionPreview(affected_count=1, summary="s", anomaly=True, anomaly_reason="big").anomaly


def test_noop_by_count_or_reason() -> None:
    assert ActionPreview(affected_count=0, summary="s").is_noop
    assert ActionPreview(affected_count=3, summary="s", noop_reason="already").is_noop
    assert not ActionPreview(affected_count=1, summary="s").is_noop


def test_at_most_five_examples() -> None:
    example = ActionExample(target="#1", before="a", after="b")
    ActionPreview(affected_count=5, summary="s", examples=[example] * 5)
    with pytest.raises(ValidationError):
        ActionPreview(affected_count=6, summary="s", examples=[example] * 6)


def test_max_risk_never_lowers() -> None:
    assert max_risk(Risk.LOW, None) is Risk.LOW
    assert max_risk(Risk.LOW, Risk.HIGH) is Risk.HIGH
    assert max_risk(Risk.MED, Risk.LOW) is Risk.MED
