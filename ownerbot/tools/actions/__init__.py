"""Local action tools (flags, notes, team messages): each is a `ToolSpec` of kind ACTION.

They run only through the ACTION pipeline (`ownerbot/actions/`); their read `handler` refuses.
"""

from __future__ import annotations

from typing import Any

from ownerbot.tools.actions import bulk_flag, flags, notify_team, order_note
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [
    flags.FLAG_SPEC,
    flags.UNFLAG_SPEC,
    bulk_flag.SPEC,
    order_note.SPEC,
    notify_team.SPEC,
]
