"""The template catalog: every `defs/*.yaml` validated into a `TemplateSpec`, then checked as a whole.

The check runs at start-up and in `ownerbot templates check`. It collects every problem (not only the
first) and names the file and the field of each, so a broken catalog is fixed in one pass: unknown tool,
kind mismatch, duplicate id, file name ≠ id, parser options that do not apply, preset payload keys that
are not fields of the tool's payload, bad date tokens, free-text `patterns` that do not compile or name
a group that is not an input, and missing English texts (`locales/en.yaml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ownerbot.templates.patterns import pattern_problems
from ownerbot.templates.spec import (
    BUILTINS,
    Category,
    InputSpec,
    ParserName,
    TemplateKind,
    TemplateSpec,
)
from ownerbot.tools.contract import ToolKind
from ownerbot.tools.registry import ToolRegistry

PACKAGE_DIR = Path(__file__).resolve().parent
DEFS_DIR = PACKAGE_DIR / "defs"
EN_TEXTS = PACKAGE_DIR / "locales" / "en.yaml"

# Which parser options apply to which parser; any other option written in a def is a mistake.
PARSER_OPTIONS: dict[ParserName, frozenset[str]] = {
    ParserName.INT: frozenset({"min", "max"}),
    ParserName.DECIMAL: frozenset({"min", "max"}),
    ParserName.PERCENT: frozenset({"min", "max"}),
    ParserName.IDS: frozenset({"max_items"}),
    ParserName.DATE: frozenset(),
    ParserName.DATE_RANGE: frozenset({"max_days"}),
    ParserName.PHONE: frozenset(),
    ParserName.TEXT: frozenset({"max_len"}),
    ParserName.CHOICE: frozenset({"choices"}),
    ParserName.BOOL: frozenset(),
    ParserName.TIME_LOCAL: frozenset(),
    ParserName.TIMEZONE: frozenset(),
    ParserName.KV: frozenset({"keys"}),
}
# SIS action families a template may require (`sis:<family>`), as probed by the capability service.
SIS_FAMILIES: frozenset[str] = frozenset(
    {"fx", "prices_bump", "prices_rollback", "discounts", "products_publish", "looks_publish"}
)
# A report template calls a read tool; an action template an action tool.
TOOL_KIND_OF: dict[TemplateKind, ToolKind] = {
    TemplateKind.REPORT: ToolKind.READ,
    TemplateKind.ACTION: ToolKind.ACTION,
}
DATE_TOKEN = re.compile(r"^@(today|yesterday|days_ago:\d{1,4})$")
EN_LOCALE = "en"


class TemplateCatalogError(Exception):
    """The catalog is broken; `problems` lists each one as `<file>: <field>: <what is wrong>`."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the template catalog:\n{lines}")


class TemplateCatalog:
    """The validated templates with their texts; read-only after loading."""

    def __init__(self, specs: Iterable[TemplateSpec], en_texts: Mapping[str, Any]) -> None:
        order = {category: index for index, category in enumerate(Category)}
        self._specs: list[TemplateSpec] = sorted(
            specs, key=lambda spec: (order[spec.category], spec.order, spec.id)
        )
        self._by_id = {spec.id: spec for spec in self._specs}
        self._en: dict[str, Any] = dict(en_texts)

    def get(self, template_id: str) -> TemplateSpec | None:
        return self._by_id.get(template_id)

    def all(self) -> list[TemplateSpec]:
        """Category order (as in the top-level menu), then `order`, then id."""
        return list(self._specs)

    def in_category(self, category: Category) -> list[TemplateSpec]:
        return [spec for spec in self._specs if spec.category == category]

    def title(self, spec: TemplateSpec, locale: str) -> str:
        """Russian from the def; English from `locales/en.yaml` (the check guarantees it is there)."""
        return (_is_en(locale) and self._english(spec, "title")) or spec.title

    def button(self, spec: TemplateSpec, locale: str) -> str:
        return (_is_en(locale) and self._english(spec, "button")) or spec.button

    def prompt(self, spec: TemplateSpec, key: str, locale: str) -> str:
        item = _input(spec, key)
        return (_is_en(locale) and self._english(spec, "inputs", key)) or item.prompt

    def preset_label(self, spec: TemplateSpec, key: str, index: int, locale: str) -> str:
        """The preset's label, or its raw value when it has none (e.g. `5`, `09:00`)."""
        preset = _input(spec, key).presets[index]
        if _is_en(locale) and preset.label is not None:
            english = self._english(spec, "presets", key, index)
            if english:
                return english
        return preset.label or preset.value

    def _english(self, spec: TemplateSpec, *path: str | int) -> str | None:
        node: Any = self._en.get(spec.id)
        for part in path:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
            elif isinstance(part, str) and isinstance(node, dict):
                node = node.get(part)
            else:
                return None
        return node if isinstance(node, str) and node else None


def _is_en(locale: str) -> bool:
    return locale.lower().split("-")[0] == EN_LOCALE


def _input(spec: TemplateSpec, key: str) -> InputSpec:
    for item in spec.inputs:
        if item.key == key:
            return item
    raise KeyError(f"{spec.id} has no input {key!r}")


def load_catalog(
    registry: ToolRegistry | None = None,
    *,
    defs_dir: Path | None = None,
    en_texts: Path | None = None,
) -> TemplateCatalog:
    """Load and check the catalog (default: the packaged defs against every shipped tool).

    Raises `TemplateCatalogError` listing every problem found.
    """
    if registry is None:
        from ownerbot.tools.catalog import default_registry

        registry = default_registry()
    defs_dir = defs_dir or DEFS_DIR
    en_path = en_texts or EN_TEXTS
    problems: list[str] = []
    specs: dict[str, tuple[str, TemplateSpec]] = {}
    # Ids of files that did not validate: their English entries are not reported as orphans.
    broken_ids: set[str] = set()

    files = sorted(defs_dir.glob("*.yaml")) if defs_dir.is_dir() else []
    if not files:
        problems.append(f"{defs_dir}: no template definitions (*.yaml) found")
    for path in files:
        raw_id, spec = _load_spec(path, problems)
        if spec is None:
            if raw_id:
                broken_ids.add(raw_id)
            continue
        if path.stem != spec.id.lower():
            problems.append(f"{path.name}: id: {spec.id} must live in {spec.id.lower()}.yaml")
        if spec.id in specs:
            problems.append(f"{path.name}: id: {spec.id} is already defined in {specs[spec.id][0]}")
            continue
        specs[spec.id] = (path.name, spec)
        problems.extend(f"{path.name}: {problem}" for problem in check_spec(spec, registry))

    en = _load_yaml_mapping(en_path, problems)
    if en is not None:
        problems.extend(check_english(en, specs, en_path.name, ignore=broken_ids))

    if problems:
        raise TemplateCatalogError(problems)
    return TemplateCatalog((spec for _, spec in specs.values()), en or {})


def _load_yaml_mapping(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(f"{path.name}: cannot read ({exc.strerror or type(exc).__name__})")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        # e.g. "mapping values are not allowed here": an unquoted `: ` inside a text.
        what = getattr(exc, "problem", None)
        problems.append(f"{path.name}: invalid YAML{where}" + (f" ({what})" if what else ""))
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}: must be a mapping of fields, not {type(data).__name__}")
        return None
    return data


def _load_spec(path: Path, problems: list[str]) -> tuple[str | None, TemplateSpec | None]:
    """The raw `id` (when readable) and the validated spec, or None with the problems recorded."""
    data = _load_yaml_mapping(path, problems)
    if data is None:
        return None, None
    raw_id = data.get("id")
    try:
        return raw_id, TemplateSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "(template)"
            problems.append(f"{path.name}: {field}: {error['msg']}")
        return (raw_id if isinstance(raw_id, str) else None), None


def check_spec(spec: TemplateSpec, registry: ToolRegistry) -> list[str]:
    """Problems of one template against the registry (`<field>: <what>`), empty when it is fine."""
    problems: list[str] = []
    model: type[BaseModel] | None = None
    if spec.is_builtin:
        if spec.tool not in BUILTINS:
            known = ", ".join(sorted(BUILTINS))
            problems.append(f"tool: unknown built-in {spec.tool!r} (known: {known})")
        if spec.kind is not TemplateKind.REPORT:
            problems.append(f"kind: built-in {spec.tool} templates are reports, not {spec.kind.value}")
    else:
        tool = registry.get(spec.tool)
        if tool is None:
            problems.append(f"tool: unknown tool {spec.tool!r} (not registered)")
        else:
            model = tool.payload_model
            if TOOL_KIND_OF[spec.kind] is not tool.kind:
                problems.append(f"kind: {spec.kind.value}, but tool {spec.tool} is a {tool.kind.value} tool")
    for requirement in spec.requires:
        family = requirement.removeprefix("sis:")
        if requirement.startswith("sis:") and family not in SIS_FAMILIES:
            problems.append(
                f"requires: unknown SIS family {family!r} (known: {', '.join(sorted(SIS_FAMILIES))})"
            )
    problems.extend(_check_tokens(spec.payload, "payload"))
    fields = _payload_fields(model) if model is not None else None
    if fields is not None:
        for key in spec.payload:
            if key not in fields:
                problems.append(
                    f"payload.{key}: not a field of {spec.tool} (fields: {', '.join(sorted(fields))})"
                )
    for index, item in enumerate(spec.inputs):
        where = f"inputs[{index}] ({item.key})"
        problems.extend(f"{where}.{problem}" for problem in _check_input(item))
        if fields is not None:
            targets = list(item.into) if item.into is not None else [item.key]
            for target in targets:
                head = target.split(".", 1)[0]
                if head not in fields:
                    field = "into" if item.into is not None else "key"
                    problems.append(f"{where}.{field}: {head!r} is not a field of {spec.tool}")
    # The router would refuse the whole catalog on its first text; refuse it here, at load, instead.
    problems.extend(problem.removeprefix(f"{spec.id}: ") for problem in pattern_problems(spec))
    return problems


def _payload_fields(model: type[BaseModel]) -> set[str]:
    """The keys the payload model accepts: aliases (e.g. `from` of the range payloads), and names of
    fields without one (or with one, when the model also validates by name)."""
    by_name = bool(model.model_config.get("populate_by_name") or model.model_config.get("validate_by_name"))
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if info.alias:
            names.add(info.alias)
        if not info.alias or by_name:
            names.add(name)
    return names


def _check_tokens(value: Any, where: str) -> list[str]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _check_tokens(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _check_tokens(item, f"{where}[{index}]")]
    if isinstance(value, str) and value.startswith("@") and not DATE_TOKEN.match(value):
        return [f"{where}: unknown date token {value!r} (use @today, @yesterday or @days_ago:N)"]
    return []


def _check_input(item: InputSpec) -> list[str]:
    problems: list[str] = []
    allowed = PARSER_OPTIONS[item.parser]
    for option in sorted(item.options.model_fields_set - allowed):
        problems.append(f"options.{option}: does not apply to the {item.parser.value} parser")
    low, high = item.options.min, item.options.max
    if low is not None and high is not None and low > high:
        problems.append(f"options.min: {low:g} is greater than max {high:g}")
    if item.parser is ParserName.CHOICE:
        choices = item.options.choices
        if not choices:
            problems.append("options.choices: a choice input needs its list of choices")
        for index, preset in enumerate(item.presets):
            if choices and preset.value not in choices:
                problems.append(f"presets[{index}].value: {preset.value!r} is not one of the choices")
        if choices and item.default is not None and item.default not in choices:
            problems.append(f"default: {item.default!r} is not one of the choices")
    if item.parser is ParserName.KV and not item.options.keys:
        problems.append("options.keys: a kv input needs its whitelist of keys")
    if item.parser is ParserName.DATE_RANGE and item.into is None:
        problems.append("into: a date_range input names the two payload keys it fills")
    return problems


def check_english(
    en: Mapping[str, Any],
    specs: Mapping[str, tuple[str, TemplateSpec]],
    en_name: str,
    *,
    ignore: Iterable[str] = (),
) -> list[str]:
    """Every English text the catalog needs is present, and no entry names an unknown template."""
    problems: list[str] = []
    for template_id, (file_name, spec) in specs.items():
        entry = en.get(template_id)
        if not isinstance(entry, dict):
            problems.append(f"{en_name}: {template_id}: missing English texts (template in {file_name})")
            continue
        for field in ("title", "button"):
            text = entry.get(field)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{en_name}: {template_id}.{field}: missing English text")
        button = entry.get("button")
        if isinstance(button, str) and len(button) > 40:
            problems.append(f"{en_name}: {template_id}.button: longer than 40 characters")
        prompts = entry.get("inputs") or {}
        labels = entry.get("presets") or {}
        for item in spec.inputs:
            prompt = prompts.get(item.key) if isinstance(prompts, dict) else None
            if not isinstance(prompt, str) or not prompt.strip():
                problems.append(f"{en_name}: {template_id}.inputs.{item.key}: missing English prompt")
            item_labels = labels.get(item.key) if isinstance(labels, dict) else None
            for index, preset in enumerate(item.presets):
                if preset.label is None:
                    continue
                ok = isinstance(item_labels, list) and index < len(item_labels) and bool(item_labels[index])
                if not ok:
                    problems.append(
                        f"{en_name}: {template_id}.presets.{item.key}.{index}: missing English label"
                    )
    for template_id in sorted(set(en) - set(specs) - set(ignore)):
        problems.append(f"{en_name}: {template_id}: no such template")
    return problems
