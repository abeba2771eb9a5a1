"""Every `ntf_*` action tool, listed in `tools/catalog.py` TOOL_MODULES (see docs/notifications.md)."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.actions import ntf_escalation, ntf_send, ntf_settings
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [*ntf_settings.SPECS, *ntf_escalation.SPECS, *ntf_send.SPECS]
