"""`ownerbot templates check|list` through typer's CliRunner: exit codes and what is printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from ownerbot.cli import app
from ownerbot.commands.templates_cli import EXIT_INVALID, templates_app


def run(*args: str) -> Result:
    return CliRunner().invoke(templates_app, list(args))


def write(root: Path, specs: list[dict[str, Any]], en: dict[str, Any]) -> tuple[str, str]:
    defs = root / "defs"
    defs.mkdir()
    for spec in specs:
        (defs / f"{spec['id'].lower()}.yaml").write_text(
            yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8"
        )
    en_path = root / "en.yaml"
    en_path.write_text(yaml.safe_dump(en, allow_unicode=True), encoding="utf-8")
    return str(defs), str(en_path)


def kpi(template_id: str, category: str = "reports", **fields: Any) -> dict[str, Any]:
    return {
        "id": template_id,
        "category": category,
        "title": "KPI за сегодня",
        "button": "📊 KPI сегодня",
        "kind": "report",
        "tool": "kpi_snapshot",
        "payload": {"range": "today"},
        **fields,
    }


def test_shipped_catalog_checks_ok() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    assert "templates in 11 categories" in result.output


def test_registered_on_the_main_cli() -> None:
    result = CliRunner().invoke(app, ["templates", "list", "--category", "prices", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "PRC_BUMP" in result.output and "sis_prices_bump" in result.output
    assert "RPT_KPI_TODAY" not in result.output


def test_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    specs = [kpi("RPT_A", tool="kpi_snapshat"), kpi("RPT_B", payload={"rnage": "today"})]
    en = {"RPT_A": {"title": "KPI", "button": "KPI"}}
    defs, en_path = write(tmp_path, specs, en)
    result = run("check", "--defs", defs, "--en", en_path)
    assert result.exit_code == EXIT_INVALID
    assert "3 problem(s)" in result.output
    assert "rpt_a.yaml: tool: unknown tool 'kpi_snapshat'" in result.output
    assert "rpt_b.yaml: payload.rnage: not a field of kpi_snapshot" in result.output
    assert "en.yaml: RPT_B: missing English texts" in result.output


def test_check_ok_on_a_valid_catalog(tmp_path: Path) -> None:
    en = {"RPT_A": {"title": "KPI today", "button": "📊 KPI today"}}
    defs, en_path = write(tmp_path, [kpi("RPT_A")], en)
    result = run("check", "--defs", defs, "--en", en_path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 1 templates in 1 categories"


def test_list_by_category_and_locale(tmp_path: Path) -> None:
    specs = [
        kpi("RPT_A", order=2),
        kpi("RPT_B", order=1),
        kpi("SYS_A", category="systems", button="⚙️ Система"),
    ]
    en = {spec["id"]: {"title": "T", "button": f"EN {spec['id']}"} for spec in specs}
    defs, en_path = write(tmp_path, specs, en)

    result = run("list", "--defs", defs, "--en", en_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "CATEGORY", "KIND", "TOOL", "BUTTON"]
    assert [line.split()[0] for line in lines[1:]] == ["RPT_B", "RPT_A", "SYS_A"]
    assert "⚙️ Система" in lines[3]

    result = run("list", "--category", "systems", "--locale", "en", "--defs", defs, "--en", en_path)
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == ["SYS_A"]
    assert "EN SYS_A" in result.output


def test_list_refuses_a_bad_locale_or_catalog(tmp_path: Path) -> None:
    assert run("list", "--locale", "de").exit_code == EXIT_INVALID
    assert run("list", "--category", "finance").exit_code == 2  # typer's usage error
    defs, en_path = write(tmp_path, [kpi("RPT_A", kind="action", confirm="always")], {})
    result = run("list", "--defs", defs, "--en", en_path)
    assert result.exit_code == EXIT_INVALID
    assert "rpt_a.yaml: kind: action, but tool kpi_snapshot is a read tool" in result.output
