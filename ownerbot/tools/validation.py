"""Payload validation with answers a person (or the planner) can act on.

A pydantic `ValidationError` becomes `ToolFailure(VALIDATION_ERROR)` whose message names every bad field
and what it allows, read from the payload model's own declarations (bounds, Literal/Enum values, lengths),
so the text can never drift from the schema: "days: must be an integer between 1 and 365; got 400".
Unknown payload keys are refused even when a model forgot `extra="forbid"`.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import AliasChoices, AwareDatetime, BaseModel, NaiveDatetime, ValidationError
from pydantic.fields import FieldInfo

from ownerbot.tools.contract import ErrorCode, ToolFailure

M = TypeVar("M", bound=BaseModel)

MAX_SHOWN_CHARS = 50
MAX_REPORTED_FIELDS = 10

_BOUND_WORDS = (("gt", "greater than"), ("ge", "at least"), ("lt", "less than"), ("le", "at most"))
# Errors whose own message is the rule (custom validators): shown instead of the type description.
_VALIDATOR_ERRORS = {"value_error", "assertion_error"}


def validate_payload(model: type[M], payload: Mapping[str, Any]) -> M:
    """Validate `payload` against `model`; raise `ToolFailure(VALIDATION_ERROR)` describing every problem."""
    unknown = _unknown_keys(model, payload)
    try:
        validated = model.model_validate(dict(payload))
    except ValidationError as exc:
        raise validation_failure(model, exc, payload=payload, unknown_keys=unknown) from None
    if unknown:
        raise validation_failure(model, None, payload=payload, unknown_keys=unknown)
    return validated


def validation_failure(
    model: type[BaseModel],
    error: ValidationError | None,
    *,
    payload: Mapping[str, Any] | None = None,
    unknown_keys: Sequence[str] = (),
) -> ToolFailure:
    """Build the `VALIDATION_ERROR` failure for `error` (and for `unknown_keys` of `payload`) on `model`.

    `details["fields"]` lists `{"field", "allowed", "got"}` per bad field, inputs cut to 50 characters.
    """
    payload_values = payload or {}
    known = ", ".join(_known_keys(model)) or "none"
    problems: dict[str, tuple[str, dict[str, Any]]] = {}
    for key in unknown_keys:
        field = _shorten(str(key))
        problems.setdefault(field, _unknown_problem(field, known, _shown(payload_values.get(key))))
    for item in error.errors(include_url=False) if error is not None else ():
        line, problem = _describe_error(model, item, known)
        # One entry per field; model-level rules (all reported as `payload`) are kept apart by text.
        dedupe_key = problem["field"] if problem["field"] != "payload" else f"payload:{problem['allowed']}"
        problems.setdefault(dedupe_key, (line, problem))
    reported = list(problems.values())[:MAX_REPORTED_FIELDS]
    text = "; ".join(line for line, _ in reported)
    if len(problems) > len(reported):
        text += f"; and {len(problems) - len(reported)} more"
    return ToolFailure(
        ErrorCode.VALIDATION_ERROR,
        f"Invalid payload: {text}.",
        details={"fields": [problem for _, problem in reported], "total": len(problems)},
    )


def describe_field(model: type[BaseModel], name: str) -> str:
    """What a payload field allows, e.g. `an integer between 1 and 365` or `one of revenue, qty`."""
    info = model.model_fields[name]
    return _describe_type(info.annotation, list(info.metadata))


# -- one error -----------------------------------------------------------------------------------


def _describe_error(
    model: type[BaseModel], item: Mapping[str, Any], known: str
) -> tuple[str, dict[str, Any]]:
    """The message line and the `{"field", "allowed", "got"}` entry for one pydantic error."""
    kind = str(item.get("type", ""))
    loc = tuple(item.get("loc", ()))
    if kind == "extra_forbidden":
        return _unknown_problem(_loc_text(loc), known, _shown(item.get("input")))
    field, annotation, metadata = _resolve(model, loc)
    # A missing field has no input, and a model-level rule's input is the whole payload: show neither.
    got = None if kind == "missing" or field == "payload" else _shown(item.get("input"))
    shown = json.dumps(got, default=str, ensure_ascii=False)
    if kind in _VALIDATOR_ERRORS or annotation is None:
        allowed = _validator_message(item)
        line = f"{field}: {allowed}" if got is None else f"{field}: {allowed}; got {shown}"
    else:
        allowed = _describe_type(annotation, metadata)
        line = f"{field}: must be {allowed}; got {shown}"
    if kind == "missing":
        line = f"{field}: required ({allowed})"
    return line, {"field": field, "allowed": allowed, "got": got}


def _unknown_problem(field: str, known: str, got: Any) -> tuple[str, dict[str, Any]]:
    line = f"{field}: unknown field; allowed fields: {known}"
    return line, {"field": field, "allowed": f"no such field; allowed fields: {known}", "got": got}


def _loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return _shorten(text or "payload")


def _validator_message(item: Mapping[str, Any]) -> str:
    """A custom validator's own text, without pydantic's "Value error, " prefix."""
    ctx = item.get("ctx") or {}
    raw = ctx.get("error")
    text = str(raw) if raw is not None else str(item.get("msg", "a valid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return _shorten(text, 200)


def _resolve(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, Any, list[Any]]:
    """Walk an error location through the model: (readable path, annotation, metadata) of the last part.

    The walk stops at parts that are no field (pydantic's union-member tags such as `int`), so the path
    names what the sender wrote. An empty location (a model-level rule) is reported as `payload`.
    """
    path = ""
    current: type[BaseModel] | None = model
    annotation: Any = None
    metadata: list[Any] = []
    for part in loc:
        if isinstance(part, int):
            element = _element_type(annotation)
            if element is None:
                break
            path += f"[{part}]"
            annotation, metadata = _unwrap_annotated(element)
            current = _model_of(annotation)
            continue
        if current is not None and (info := _field_by_key(current, part)) is not None:
            annotation, metadata = _unwrap_annotated(info.annotation, list(info.metadata))
        elif (value_type := _mapping_value_type(annotation)) is not None:
            annotation, metadata = _unwrap_annotated(value_type)
        else:
            break
        path = f"{path}.{_shorten(part)}" if path else _shorten(part)
        current = _model_of(annotation)
    if not path:
        return "payload", None, []
    return path, annotation, metadata


def _field_by_key(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in _keys_of(name, info):
            return info
    return None


def _keys_of(name: str, info: FieldInfo) -> list[str]:
    keys = [name]
    if info.alias:
        keys.append(info.alias)
    alias = info.validation_alias
    if isinstance(alias, str):
        keys.append(alias)
    elif isinstance(alias, AliasChoices):
        keys.extend(choice for choice in alias.choices if isinstance(choice, str))
    return keys


def _known_keys(model: type[BaseModel]) -> list[str]:
    """The keys a sender may use: each field's alias when it has one, else its name."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        keys.append(info.alias or name)
    return keys


def _unknown_keys(model: type[BaseModel], payload: Mapping[str, Any]) -> list[str]:
    if model.model_config.get("extra") == "allow":
        return []
    accepted = {key for name, info in model.model_fields.items() for key in _keys_of(name, info)}
    return [str(key) for key in payload if key not in accepted]


# -- type descriptions ----------------------------------------------------------------------------


def _unwrap_annotated(annotation: Any, metadata: list[Any] | None = None) -> tuple[Any, list[Any]]:
    """Strip `Annotated[...]` layers, collecting their constraints (FieldInfo metadata included)."""
    collected = list(metadata or [])
    while get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        for extra in extras:
            if isinstance(extra, FieldInfo):
                collected.extend(extra.metadata)
            else:
                collected.append(extra)
        annotation = base
    return annotation, collected


def _union_members(annotation: Any) -> list[Any] | None:
    if get_origin(annotation) in (Union, types.UnionType):
        return [arg for arg in get_args(annotation) if arg is not type(None)]
    return None


def _element_type(annotation: Any) -> Any:
    members = _union_members(annotation)
    if members is not None:
        for member in members:
            element = _element_type(_unwrap_annotated(member)[0])
            if element is not None:
                return element
        return None
    origin = get_origin(annotation)
    if origin in (list, set, frozenset, tuple):
        args = [arg for arg in get_args(annotation) if arg is not Ellipsis]
        return args[0] if args else Any
    return None


def _mapping_value_type(annotation: Any) -> Any:
    members = _union_members(annotation)
    candidates = members if members is not None else [annotation]
    for candidate in candidates:
        if get_origin(candidate) is dict:
            args = get_args(candidate)
            return args[1] if len(args) == 2 else Any
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    members = _union_members(annotation)
    for candidate in members if members is not None else [annotation]:
        base = _unwrap_annotated(candidate)[0]
        if isinstance(base, type) and issubclass(base, BaseModel):
            return base
    return None


def _describe_type(annotation: Any, metadata: list[Any]) -> str:
    annotation, metadata = _unwrap_annotated(annotation, metadata)
    members = _union_members(annotation)
    if members is not None:
        if len(members) == 1:
            return _describe_type(members[0], metadata)
        return " or ".join(_describe_type(member, []) for member in members)
    choices = _choices(annotation)
    if choices is not None:
        return "one of " + ", ".join(choices)
    base = _base_description(annotation)
    qualifiers = [q for q in (_bounds(metadata), _lengths(annotation, metadata), _pattern(metadata)) if q]
    return " ".join([base, *qualifiers])


def _choices(annotation: Any) -> list[str] | None:
    if get_origin(annotation) is Literal:
        return [_plain(value) for value in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [_plain(member.value) for member in annotation]
    return None


def _base_description(annotation: Any) -> str:
    origin = get_origin(annotation) or annotation
    named: list[tuple[Any, str]] = [
        (bool, "true or false"),
        (int, "an integer"),
        (float, "a number"),
        (Decimal, "a number"),
        (str, "a string"),
        (dt.datetime, "an ISO 8601 date-time"),
        (dt.date, "a date YYYY-MM-DD"),
        (dt.time, "a time HH:MM"),
    ]
    for kind, text in named:
        if origin is kind:
            return text
    if origin in (AwareDatetime, NaiveDatetime):
        return "an ISO 8601 date-time"
    if origin in (list, tuple, set, frozenset):
        return "a list"
    if origin is dict or (isinstance(origin, type) and issubclass(origin, BaseModel)):
        return "an object"
    return "a valid value"


def _bounds(metadata: list[Any]) -> str:
    found = {attr: getattr(item, attr) for item in metadata for attr, _ in _BOUND_WORDS if _has(item, attr)}
    if "ge" in found and "le" in found:
        text = f"between {_plain(found['ge'])} and {_plain(found['le'])}"
    else:
        text = " and ".join(f"{word} {_plain(found[attr])}" for attr, word in _BOUND_WORDS if attr in found)
    multiple = next((item.multiple_of for item in metadata if _has(item, "multiple_of")), None)
    if multiple is not None:
        text = f"{text} (a multiple of {_plain(multiple)})".strip()
    return text


def _lengths(annotation: Any, metadata: list[Any]) -> str:
    low = next((item.min_length for item in metadata if _has(item, "min_length")), None)
    high = next((item.max_length for item in metadata if _has(item, "max_length")), None)
    if low is None and high is None:
        return ""
    unit = "characters" if annotation is str else "items"
    if low is not None and high is not None:
        return f"of {low} to {high} {unit}"
    if high is not None:
        return f"of at most {high} {unit}"
    return f"of at least {low} {unit}"


def _pattern(metadata: list[Any]) -> str:
    pattern = next((item.pattern for item in metadata if _has(item, "pattern")), None)
    return f"matching {_shorten(str(pattern))}" if pattern is not None else ""


def _has(item: Any, attr: str) -> bool:
    return getattr(item, attr, None) is not None


# -- showing inputs -------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _shorten(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> Any:
    """The offending input as sent, but never more than 50 characters of it."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        # Very long integers cannot even be printed (int_max_str_digits); say what they are instead.
        return value if value.bit_length() <= 128 else "<an integer too large to show>"
    if isinstance(value, str):
        return _shorten(value)
    try:
        text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    return _shorten(text)
