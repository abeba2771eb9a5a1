"""System read tools: health, last errors, SIS action capabilities, the DEMO-vs-SIS shadow check."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.read.system import capabilities, health, last_errors, shadow
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [health.SPEC, last_errors.SPEC, capabilities.SPEC, shadow.SPEC]
