"""Demand forecasting math: a moving average (or exponential smoothing) with weekly seasonality.

Pure functions over daily unit counts, shared by `demand_forecast` and `reorder_plan`. Units are
`Decimal` so a forecast is reproducible to the last digit on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Method = Literal["sma", "ses"]
Confidence = Literal["high", "medium", "low", "none"]

SES_ALPHA = Decimal("0.3")  # weight of the newest day: reacts within about a week, ignores single spikes
MIN_SEASONAL_DAYS = 14  # two samples per weekday at least, or the weekly pattern is just noise
HIGH_MIN_DAYS = 28
HIGH_MIN_SALE_SHARE = Decimal("0.5")
HIGH_MAX_CV_PCT = Decimal(100)
LOW_MAX_SALE_SHARE = Decimal("0.2")
LOW_MIN_UNITS = 5
UNIT_STEP = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Forecast:
    """Expected units per future day, with what the estimate rests on."""

    daily: tuple[Decimal, ...]
    level: Decimal  # units per day with the weekly pattern taken out
    seasonal: bool
    history_days: int
    sale_days: int
    history_units: int
    cv_pct: Decimal | None  # day-to-day variation: standard deviation / mean, in %
    confidence: Confidence

    @property
    def total(self) -> Decimal:
        """Expected units over the whole horizon, to 0.1."""
        return units(sum(self.daily, Decimal(0)))

    @property
    def note(self) -> str:
        """One line saying why the forecast deserves its confidence."""
        if self.confidence == "none":
            return f"no sales in the last {self.history_days} days: none expected"
        pattern = (
            "weekly pattern used" if self.seasonal else f"no weekly pattern (needs {MIN_SEASONAL_DAYS}+ days)"
        )
        return (
            f"{self.confidence} confidence: sales on {self.sale_days} of {self.history_days} days, "
            f"{self.history_units} units, day-to-day variation {self.cv_pct}%, {pattern}"
        )


def units(value: Decimal) -> Decimal:
    """Units to 0.1, half up (what a forecast row shows)."""
    return value.quantize(UNIT_STEP, rounding=ROUND_HALF_UP)


def hundredths(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def weekday_indices(history: Sequence[int], start: date) -> tuple[Decimal, ...] | None:
    """Per weekday (Monday = 0), its mean units over the overall mean; None when too short or empty.

    Normalised to average 1, so the pattern moves units between weekdays without adding any.
    """
    total = sum(history)
    if len(history) < MIN_SEASONAL_DAYS or total == 0:
        return None
    sums = [0] * 7
    counts = [0] * 7
    for offset, value in enumerate(history):
        weekday = (start + timedelta(days=offset)).weekday()
        sums[weekday] += value
        counts[weekday] += 1
    means = [Decimal(s) / c for s, c in zip(sums, counts, strict=True)]
    scale = sum(means, Decimal(0)) / 7
    return tuple(m / scale for m in means)


def _smoothed_level(history: Sequence[int], start: date, indices: tuple[Decimal, ...] | None) -> Decimal:
    """Simple exponential smoothing of the deseasonalised series, started at the first week's mean."""
    values: list[Decimal] = []
    for offset, value in enumerate(history):
        index = indices[(start + timedelta(days=offset)).weekday()] if indices else Decimal(1)
        if index > 0:  # a weekday that never sells tells nothing about the level
            values.append(Decimal(value) / index)
    if not values:
        return Decimal(0)
    first_week = values[:7]
    level = sum(first_week, Decimal(0)) / len(first_week)
    for deseasonalised in values:
        level = SES_ALPHA * deseasonalised + (1 - SES_ALPHA) * level
    return level


def _confidence(n_days: int, sale_days: int, total: int, cv_pct: Decimal | None) -> Confidence:
    if total == 0:
        return "none"
    share = Decimal(sale_days) / n_days
    if share < LOW_MAX_SALE_SHARE or total < LOW_MIN_UNITS or n_days < MIN_SEASONAL_DAYS:
        return "low"
    if (
        n_days >= HIGH_MIN_DAYS
        and share >= HIGH_MIN_SALE_SHARE
        and cv_pct is not None
        and cv_pct <= HIGH_MAX_CV_PCT
    ):
        return "high"
    return "medium"


def forecast(
    history: Sequence[int], *, history_start: date, horizon_start: date, horizon_days: int, method: Method
) -> Forecast:
    """Expected units for `horizon_days` days from `horizon_start`, from daily units since `history_start`.

    `sma`: the mean of the whole history; `ses`: exponential smoothing, which follows recent change.
    Both are multiplied by the weekday's index when the history is long enough to show a weekly pattern.
    """
    if not history:
        raise ValueError("history is empty")
    n_days, total = len(history), sum(history)
    indices = weekday_indices(history, history_start)
    mean = Decimal(total) / n_days
    level = mean if method == "sma" else _smoothed_level(history, history_start, indices)
    cv_pct = None
    if total:
        variance = sum(((Decimal(v) - mean) ** 2 for v in history), Decimal(0)) / n_days
        cv_pct = hundredths(variance.sqrt() / mean * 100)
    daily = tuple(
        hundredths(
            level * (indices[(horizon_start + timedelta(days=j)).weekday()] if indices else Decimal(1))
        )
        for j in range(horizon_days)
    )
    sale_days = sum(1 for v in history if v > 0)
    return Forecast(
        daily=daily,
        level=hundredths(level),
        seasonal=indices is not None,
        history_days=n_days,
        sale_days=sale_days,
        history_units=total,
        cv_pct=cv_pct,
        confidence=_confidence(n_days, sale_days, total, cv_pct),
    )
