"""Payload validation messages name each bad field and what it allows, from the model's declarations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.tools.validation import MAX_REPORTED_FIELDS, describe_field, validate_payload


class Section(Enum):
    OUT_OF_STOCK = "out_of_stock"
    LOW_STOCK = "low_stock"


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qty: int = Field(ge=1)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: int = Field(7, ge=1, le=365)
    metric: Literal["revenue", "qty"] = "revenue"
    section: Section | None = None
    reason: str = Field("", max_length=300)
    share: float = Field(0.5, gt=0, lt=1)
    since_hours: Annotated[int, Field(ge=1, le=720)] | None = None
    product_ids: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=3)
    lines: list[Line] = Field(default_factory=list)
    from_: dt.date | None = Field(None, alias="from")
    code: str = Field("AB", pattern=r"^[A-Z]+$")

    @field_validator("reason")
    @classmethod
    def _no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("reason must not be all capitals")
        return value

    @model_validator(mode="after")
    def _custom_needs_from(self) -> Payload:
        if self.days == 99 and self.from_ is None:
            raise ValueError("days=99 needs from")
        return self


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)


class Lenient(BaseModel):
    """Forgot `extra="forbid"`: unknown keys must still be refused."""

    limit: int = Field(20, ge=1, le=200)


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    limit: int = 20


def failure_of(model: type[BaseModel], payload: dict[str, Any]) -> ToolFailure:
    with pytest.raises(ToolFailure) as caught:
        validate_payload(model, payload)
    assert caught.value.code is ErrorCode.VALIDATION_ERROR
    return caught.value


def fields_of(failure: ToolFailure) -> dict[str, dict[str, Any]]:
    return {item["field"]: item for item in failure.details["fields"]}


def test_valid_payload_returns_the_model_with_defaults() -> None:
    payload = validate_payload(Payload, {"days": 30, "from": "2025-01-31"})
    assert payload.days == 30
    assert payload.metric == "revenue"
    assert payload.from_ == dt.date(2025, 1, 31)


def test_range_is_stated_whole_from_the_field_bounds() -> None:
    failure = failure_of(Payload, {"days": 400})
    assert "days: must be an integer between 1 and 365; got 400" in failure.message
    assert fields_of(failure)["days"] == {
        "field": "days",
        "allowed": "an integer between 1 and 365",
        "got": 400,
    }


def test_wrong_type_still_states_the_range() -> None:
    failure = failure_of(Payload, {"days": "many"})
    assert fields_of(failure)["days"]["allowed"] == "an integer between 1 and 365"
    assert fields_of(failure)["days"]["got"] == "many"


def test_exclusive_bounds_are_worded_as_such() -> None:
    failure = failure_of(Payload, {"share": 1})
    assert fields_of(failure)["share"]["allowed"] == "a number greater than 0 and less than 1"


def test_optional_annotated_bounds_are_found() -> None:
    failure = failure_of(Payload, {"since_hours": 0})
    assert fields_of(failure)["since_hours"]["allowed"] == "an integer between 1 and 720"


def test_literal_and_enum_list_their_values() -> None:
    failure = failure_of(Payload, {"metric": "profit", "section": "gone"})
    assert "metric: must be one of revenue, qty" in failure.message
    assert fields_of(failure)["metric"]["allowed"] == "one of revenue, qty"
    assert fields_of(failure)["section"]["allowed"] == "one of out_of_stock, low_stock"


def test_missing_required_field() -> None:
    failure = failure_of(Lookup, {})
    assert "order_id: required (a string of 1 to 64 characters)" in failure.message
    assert fields_of(failure)["order_id"] == {
        "field": "order_id",
        "allowed": "a string of 1 to 64 characters",
        "got": None,
    }


def test_string_and_list_lengths_and_patterns() -> None:
    failure = failure_of(Payload, {"reason": "x" * 301, "product_ids": [1, 2, 3, 4], "code": "ab"})
    found = fields_of(failure)
    assert found["reason"]["allowed"] == "a string of at most 300 characters"
    assert found["product_ids"]["allowed"] == "a list of at most 3 items"
    assert found["code"]["allowed"] == "a string matching ^[A-Z]+$"


def test_list_items_and_nested_models_are_named_by_path() -> None:
    failure = failure_of(Payload, {"product_ids": [5, 0], "lines": [{"qty": 2}, {"qty": 0}]})
    found = fields_of(failure)
    assert found["product_ids[1]"]["allowed"] == "an integer at least 1"
    assert found["lines[1].qty"]["allowed"] == "an integer at least 1"
    assert found["lines[1].qty"]["got"] == 0


def test_alias_is_the_name_the_sender_used() -> None:
    failure = failure_of(Payload, {"from": "2025-02-30"})
    assert fields_of(failure)["from"]["allowed"] == "a date YYYY-MM-DD"


def test_unknown_keys_are_refused_and_the_allowed_fields_listed() -> None:
    failure = failure_of(Lookup, {"order_id": "A1", "orderid": "A1"})
    found = fields_of(failure)
    assert list(found) == ["orderid"]
    assert found["orderid"]["got"] == "A1"
    assert "orderid: unknown field; allowed fields: order_id" in failure.message


def test_unknown_keys_are_refused_even_without_extra_forbid() -> None:
    failure = failure_of(Lenient, {"limit": 5, "limt": 5})
    assert list(fields_of(failure)) == ["limt"]


def test_models_that_allow_extra_keys_accept_them() -> None:
    assert validate_payload(Open, {"limit": 3, "anything": 1}).limit == 3


def test_field_and_model_validators_speak_for_themselves() -> None:
    failure = failure_of(Payload, {"reason": "STOP"})
    assert "reason: reason must not be all capitals" in failure.message
    failure = failure_of(Payload, {"days": 99})
    assert fields_of(failure)["payload"] == {"field": "payload", "allowed": "days=99 needs from", "got": None}


def test_huge_inputs_are_cut_to_50_characters() -> None:
    failure = failure_of(
        Payload, {"days": "9" * 10_000, "k" * 500: "v" * 500, "lines": [{"qty": {"a": "b" * 900}}]}
    )
    for item in failure.details["fields"]:
        assert len(item["field"]) <= 50
        assert item["got"] is None or len(str(item["got"])) <= 50
    assert len(failure.message) < 2_000
    assert fields_of(failure)["days"]["got"].endswith("…")


def test_huge_integers_are_not_printed() -> None:
    failure = failure_of(Payload, {"days": 10**200})
    assert fields_of(failure)["days"]["got"] == "<an integer too large to show>"


def test_many_bad_fields_are_capped_with_a_count() -> None:
    payload = {f"unknown_{i}": i for i in range(MAX_REPORTED_FIELDS + 5)}
    failure = failure_of(Lookup, payload)
    assert len(failure.details["fields"]) == MAX_REPORTED_FIELDS
    assert failure.details["total"] == MAX_REPORTED_FIELDS + 6  # the unknown keys and order_id
    assert "and 6 more" in failure.message


def test_describe_field_reads_the_declaration() -> None:
    assert describe_field(Payload, "days") == "an integer between 1 and 365"
    assert describe_field(Payload, "metric") == "one of revenue, qty"
    assert describe_field(Payload, "since_hours") == "an integer between 1 and 720"
