"""SIS Actions API answers as the typed catalog results, leniently: a SIS may leave fields out (they get
neutral defaults), ids may come as strings, warnings as objects; unknown fields are ignored."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from ownerbot.upstream.catalog import (
    MAX_EXAMPLES,
    AnomalyInfo,
    FxSnapshotInfo,
    PriceApplyResult,
    PriceChange,
    PricePreview,
    RepriceJobInfo,
    StateApplyResult,
    StateChange,
    StatePreview,
)


def as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def as_text(value: object, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)[:500]


def opt_text(value: object) -> str | None:
    return None if value is None else as_text(value)


def opt_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_int(value: object, default: int = 0) -> int:
    parsed = opt_int(value)
    return default if parsed is None else parsed


def as_dec(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def max_abs(changes: Iterable[PriceChange]) -> Decimal:
    return max((abs(c.delta_pct or Decimal(0)) for c in changes), default=Decimal("0.00"))


def warning_codes(value: object) -> list[str]:
    """Warning codes: strings as they are, objects by their `code` (else `message`)."""
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            text = item.get("code") or item.get("message")
            if text is not None:
                out.append(str(text))
        elif item is not None:
            out.append(str(item))
    return out


def price_changes(value: object) -> list[PriceChange]:
    out: list[PriceChange] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or (product_id := opt_int(item.get("id"))) is None:
            continue
        out.append(
            PriceChange(
                id=product_id,
                name=opt_text(item.get("name")),
                before=as_dec(item.get("before")),
                after=as_dec(item.get("after")),
                delta_pct=as_dec(item.get("delta_pct")),
            )
        )
    return out


EMPTY_ANOMALY = AnomalyInfo(threshold_pct=Decimal("0"), max_delta_pct=Decimal("0"), over_threshold_count=0)


def anomaly_of(value: object) -> AnomalyInfo | None:
    if not isinstance(value, dict):
        return None
    return AnomalyInfo(
        threshold_pct=as_dec(value.get("threshold_pct")) or Decimal("0"),
        max_delta_pct=as_dec(value.get("max_delta_pct")) or Decimal("0"),
        over_threshold_count=as_int(value.get("over_threshold_count")),
        examples_over_threshold=price_changes(value.get("examples_over_threshold"))[:MAX_EXAMPLES],
    )


def moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def job_of(value: object) -> RepriceJobInfo | None:
    if not isinstance(value, dict) or (job_id := opt_int(value.get("job_id"))) is None:
        return None
    return RepriceJobInfo(
        job_id=job_id,
        rate_set_id=opt_text(value.get("rate_set_id")),
        created_at=moment(value.get("created_at")) or datetime.fromtimestamp(0, UTC),
        actor_id=opt_int(value.get("actor_id")),
        affected_count=as_int(value.get("affected_count")),
        rolled_back_at=moment(value.get("rolled_back_at")),
        params=as_dict(value.get("params")),
    )


def snapshot_of(value: object) -> FxSnapshotInfo | None:
    if not isinstance(value, dict) or not value.get("rate_set_id"):
        return None
    try:
        return FxSnapshotInfo(
            rate_set_id=str(value["rate_set_id"]),
            base_currency=as_text(value.get("base_currency")),
            rates={str(k): str(v) for k, v in as_dict(value.get("rates")).items()},
            fetched_at=moment(value.get("fetched_at")) or datetime.fromtimestamp(0, UTC),
        )
    except ValidationError:
        return None


def price_apply(data: dict[str, Any]) -> PriceApplyResult:
    examples = price_changes(data.get("examples"))
    return PriceApplyResult(
        job_id=opt_int(data.get("job_id")),
        action_id=opt_int(data.get("action_id")),
        affected_count=as_int(data.get("affected_count"), len(examples)),
        max_delta_pct=as_dec(data.get("max_delta_pct")) or max_abs(examples),
        summary=as_text(data.get("summary"), "committed"),
        warnings=warning_codes(data.get("warnings")),
        examples=examples[:MAX_EXAMPLES],
        rollback_available=bool(data.get("rollback_available")),
        rollback_job_id=opt_int(data.get("rollback_job_id")),
        details=as_dict(data.get("details")),
    )


def state_changes(value: object) -> list[StateChange]:
    out: list[StateChange] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or (target_id := opt_int(item.get("id"))) is None:
            continue
        out.append(
            StateChange(
                id=target_id,
                name=opt_text(item.get("name")),
                before=as_text(item.get("before"), "—"),
                after=as_text(item.get("after"), "—"),
            )
        )
    return out


def id_list(value: object) -> list[int]:
    ids = [opt_int(v) for v in value] if isinstance(value, list) else []
    return [i for i in ids if i is not None]


def state_preview(data: dict[str, Any]) -> StatePreview:
    examples = state_changes(data.get("examples"))
    affected = as_int(data.get("affected_count"), len(examples))
    return StatePreview(
        affected_count=affected,
        examples=examples[:MAX_EXAMPLES],
        summary=as_text(data.get("summary")),
        warnings=warning_codes(data.get("warnings")),
        ids=id_list(data.get("ids")),
        matched_count=as_int(data.get("matched_count"), affected),
    )


def state_apply(data: dict[str, Any]) -> StateApplyResult:
    examples = state_changes(data.get("examples"))
    return StateApplyResult(
        affected_count=as_int(data.get("affected_count"), len(examples)),
        summary=as_text(data.get("summary"), "committed"),
        warnings=warning_codes(data.get("warnings")),
        ids=id_list(data.get("ids")),
        examples=examples[:MAX_EXAMPLES],
    )


def price_preview(data: dict[str, Any], currency: str) -> PricePreview:
    """A bump or reprice preview (or the `reprice` part of an FX preview)."""
    examples = price_changes(data.get("examples"))
    changes = price_changes(data.get("changes")) or examples
    return PricePreview(
        affected_count=as_int(data.get("affected_count"), len(changes)),
        max_delta_pct=as_dec(data.get("max_delta_pct")) or max_abs(changes),
        warnings=warning_codes(data.get("warnings")),
        examples=(examples or changes)[:MAX_EXAMPLES],
        summary=as_text(data.get("summary")),
        anomaly=anomaly_of(data.get("anomaly")),
        currency=as_text(data.get("currency"), currency),
        rate_set_id=opt_text(data.get("rate_set_id")),
        changes=changes,
        details=as_dict(data.get("details")),
    )
