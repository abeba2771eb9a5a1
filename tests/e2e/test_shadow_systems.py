"""/shadow_check and the contract drift in /systems, through the real bot and the Bot API emulator.

SIS is the simulator over real HTTP; its `/kpi/summary` has dropped `refunds` (a SIS deploy drifting
from the contract), which the SIS client records and /systems names by endpoint and field.
"""

from __future__ import annotations

from typing import Any

import pytest

from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.services.shadow_check import AUDIT_EVENT
from ownerbot.sis_sim.server import RunningSimulator
from tests.e2e.conftest import OWNER_ID, StartBot
from tests.integration.sis_caps.conftest import drifting_sim  # noqa: F401  # fixture, by name
from tests.integration.sis_sim.conftest import (  # noqa: F401  # fixtures, by name
    SIM_KEY,
    sim_config,
    sim_db_url,
    sim_template,
)

pytestmark = pytest.mark.e2e


def _sis(sim: RunningSimulator, **overrides: Any) -> dict[str, Any]:
    return {
        "upstream_mode": "SIS_HTTP",
        "sis_base_url": sim.base_url,
        "sis_ownerbot_api_key": SIM_KEY,
        "sis_max_retries": 0,
        **overrides,
    }


async def _ask(emulator: BotApiEmulator, command: str, contains: str) -> str:
    mark = emulator.mark()
    emulator.user_message(OWNER_ID, command)
    call = await emulator.wait_for_message(OWNER_ID, contains=contains, start=mark, timeout=30)
    text: str = call.params["text"]
    return text


async def test_shadow_check_compares_and_systems_shows_drift(
    emulator: BotApiEmulator,
    start_bot: StartBot,
    drifting_sim: RunningSimulator,  # noqa: F811
) -> None:
    bot = await start_bot(**_sis(drifting_sim))
    before = await _ask(emulator, "/systems", "SIS")
    assert "расхождений нет" in before  # contract check on, nothing seen yet

    report = await _ask(emulator, "/shadow_check", "Сверка DEMO ↔ SIS")
    for tool in ("kpi_snapshot", "revenue_trend", "inventory_status"):
        assert tool in report
    assert "Код:" in report
    # OwnerBot's DEMO tables are empty in SIS mode, so SIS's shop differs: every such tool is audited.
    records = await bot.runtime.services.audit.repository.recent(50, event_type=AUDIT_EVENT)
    assert records, "a mismatch must leave an audit event"
    assert all(r.actor_tg_id == OWNER_ID and r.target_system == "SIS" for r in records)
    assert {r.action_name for r in records} <= {
        "kpi_snapshot",
        "revenue_trend",
        "top_products",
        "funnel_snapshot",
        "inventory_status",
        "chats_unanswered",
        "access_summary",
    }

    systems = await _ask(emulator, "/systems", "SIS")
    assert "Дрейф контракта SIS" in systems
    assert "kpi_summary" in systems and "data.refunds" in systems and "missing" in systems


async def test_shadow_check_without_sis_says_so(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot()
    text = await _ask(emulator, "/shadow_check", "SIS_BASE_URL")
    assert "не настроен" in text
    menus = {c.params.get("language_code"): c.params["commands"] for c in emulator.calls("setMyCommands")}
    assert {"command": "shadow_check", "description": "Сверка DEMO и SIS"} in menus[None]
    assert {"command": "shadow_check", "description": "Compare DEMO and SIS"} in menus["en"]


async def test_shadow_check_disabled(emulator: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(shadow_check_enabled=False)
    text = await _ask(emulator, "/shadow_check", "SHADOW_CHECK_ENABLED")
    assert "выключена" in text


async def test_contract_check_disabled_is_shown(
    emulator: BotApiEmulator,
    start_bot: StartBot,
    drifting_sim: RunningSimulator,  # noqa: F811
) -> None:
    await start_bot(**_sis(drifting_sim, sis_contract_check_enabled=False))
    await _ask(emulator, "/shadow_check", "Сверка DEMO ↔ SIS")  # kpi_summary is read, drift not checked
    systems = await _ask(emulator, "/systems", "SIS")
    assert "SIS_CONTRACT_CHECK_ENABLED=0" in systems
    assert "data.refunds" not in systems
