"""Operations read tools: orders, catalog, support queue, access, renewals, AutoNudge, audit, health."""

from __future__ import annotations

from typing import Any

from ownerbot.tools.read.ops import (
    access_summary,
    chats_unanswered,
    inventory_status,
    nudge_health,
    order_detail,
    orders_search,
    renew_summary,
    sales_health,
    sys_audit_recent,
    team_queue_summary,
)
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [
    orders_search.SPEC,
    order_detail.SPEC,
    inventory_status.SPEC,
    chats_unanswered.SPEC,
    team_queue_summary.SPEC,
    access_summary.SPEC,
    renew_summary.SPEC,
    nudge_health.SPEC,
    sys_audit_recent.SPEC,
    sales_health.SPEC,
]
