"""«Нужно ли обновлять цены?» through the bot: the answer is a preview without buttons, no confirm token
is stored, and a forged ✅ press on that message is refused as tamper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ownerbot.actions.canonical import new_token_id
from ownerbot.bot.keyboards.actions import ActionConfirmCallback
from ownerbot.playground.emulator import BotApiEmulator
from ownerbot.storage.action_models import ActionConfirmToken, ActionExecution
from ownerbot.storage.demo_models import DemoFxSnapshot
from ownerbot.storage.engine import create_session_factory
from ownerbot.upstream.catalog import RepriceParams
from ownerbot.upstream.demo.catalog_ops import DemoCatalogActions
from tests.e2e.conftest import OWNER_ID, StartBot
from tests.e2e.templates_support import barrier, call_buttons, message_id_of, press, say, seed_shop
from tests.integration.catalog.conftest import latest_rate_set

pytestmark = pytest.mark.e2e

TAMPER = "Некорректное подтверждение. Запусти действие снова."


async def test_fx_question_has_no_token_and_refuses_a_forged_confirm(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await seed_shop(bot)
    sessions = create_session_factory(bot.runtime.engine)
    currency = bot.runtime.settings.shop_currency
    # A baseline reprice, then the USD rate moves 5 %: the question has a real answer («да, N товаров»).
    latest = await latest_rate_set(sessions)
    ops = DemoCatalogActions(sessions, currency=currency)
    params = {"rate_set_id": latest.rate_set_id, "input_currency": "USD", "shop_currency": currency}
    now = datetime.now(UTC)
    await ops.reprice_apply(RepriceParams.model_validate(params), force=True, actor_id=OWNER_ID, now=now)
    async with sessions() as session:
        session.add(
            DemoFxSnapshot(
                id=100_000,
                rate_set_id="rs-moved",
                base_currency=latest.base_currency,
                rates={**latest.rates, "USD": str(Decimal(latest.rates["USD"]) * Decimal("0.95"))},
                fetched_at=now + timedelta(minutes=1),
            )
        )
        await session.commit()

    answer = await say(emulator, "нужно ли обновлять цены?")
    text = str(answer.params.get("text"))
    assert "Затронуто" in text and "Подтверди до" not in text, text
    assert call_buttons(answer) == []
    audit = bot.runtime.services.audit.repository
    previews = await audit.recent(event_type="ACTION_PREVIEW")
    assert [(p.action_name, p.status) for p in previews] == [("sis_fx_reprice_auto", "preview_only")]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ActionConfirmToken)) == 0

    forged = ActionConfirmCallback(token=new_token_id()).pack()
    reply, _ = await press(emulator, message_id_of(answer), forged, strict=False)
    assert reply["text"] == TAMPER and reply.get("show_alert") is True
    await barrier(emulator)
    assert await audit.count(event_type="ACTION_TAMPER") == 1
    assert await audit.count(event_type="ACTION_COMMIT") == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ActionExecution)) == 0
        assert await session.scalar(select(func.count()).select_from(ActionConfirmToken)) == 0
