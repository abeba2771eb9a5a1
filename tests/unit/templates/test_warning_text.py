"""Tool warnings in the owner's words: every code read tools emit has RU and EN texts whose placeholders
its params fill; params render in both locales; an unknown code or missing params show the English
message; the DEMO fallback label is «данные DEMO: SIS недоступен» in RU and English in EN."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

import ownerbot
from ownerbot.domain.windows import DayWindow
from ownerbot.i18n import t
from ownerbot.reports.style import Formats
from ownerbot.templates.render_text import render_response
from ownerbot.templates.warning_text import has_text, warning_text
from ownerbot.tools.contract import ToolResponse, ToolWarning
from ownerbot.tools.read.sales.common import no_data_warning, window_warnings
from ownerbot.upstream.fallback import DEMO_FALLBACK_CODE, DEMO_FALLBACK_TEXT

PACKAGE = Path(ownerbot.__file__).parent
# Where warnings are emitted: read tools, the upstream layer, services, and the runner (DEMO_FALLBACK).
SCANNED = [
    *sorted((PACKAGE / "tools" / "read").rglob("*.py")),
    *sorted((PACKAGE / "upstream").rglob("*.py")),
    *sorted((PACKAGE / "services").rglob("*.py")),
    PACKAGE / "tools" / "runner.py",
]
# The codes known today: the scan must find at least these (so a broken scan cannot pass empty).
KNOWN = {
    "partial_day",
    "future_days",
    "partial_coverage",
    "no_data",
    "nothing_to_reorder",
    "unequal_windows",
    "history_trimmed",
    "no_baseline",
    "partial_day_rate",
    "check_skipped",
    "SIS_NOT_CONFIGURED",
    "SHADOW_MISMATCH",
    "SIS_CONTRACT_DRIFT",
    "DEMO_FALLBACK",
}
PLACEHOLDER = re.compile(r"{(\w+)}")


def _string_constants() -> dict[str, str]:
    """Module-level `NAME = "text"` of every scanned file (codes are often named constants)."""
    names: dict[str, str] = {}
    for path in SCANNED:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = node.value.value
    return names


def _dict_keys(node: ast.expr | None, local_dicts: dict[str, ast.Dict]) -> set[str] | None:
    """Literal keys of a `params=` dict (None when it spreads another warning's params)."""
    if node is None:
        return set()
    if isinstance(node, ast.Name):
        node = local_dicts.get(node.id)
    assert isinstance(node, ast.Dict), ast.dump(node) if node else "params name not assigned a dict"
    keys: set[str] = set()
    for key in node.keys:
        if key is None:  # `**w.params`: the inner warning was checked where it was built
            return None
        assert isinstance(key, ast.Constant) and isinstance(key.value, str)
        keys.add(key.value)
    return keys


def emitted_warnings() -> dict[str, list[set[str] | None]]:
    """code → the params keys of each `ToolWarning(...)` call that emits it (source scan)."""
    constants = _string_constants()
    found: dict[str, list[set[str] | None]] = {}
    for path in SCANNED:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            local_dicts = {
                target.id: node.value
                for node in ast.walk(scope)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(scope):
                if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "ToolWarning"):
                    continue
                kwargs = {k.arg: k.value for k in call.keywords}
                code = kwargs["code"]
                if isinstance(code, ast.Attribute):  # `code=w.code`: re-labels a warning built elsewhere
                    continue
                if isinstance(code, ast.Name):
                    assert code.id in constants, f"{path}: code {code.id} is not a string constant"
                    name = constants[code.id]
                else:
                    assert isinstance(code, ast.Constant) and isinstance(code.value, str), path
                    name = code.value
                found.setdefault(name, []).append(_dict_keys(kwargs.get("params"), local_dicts))
    return found


def test_the_scan_finds_every_known_code() -> None:
    assert set(emitted_warnings()) >= KNOWN


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_emitted_code_has_a_text_its_params_fill(locale: str) -> None:
    for code, calls in emitted_warnings().items():
        assert has_text(code, locale), f"warnings.{code} missing in {locale}"
        wanted = set(PLACEHOLDER.findall(t(f"warnings.{code}", locale)))
        for keys in calls:
            if keys is not None:
                assert wanted <= keys, (code, locale, wanted - keys)


def test_every_no_data_subject_has_texts() -> None:
    subjects = set()
    for path in SCANNED:
        subjects |= set(re.findall(r'no_data_warning\(\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    assert {"sales activity", "coupon uses"} <= subjects
    for what in subjects:
        warning = no_data_warning(what)
        assert warning.message == f"no {what} in this window: figures are zero"  # unchanged English
        for locale in ("ru", "en"):
            text = warning_text(warning, locale)
            assert text != warning.message and "{" not in text, (what, locale, text)


def test_window_warnings_render_with_their_figures_in_both_locales() -> None:
    today = date(2026, 3, 30)
    window = DayWindow(date(2026, 3, 20), date(2026, 4, 2), "Europe/Berlin")
    warnings = window_warnings(window, today, days_covered=3)
    assert [w.code for w in warnings] == ["partial_day", "future_days", "partial_coverage"]
    # The English message is what it always was; the figures travel as params.
    assert warnings[0].message == "2026-03-30 is still in progress: figures are partial"
    assert warnings[0].params == {"day": "2026-03-30"}
    assert warnings[2].params == {"covered_days": 3, "past_days": 11}
    ru = [warning_text(w, "ru") for w in warnings]
    en = [warning_text(w, "en") for w in warnings]
    assert ru == [
        "День 30 марта 2026 ещё не закончился: цифры неполные",
        "Дней окна, которые ещё не наступили: 3 — данных за них пока нет",
        "У источника есть данные за 3 из 11 прошедших дней окна",
    ]
    assert en == [
        "30 March 2026 is still in progress: figures are partial",
        "3 day(s) of the window are after today: no data yet",
        "The source has data for 3 of 11 past day(s) of the window",
    ]


def test_numbers_use_the_locale_separators() -> None:
    warning = ToolWarning(code="SIS_CONTRACT_DRIFT", message="m", params={"count": 12345})
    assert warning_text(warning, "ru") == "Ответы SIS расходятся с контрактом, полей: 12\u00a0345"
    assert warning_text(warning, "en") == "SIS answers differ from the contract in 12,345 field(s)"


def test_previous_window_warnings_say_so() -> None:
    warning = ToolWarning(
        code="partial_coverage",
        message="previous window: the source has data for 1 of 7 past day(s) of the window",
        params={"covered_days": 1, "past_days": 7, "window": "previous"},
    )
    assert warning_text(warning, "en") == (
        "Previous window: The source has data for 1 of 7 past day(s) of the window"
    )
    assert warning_text(warning, "ru").startswith("Предыдущее окно: У источника есть данные за 1 из 7")


def test_unknown_code_missing_params_and_unknown_locale_fall_back() -> None:
    unknown = ToolWarning(code="SOMETHING_NEW", message="something new happened")
    assert warning_text(unknown, "ru") == "something new happened"
    assert warning_text(unknown, "en") == "something new happened"
    # An old-style warning (no params) never shows a bare placeholder: its message instead.
    bare = ToolWarning(code="partial_day", message="today is running")
    assert warning_text(bare, "en") == "today is running"
    # An unknown subject word: the English message rather than a half-translated sentence.
    assert warning_text(ToolWarning(code="no_data", message="no x", params={"subject": "x"}), "ru") == "no x"
    # "parts" holds helper texts, never a warning code.
    assert warning_text(ToolWarning(code="parts", message="p"), "ru") == "p"
    # A locale we do not support reads as Russian.
    assert warning_text(ToolWarning(code="nothing_to_reorder", message="m"), "de") == (
        "Остатков хватает на ожидаемый спрос: дозаказ не нужен"
    )


def test_demo_fallback_label_in_both_locales() -> None:
    warning = ToolWarning(code=DEMO_FALLBACK_CODE, message=DEMO_FALLBACK_TEXT)
    assert DEMO_FALLBACK_TEXT == "данные DEMO: SIS недоступен"  # data and audit keep the RU label
    assert warning_text(warning, "ru") == DEMO_FALLBACK_TEXT
    assert warning_text(warning, "en") == "DEMO data: SIS is unavailable"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru", "⚠️ В окне A дней: 7, в окне B: 1 — сравнивай средние, а не суммы"),
        ("en", "⚠️ A has 7 day(s), B has 1: compare rates, not totals"),
    ],
)
def test_template_answer_shows_the_warning_in_the_owners_language(locale: str, expected: str) -> None:
    message = "A has 7 day(s), B has 1: compare rates, not totals"
    response = ToolResponse(
        status="ok",
        tool="kpi_compare",
        correlation_id="cid",
        data={"orders_paid": 3},
        warnings=[
            ToolWarning(code="unequal_windows", message=message, params={"a_days": 7, "b_days": 1}),
            ToolWarning(code=DEMO_FALLBACK_CODE, message=DEMO_FALLBACK_TEXT),
        ],
    )
    text = render_response(response, title="KPI", formats=Formats(locale=locale)).text
    assert expected in text
    label = "⚠️ данные DEMO: SIS недоступен" if locale == "ru" else "⚠️ DEMO data: SIS is unavailable"
    assert label in text
    if locale == "en":
        assert "данные DEMO" not in text
