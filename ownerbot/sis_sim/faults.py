"""Fault injection: what the simulator does wrong, set at start (CLI flags) or at run time (`/_sim/faults`).

Faults apply to contract endpoints only (never to `/_sim/*`), optionally limited to some families
(`only_families`: `kpi`, `orders`, `fx`, `discounts`, ...; see `contract.READ_FAMILIES`/`ACTION_FAMILIES`).
Order in a request: latency → hang → 429 → 5xx (rate) → 401/403 → 404 for families → the real handler →
reset (the handler ran, the answer is lost) → malformed JSON → missing provenance.
"""

from __future__ import annotations

import asyncio
from random import Random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ownerbot.upstream.sis.contract import ACTION_FAMILIES, READ_FAMILIES

KNOWN_FAMILIES = READ_FAMILIES | ACTION_FAMILIES


class Faults(BaseModel):
    """The fault set; the default is a healthy SIS."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=600_000)
    hang: bool = False
    reset: bool = False
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=503, ge=500, le=599)
    rate_limit: bool = False
    malformed_json: bool = False
    missing_provenance: bool = False
    auth_status: Literal[401, 403] | None = None
    not_found_families: list[str] = Field(default_factory=list)
    only_families: list[str] = Field(default_factory=list)
    seed: int = 0

    @field_validator("not_found_families", "only_families")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - KNOWN_FAMILIES)
        if unknown:
            raise ValueError(f"unknown families {unknown}; known: {sorted(KNOWN_FAMILIES)}")
        return value

    def applies_to(self, family: str) -> bool:
        return not self.only_families or family in self.only_families


class FaultState:
    """The current faults, a seeded random source for `error_rate`, and the event that ends hangs."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.released = asyncio.Event()
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.random = Random(faults.seed)

    def roll_error(self) -> bool:
        rate = self.faults.error_rate
        return rate >= 1.0 or (rate > 0 and self.random.random() < rate)
