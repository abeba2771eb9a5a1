"""Action tools (flags, notes, team messages; SIS catalog actions): each is a `ToolSpec` of kind ACTION.

They run only through the ACTION pipeline (`ownerbot/actions/`); their read `handler` refuses.
"""

from __future__ import annotations

from typing import Any

from ownerbot.tools.actions import (
    bulk_flag,
    flags,
    notify_team,
    order_note,
    sis_discounts_clear,
    sis_discounts_set,
    sis_fx_reprice,
    sis_fx_reprice_auto,
    sis_fx_rollback,
    sis_fx_settings_update,
    sis_looks_publish,
    sis_prices_bump,
    sis_products_publish,
)
from ownerbot.tools.registry import ToolSpec

SPECS: list[ToolSpec[Any]] = [
    flags.FLAG_SPEC,
    flags.UNFLAG_SPEC,
    bulk_flag.SPEC,
    order_note.SPEC,
    notify_team.SPEC,
    sis_prices_bump.SPEC,
    sis_fx_reprice.SPEC,
    sis_fx_rollback.SPEC,
    sis_fx_reprice_auto.SPEC,
    sis_fx_settings_update.SPEC,
    sis_products_publish.SPEC,
    sis_looks_publish.SPEC,
    sis_discounts_set.SPEC,
    sis_discounts_clear.SPEC,
]
