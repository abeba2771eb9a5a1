"""The catalog loader on small temporary catalogs: texts and ordering, and every kind of broken catalog
is refused with a message naming the file and the field (all problems at once)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from ownerbot.templates.loader import TemplateCatalog, TemplateCatalogError, load_catalog
from ownerbot.templates.spec import Category
from ownerbot.tools.contract import ToolKind, ToolResult
from ownerbot.tools.registry import ToolContext, ToolRegistry, ToolSpec


class TrendPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(7, ge=1, le=365)
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class BumpPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bump_percent: str
    updates: dict[str, Any] = Field(default_factory=dict)


async def _never(payload: BaseModel, ctx: ToolContext) -> ToolResult:
    raise AssertionError("the loader never runs a tool")


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry(
        [
            ToolSpec(
                name="trend", kind=ToolKind.READ, payload_model=TrendPayload, description="t", handler=_never
            ),
            ToolSpec(
                name="bump", kind=ToolKind.ACTION, payload_model=BumpPayload, description="b", handler=_never
            ),
        ]
    )


def report(template_id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": template_id,
        "category": "reports",
        "title": f"Отчёт {template_id}",
        "button": "📈 Отчёт",
        "kind": "report",
        "tool": "trend",
        "payload": {"days": 30},
    }
    return {**base, **fields}


def action(template_id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": template_id,
        "category": "prices",
        "title": "Поднять цены",
        "button": "💸 Поднять",
        "kind": "action",
        "tool": "bump",
        "confirm": "always",
        "inputs": [
            {
                "key": "bump_percent",
                "prompt": "На сколько?",
                "parser": "percent",
                "options": {"min": -90, "max": 500},
                "presets": [{"value": "5", "label": "+5%"}, {"value": "10"}],
            }
        ],
    }
    return {**base, **fields}


def english(spec: dict[str, Any]) -> dict[str, Any]:
    """Complete English texts for one raw template."""
    entry: dict[str, Any] = {"title": f"EN {spec['title']}", "button": f"EN {spec['button']}"}
    inputs = spec.get("inputs", [])
    if inputs:
        entry["inputs"] = {item["key"]: f"EN {item['prompt']}" for item in inputs}
        labels = {
            item["key"]: [f"EN {p['label']}" if "label" in p else None for p in item.get("presets", [])]
            for item in inputs
            if item.get("presets")
        }
        if labels:
            entry["presets"] = labels
    return entry


def write_catalog(
    root: Path,
    specs: list[dict[str, Any]],
    *,
    en: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    defs = root / "defs"
    defs.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        name = (names or {}).get(spec["id"], f"{spec['id'].lower()}.yaml")
        (defs / name).write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    en_path = root / "en.yaml"
    texts = en if en is not None else {spec["id"]: english(spec) for spec in specs}
    en_path.write_text(yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8")
    return defs, en_path


def load(root: Path, registry: ToolRegistry, specs: list[dict[str, Any]], **kw: Any) -> TemplateCatalog:
    defs, en_path = write_catalog(root, specs, **kw)
    return load_catalog(registry, defs_dir=defs, en_texts=en_path)


def problems(root: Path, registry: ToolRegistry, specs: list[dict[str, Any]], **kw: Any) -> list[str]:
    with pytest.raises(TemplateCatalogError) as info:
        load(root, registry, specs, **kw)
    assert str(info.value).startswith(f"{len(info.value.problems)} problem(s)")
    return info.value.problems


def has(found: list[str], *parts: str) -> bool:
    return any(all(part in problem for part in parts) for problem in found)


# ------------------------------------------------------------------------------------------------ ok


def test_valid_catalog_orders_by_category_then_order_then_id(tmp_path: Path, registry: ToolRegistry) -> None:
    specs = [
        action("PRC_B", order=5),
        report("RPT_B", order=20),
        report("RPT_A", order=20),
        report("RPT_C", order=1),
        report("ADV_X", category="advanced", order=0),
    ]
    catalog = load(tmp_path, registry, specs)
    assert [s.id for s in catalog.all()] == ["RPT_C", "RPT_A", "RPT_B", "PRC_B", "ADV_X"]
    assert [s.id for s in catalog.in_category(Category.REPORTS)] == ["RPT_C", "RPT_A", "RPT_B"]
    assert catalog.in_category(Category.LOOKS) == []
    assert catalog.get("PRC_B") is not None
    assert catalog.get("NOPE") is None


def test_texts_in_russian_and_english(tmp_path: Path, registry: ToolRegistry) -> None:
    catalog = load(tmp_path, registry, [action("PRC_B")])
    spec = catalog.get("PRC_B")
    assert spec is not None
    assert catalog.title(spec, "ru") == "Поднять цены"
    assert catalog.title(spec, "en") == "EN Поднять цены"
    assert catalog.button(spec, "ru") == "💸 Поднять"
    assert catalog.button(spec, "en-GB") == "EN 💸 Поднять"
    assert catalog.prompt(spec, "bump_percent", "ru") == "На сколько?"
    assert catalog.prompt(spec, "bump_percent", "en") == "EN На сколько?"
    assert catalog.preset_label(spec, "bump_percent", 0, "ru") == "+5%"
    assert catalog.preset_label(spec, "bump_percent", 0, "en") == "EN +5%"
    # A preset without a label shows its raw value in every language.
    assert catalog.preset_label(spec, "bump_percent", 1, "en") == "10"
    with pytest.raises(KeyError):
        catalog.prompt(spec, "nope", "ru")


def test_payload_alias_and_date_tokens_accepted(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = report("RPT_A", payload={"from": "@days_ago:7", "to": "@yesterday", "days": 7})
    assert load(tmp_path, registry, [spec]).get("RPT_A") is not None


def test_nested_input_key_checks_its_head(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = action("PRC_B")
    spec["inputs"].append({"key": "updates.min_rate_delta_percent", "prompt": "?", "parser": "decimal"})
    assert load(tmp_path, registry, [spec]).get("PRC_B") is not None


# ------------------------------------------------------------------------------------------- broken


def test_unknown_tool(tmp_path: Path, registry: ToolRegistry) -> None:
    found = problems(tmp_path, registry, [report("RPT_A", tool="trand")])
    assert has(found, "rpt_a.yaml", "tool:", "trand")


def test_unknown_builtin_and_builtin_action(tmp_path: Path, registry: ToolRegistry) -> None:
    specs = [
        report("ADV_A", category="advanced", tool="builtin:export_xml", payload={}),
        action("ADV_B", category="advanced", tool="builtin:export_json", inputs=[]),
    ]
    found = problems(tmp_path, registry, specs)
    assert has(found, "adv_a.yaml", "tool:", "builtin:export_xml")
    assert has(found, "adv_b.yaml", "kind:", "reports")


def test_kind_mismatch(tmp_path: Path, registry: ToolRegistry) -> None:
    found = problems(tmp_path, registry, [report("RPT_A", tool="bump", payload={})])
    assert has(found, "rpt_a.yaml", "kind:", "action tool")


def test_unknown_parser_and_category(tmp_path: Path, registry: ToolRegistry) -> None:
    bad_parser = action("PRC_B")
    bad_parser["inputs"][0]["parser"] = "money"
    specs = [bad_parser, report("RPT_A", category="finance")]
    found = problems(tmp_path, registry, specs)
    assert has(found, "prc_b.yaml", "inputs.0.parser")
    assert has(found, "rpt_a.yaml", "category")


def test_duplicate_id_and_file_name_mismatch(tmp_path: Path, registry: ToolRegistry) -> None:
    defs, en_path = write_catalog(tmp_path, [report("RPT_A")])
    (defs / "rpt_copy.yaml").write_text(yaml.safe_dump(report("RPT_A")), encoding="utf-8")
    with pytest.raises(TemplateCatalogError) as info:
        load_catalog(registry, defs_dir=defs, en_texts=en_path)
    found = info.value.problems
    assert has(found, "rpt_copy.yaml", "id:", "rpt_a.yaml")  # file name ≠ id
    assert has(found, "rpt_copy.yaml", "id:", "already defined in rpt_a.yaml")


def test_file_name_must_be_the_id(tmp_path: Path, registry: ToolRegistry) -> None:
    found = problems(tmp_path, registry, [report("RPT_A")], names={"RPT_A": "kpi.yaml"})
    assert has(found, "kpi.yaml", "id:", "rpt_a.yaml")


def test_parser_options_that_do_not_apply(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = report(
        "RPT_A",
        inputs=[
            {"key": "days", "prompt": "?", "parser": "int", "options": {"choices": ["a"], "max_len": 3}},
            {"key": "to", "prompt": "?", "parser": "date", "options": {"min": 1}},
        ],
    )
    found = problems(tmp_path, registry, [spec])
    assert has(found, "rpt_a.yaml", "inputs[0] (days).options.choices", "int parser")
    assert has(found, "rpt_a.yaml", "inputs[0] (days).options.max_len", "int parser")
    assert has(found, "rpt_a.yaml", "inputs[1] (to).options.min", "date parser")


def test_choice_input_needs_choices_and_presets_among_them(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = report(
        "RPT_A",
        inputs=[
            {"key": "days", "prompt": "?", "parser": "choice"},
            {
                "key": "to",
                "prompt": "?",
                "parser": "choice",
                "options": {"choices": ["a", "b"]},
                "presets": [{"value": "c"}],
                "default": "z",
            },
        ],
    )
    found = problems(tmp_path, registry, [spec])
    assert has(found, "rpt_a.yaml", "inputs[0] (days).options.choices", "needs")
    assert has(found, "rpt_a.yaml", "inputs[1] (to).presets[0].value", "'c'")
    assert has(found, "rpt_a.yaml", "inputs[1] (to).default", "'z'")


def test_range_bounds_kv_keys_and_date_range_into(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = report(
        "RPT_A",
        inputs=[
            {"key": "days", "prompt": "?", "parser": "int", "options": {"min": 10, "max": 1}},
            {"key": "to", "prompt": "?", "parser": "kv"},
            {"key": "from", "prompt": "?", "parser": "date_range"},
        ],
    )
    found = problems(tmp_path, registry, [spec])
    assert has(found, "rpt_a.yaml", "inputs[0] (days).options.min", "greater than max")
    assert has(found, "rpt_a.yaml", "inputs[1] (to).options.keys")
    assert has(found, "rpt_a.yaml", "inputs[2] (from).into")


def test_payload_keys_must_be_fields_of_the_tool(tmp_path: Path, registry: ToolRegistry) -> None:
    spec = report(
        "RPT_A",
        payload={"dayz": 7, "from_": "@today"},
        inputs=[
            {"key": "limit", "prompt": "?", "parser": "int"},
            {"key": "period", "prompt": "?", "parser": "date_range", "into": ["from", "till"]},
        ],
    )
    found = problems(tmp_path, registry, [spec])
    assert has(found, "rpt_a.yaml", "payload.dayz", "not a field of trend")
    # The model validates `from` by its alias only, so the Python name is a typo here.
    assert has(found, "rpt_a.yaml", "payload.from_", "not a field of trend")
    assert has(found, "rpt_a.yaml", "inputs[0] (limit).key", "'limit'")
    assert has(found, "rpt_a.yaml", "inputs[1] (period).into", "'till'")
    assert not has(found, "'from'")


def test_bad_date_token(tmp_path: Path, registry: ToolRegistry) -> None:
    found = problems(tmp_path, registry, [report("RPT_A", payload={"from": "@tomorrow"})])
    assert has(found, "rpt_a.yaml", "payload.from", "@tomorrow")


def test_bad_free_text_patterns(tmp_path: Path, registry: ToolRegistry) -> None:
    patterns = [r"подними цены на (?P<bump_percent>\d+", r"(?P<bump_percent>\d+)\s*%", r"(?P<pct>\d+)"]
    found = problems(tmp_path, registry, [action("PRC_B", patterns=patterns)])
    assert has(found, "prc_b.yaml", "patterns[0]", "invalid regular expression")
    assert not has(found, "patterns[1]")  # a group named after an input fills it
    assert "prc_b.yaml: patterns[2]: group 'pct' is not an input key" in found


def test_unknown_sis_family(tmp_path: Path, registry: ToolRegistry) -> None:
    found = problems(tmp_path, registry, [action("PRC_B", requires=["sis:coupons"])])
    assert has(found, "prc_b.yaml", "requires:", "coupons")


def test_missing_english_texts(tmp_path: Path, registry: ToolRegistry) -> None:
    specs = [action("PRC_B"), report("RPT_A"), report("RPT_C")]
    en = {
        "PRC_B": {"title": "Raise", "button": "x" * 41, "inputs": {}, "presets": {"bump_percent": []}},
        "RPT_C": {"button": "C"},
        "RPT_GONE": {"title": "Old", "button": "Old"},
    }
    found = problems(tmp_path, registry, specs, en=en)
    assert has(found, "en.yaml", "PRC_B.button", "40")
    assert has(found, "en.yaml", "PRC_B.inputs.bump_percent")
    assert has(found, "en.yaml", "PRC_B.presets.bump_percent.0")
    assert not has(found, "PRC_B.presets.bump_percent.1")  # that preset has no label to translate
    assert has(found, "en.yaml", "RPT_A", "rpt_a.yaml")
    assert has(found, "en.yaml", "RPT_C.title")
    assert has(found, "en.yaml", "RPT_GONE", "no such template")


def test_invalid_yaml_and_non_mapping(tmp_path: Path, registry: ToolRegistry) -> None:
    defs, en_path = write_catalog(tmp_path, [report("RPT_A")])
    (defs / "rpt_b.yaml").write_text("id: RPT_B\ntitle: [unclosed\n", encoding="utf-8")
    (defs / "rpt_c.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(TemplateCatalogError) as info:
        load_catalog(registry, defs_dir=defs, en_texts=en_path)
    assert has(info.value.problems, "rpt_b.yaml", "invalid YAML", "line")
    assert has(info.value.problems, "rpt_c.yaml", "mapping")


def test_every_problem_is_reported_at_once(tmp_path: Path, registry: ToolRegistry) -> None:
    specs = [report("RPT_A", tool="nope"), report("RPT_B", payload={"x": 1}), action("PRC_B", confirm="none")]
    found = problems(tmp_path, registry, specs)
    assert has(found, "rpt_a.yaml", "tool:")
    assert has(found, "rpt_b.yaml", "payload.x")
    assert has(found, "prc_b.yaml", "confirm")
    # A file that failed validation does not also make its English entry an orphan.
    assert not has(found, "PRC_B", "no such template")


def test_empty_defs_directory(tmp_path: Path, registry: ToolRegistry) -> None:
    (tmp_path / "defs").mkdir()
    en_path = tmp_path / "en.yaml"
    en_path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(TemplateCatalogError) as info:
        load_catalog(registry, defs_dir=tmp_path / "defs", en_texts=en_path)
    assert has(info.value.problems, "no template definitions")
