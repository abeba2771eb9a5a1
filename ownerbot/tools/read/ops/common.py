"""What the operations tools share: the range payload, dumping DTOs into answers, cursor failures.

Window arithmetic and provenance helpers come from the sales tools (`read/sales/common.py`) so that
every tool names days and sources the same way.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ownerbot.domain.windows import DayWindow
from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.tools.read.sales.common import check_span

RangeName = Literal["today", "yesterday", "7d", "30d", "custom"]


class OpsPayload(BaseModel):
    """Base of every operations payload: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class OpsRangePayload(OpsPayload):
    """`range` by name, or `custom` with `from`..`to` (shop-local dates, inclusive, at most 366 days).

    Checks run per field, so an error names `from` or `to` rather than the whole payload.
    """

    range: RangeName = "7d"
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _explicit_bounds(cls, data: Any) -> Any:
        # Absent bounds become explicit None so their field checks run; a defaulted value would be
        # reported as `from_` (the attribute) instead of `from` (what the sender writes).
        if isinstance(data, dict):
            return {"from": None, "to": None, **data}
        return data

    @field_validator("from_")
    @classmethod
    def _from_only_for_custom(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _custom_bound("from", value, info)

    @field_validator("to")
    @classmethod
    def _to_only_for_custom(cls, value: date | None, info: ValidationInfo) -> date | None:
        value = _custom_bound("to", value, info)
        start = info.data.get("from_")
        if value is not None and start is not None:
            check_span(start, value, start_field="from", end_field="to")
        return value

    def window(self, today: date, tz: str) -> DayWindow:
        """The shop-local days this payload names; a custom window must not end after today."""
        if self.range == "custom" and self.from_ is not None and self.to is not None:
            if self.to > today:
                raise field_failure("to", f"a date up to today ({today.isoformat()})", self.to.isoformat())
            return DayWindow(self.from_, self.to, tz)
        return named_window(self.range, today, tz)


def _custom_bound(name: str, value: date | None, info: ValidationInfo) -> date | None:
    range_name = info.data.get("range")
    if range_name is None:
        return value  # `range` itself is invalid; its own error says so
    if range_name == "custom" and value is None:
        raise ValueError(f"{name}: required when range=custom")
    if range_name != "custom" and value is not None:
        raise ValueError(f"{name}: only with range=custom, not range={range_name}")
    return value


def named_window(range_name: str, today: date, tz: str) -> DayWindow:
    """`today`, `yesterday`, or the last 7 / 30 days ending today."""
    if range_name == "yesterday":
        return DayWindow.single(today - timedelta(days=1), tz)
    if range_name == "7d":
        return DayWindow.last_days(7, today, tz)
    if range_name == "30d":
        return DayWindow.last_days(30, today, tz)
    return DayWindow.single(today, tz)


def field_failure(field: str, allowed: str, got: Any) -> ToolFailure:
    """A VALIDATION_ERROR about one field found after the schema passed (e.g. a foreign cursor)."""
    return ToolFailure(
        ErrorCode.VALIDATION_ERROR,
        f"Invalid payload: {field}: must be {allowed}; got {got!r}.",
        details={"fields": [{"field": field, "allowed": allowed, "got": got}], "total": 1},
    )


def dump(model: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """A DTO as answer data: Decimal stays Decimal, instants stay UTC-aware (presenters localise)."""
    return model.model_dump(mode="python", exclude=(exclude or set()) | {"sources"})
