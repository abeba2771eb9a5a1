"""The chart summary labels DEMO-fallback data in the owner's language (warnings.DEMO_FALLBACK)."""

from __future__ import annotations

from datetime import date

import pytest

from ownerbot.reports.inputs import ReportKind
from ownerbot.reports.summaries import summary_for
from ownerbot.tools.contract import ToolWarning
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT
from tests.unit.reports.synthetic import inputs, trend_responses


@pytest.mark.parametrize(
    ("locale", "label", "other"),
    [
        ("ru", "⚠️ данные DEMO: SIS недоступен", "DEMO data"),
        ("en", "⚠️ DEMO data: SIS is unavailable", "данные DEMO"),
    ],
)
def test_demo_fallback_label_follows_the_owner_locale(locale: str, label: str, other: str) -> None:
    responses = trend_responses(7, date(2026, 3, 29))
    plain = summary_for(inputs(ReportKind.TREND, responses, locale=locale, days=7))
    assert label not in plain  # SIS answered: no label
    fallback = ToolWarning(code=DEMO_FALLBACK_CODE, message=DEMO_FALLBACK_TEXT)
    trend = responses["trend"]
    responses["trend"] = trend.model_copy(update={"warnings": [*trend.warnings, fallback]})
    labelled = summary_for(inputs(ReportKind.TREND, responses, locale=locale, days=7))
    assert labelled == f"{plain}\n{label}"
    assert other not in labelled
