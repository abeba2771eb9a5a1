"""Every PNG report: 1080 px wide, not blank, readable for an empty shop and for a failed source."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.image import imread

from ownerbot.reports.inputs import ReportKind
from ownerbot.reports.render import render_report
from ownerbot.tools.contract import ErrorCode
from tests.unit.reports import synthetic

PNG_KINDS = (ReportKind.TREND, ReportKind.DASHBOARD, ReportKind.FUNNEL, ReportKind.ACCESS)


def pixels(data: bytes) -> np.ndarray:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(imread(io.BytesIO(data), format="png"))


def assert_real_chart(data: bytes) -> None:
    image = pixels(data)
    height, width = image.shape[:2]
    assert width == 1080
    assert 700 <= height <= 2000
    # Not blank: a white page has zero variance; text, bars and panels give plenty.
    assert float(image[..., :3].std()) > 0.05
    # Not a wall of ink either: most of a readable chart is background.
    assert float((image[..., :3] > 0.95).all(axis=-1).mean()) > 0.4


@pytest.mark.parametrize("kind", PNG_KINDS)
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_png_reports_are_phone_width_and_not_blank(kind: ReportKind, locale: str) -> None:
    artifact = render_report(synthetic.report_inputs(kind, locale=locale))
    assert artifact.type == "png" and artifact.filename.endswith(".png")
    assert artifact.filename.startswith(f"ownerbot-{kind.value}")
    assert_real_chart(artifact.data)
    assert 0 < len(artifact.caption) <= 1024
    assert artifact.summary and len(artifact.summary) <= 4096
    assert len(artifact.data) < 1_000_000


@pytest.mark.parametrize("kind", PNG_KINDS)
def test_empty_shop_renders_a_meaningful_no_data_chart(kind: ReportKind) -> None:
    inputs = synthetic.report_inputs(kind, empty=True)
    artifact = render_report(inputs)
    assert_real_chart(artifact.data)
    assert artifact.summary  # says there was nothing, never an empty message


def test_no_data_summaries_say_so() -> None:
    assert "Продаж нет" in render_report(synthetic.report_inputs(ReportKind.TREND, empty=True)).summary
    assert (
        "Новых заказов нет" in render_report(synthetic.report_inputs(ReportKind.FUNNEL, empty=True)).summary
    )
    access = render_report(synthetic.report_inputs(ReportKind.ACCESS, empty=True, locale="en")).summary
    assert "expired: 6" in access and "granted: 21" in access


@pytest.mark.parametrize("kind", PNG_KINDS)
def test_failed_source_renders_the_error_code(kind: ReportKind) -> None:
    base = synthetic.report_inputs(kind)
    responses = {
        key: synthetic.failed(r.tool, ErrorCode.UPSTREAM_UNAVAILABLE) for key, r in base.responses.items()
    }
    inputs = synthetic.inputs(kind, responses, period=base.period)
    artifact = render_report(inputs)
    assert_real_chart(artifact.data)
    if kind is not ReportKind.DASHBOARD:
        assert "UPSTREAM_UNAVAILABLE" in artifact.summary


def test_trend_summary_numbers_come_from_the_answer() -> None:
    inputs = synthetic.report_inputs(ReportKind.TREND, locale="en")
    data = inputs.responses["trend"].data
    summary = render_report(inputs).summary
    total = inputs.formats.money(data["totals"]["revenue_gross"])
    assert total in summary and "+10.0%" in summary
    assert inputs.formats.integer(data["totals"]["orders_paid"]) in summary


def test_same_answers_give_the_same_bytes() -> None:
    inputs = synthetic.report_inputs(ReportKind.FUNNEL)
    assert render_report(inputs).data == render_report(inputs).data
