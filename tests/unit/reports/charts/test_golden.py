"""Chart layout against golden images, with a tolerance.

The goldens are the synthetic reports (tests/unit/reports/synthetic.py) scaled to a quarter of their
width: small files that still catch a moved panel, a lost title or a broken axis, while anti-aliasing
differences stay under the tolerance. Regenerate after an intended change of looks with

    OWNERBOT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/reports/charts/test_golden.py

and look at the new files before committing them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images
from PIL import Image

from ownerbot.reports.inputs import ReportKind
from ownerbot.reports.render import render_report
from tests.unit.reports import synthetic

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
SCALE = 4
# RMS difference over 0..255 pixels of the scaled images; a moved or missing panel scores far above.
TOLERANCE = 4.0
CASES = [
    (ReportKind.TREND, "ru", False),
    (ReportKind.TREND, "en", True),
    (ReportKind.DASHBOARD, "ru", False),
    (ReportKind.DASHBOARD, "ru", True),
    (ReportKind.FUNNEL, "en", False),
    (ReportKind.ACCESS, "ru", False),
]


def small_png(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((image.width // SCALE, image.height // SCALE), Image.Resampling.LANCZOS)
    # 48 colours are plenty for flat charts and keep the goldens at a few KB each.
    image = image.quantize(colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "locale", "empty"), CASES, ids=lambda v: str(v))
def test_chart_matches_golden(kind: ReportKind, locale: str, empty: bool, tmp_path: Path) -> None:
    name = f"{kind.value}-{locale}{'-empty' if empty else ''}.png"
    golden = GOLDEN_DIR / name
    actual = small_png(render_report(synthetic.report_inputs(kind, locale=locale, empty=empty)).data)
    if os.environ.get("OWNERBOT_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert golden.exists(), f"missing golden {golden}; run with OWNERBOT_UPDATE_GOLDEN=1"
    actual_path = tmp_path / name
    actual_path.write_bytes(actual)
    failure = compare_images(str(golden), str(actual_path), tol=TOLERANCE)
    assert failure is None, failure


def test_golden_comparison_catches_a_layout_change(tmp_path: Path) -> None:
    """The tolerance is not so loose that another chart would pass as this one."""
    golden = GOLDEN_DIR / "trend-ru.png"
    other = small_png(render_report(synthetic.report_inputs(ReportKind.TREND, locale="ru", empty=True)).data)
    other_image = Image.open(io.BytesIO(other)).resize(Image.open(golden).size)
    path = tmp_path / "other.png"
    other_image.save(path)
    assert compare_images(str(golden), str(path), tol=TOLERANCE) is not None
