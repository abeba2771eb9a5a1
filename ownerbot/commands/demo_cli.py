"""`ownerbot demo seed|reset`: fill the DEMO shop tables with a generated shop, or empty them."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from ownerbot.commands.tool_cli import _load_settings
from ownerbot.config.settings import Settings
from ownerbot.storage.engine import create_engine
from ownerbot.storage.migrate import upgrade
from ownerbot.upstream.demo.generator import MAX_HISTORY_DAYS, MAX_ORDERS, SeedReport, reset_demo, seed_demo

demo_app = typer.Typer(help="The DEMO shop in OwnerBot's own database.", no_args_is_help=True)


async def _seed(settings: Settings, orders: int, seed: int, days: int) -> SeedReport:
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    try:
        return await seed_demo(
            engine,
            orders=orders,
            seed=seed,
            tz=settings.shop_timezone,
            currency=settings.shop_currency,
            history_days=days,
        )
    finally:
        await engine.dispose()


async def _reset(settings: Settings) -> None:
    await upgrade(settings.resolved_database_url)
    engine = create_engine(settings)
    try:
        await reset_demo(engine)
    finally:
        await engine.dispose()


@demo_app.command("seed")
def seed_command(
    orders: Annotated[int, typer.Option(min=1, max=MAX_ORDERS, help="Orders to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same shop.")] = 42,
    days: Annotated[int, typer.Option(min=1, max=MAX_HISTORY_DAYS, help="Days of history up to now.")] = 120,
) -> None:
    """Replace the demo data with a generated shop anchored at the current time."""
    settings = _load_settings()
    report = asyncio.run(_seed(settings, orders, seed, days))
    for table, count in report.counts.items():
        typer.echo(f"{table:<26} {count:>10}")
    typer.echo(f"{'total':<26} {sum(report.counts.values()):>10}")
    typer.echo(f"seeded the demo shop in {report.seconds:.1f} s ({settings.storage_backend})")


@demo_app.command("reset")
def reset_command() -> None:
    """Delete every demo row."""
    settings = _load_settings()
    asyncio.run(_reset(settings))
    typer.echo(f"demo data deleted ({settings.storage_backend})")
