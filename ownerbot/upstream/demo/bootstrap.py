"""Makes sure a DEMO shop exists and is anchored to today before the bot or a CLI answers from it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ownerbot.storage.demo_models import DemoMeta
from ownerbot.upstream.demo.anchor import ensure_anchored
from ownerbot.upstream.demo.generator import seed_demo

log = logging.getLogger(__name__)

DEFAULT_DEMO_ORDERS = 20_000


async def demo_shop_exists(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(DemoMeta))).scalar_one()
    return bool(count)


async def prepare_demo_shop(
    engine: AsyncEngine, *, tz: str, currency: str, now: datetime, orders: int = DEFAULT_DEMO_ORDERS
) -> str:
    """Seed the demo shop when there is none, otherwise move it forward to today. Returns what it did."""
    if not await demo_shop_exists(engine):
        report = await seed_demo(engine, orders=orders, now=now, tz=tz, currency=currency)
        log.info("demo_shop_seeded", extra={"orders": orders, "seconds": round(report.seconds, 1)})
        return f"seeded {orders} orders"
    shifted = await ensure_anchored(engine, tz=tz, now=now)
    if shifted:
        log.info("demo_shop_reanchored", extra={"days": shifted})
    return f"anchored (+{shifted} days)"
