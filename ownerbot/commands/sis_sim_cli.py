"""`ownerbot sis-sim`: run the SIS simulator (a contract-faithful SIS over its own seeded shop).

    ownerbot sis-sim --port 8700 [--database-url URL] [--body-style envelope|legacy] [fault flags]

The key is `--api-key` or `SIS_OWNERBOT_API_KEY` (the one OwnerBot sends); the shop's timezone and
currency come from `SHOP_TIMEZONE`/`SHOP_CURRENCY`; actors allowed on actions are `--actor` ids, else
`OWNER_IDS`, else anyone. The database defaults to `sis_sim.sqlite3` in `OWNERBOT_DATA_DIR`: never
OwnerBot's own database. See docs/sis-simulator.md.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from ownerbot.config.settings import SettingsError, load_settings
from ownerbot.observability.logging import configure_logging
from ownerbot.sis_sim.faults import Faults
from ownerbot.sis_sim.server import DEFAULT_SIM_ORDERS, default_database_url, serve_forever
from ownerbot.sis_sim.state import SimConfig

EXIT_BAD_INPUT = 2

sis_sim_app = typer.Typer(help="The SIS simulator.", invoke_without_command=True)


@sis_sim_app.callback()
def sis_sim(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8700,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    database_url: Annotated[
        str | None, typer.Option(help="The simulator's own database (default: SQLite in the data dir).")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="Key SIS expects (default: SIS_OWNERBOT_API_KEY).", show_default=False)
    ] = None,
    body_style: Annotated[str, typer.Option(help="Actions body style: envelope or legacy.")] = "envelope",
    orders: Annotated[int, typer.Option(min=1, help="Orders to seed on first start.")] = DEFAULT_SIM_ORDERS,
    shop_id: Annotated[int, typer.Option(help="The allowed shop_id.")] = 1,
    actor: Annotated[list[int] | None, typer.Option(help="Allowed actor_tg_id (repeat).")] = None,
    latency_ms: Annotated[int, typer.Option(min=0, help="Fault: added latency per request.")] = 0,
    hang: Annotated[bool, typer.Option(help="Fault: accept requests and never answer.")] = False,
    reset: Annotated[bool, typer.Option(help="Fault: drop the connection after handling.")] = False,
    error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Fault: share of 5xx answers.")] = 0.0,
    error_status: Annotated[int, typer.Option(min=500, max=599, help="Fault: the 5xx status.")] = 503,
    rate_limit: Annotated[bool, typer.Option(help="Fault: answer 429.")] = False,
    malformed_json: Annotated[bool, typer.Option(help="Fault: broken JSON bodies.")] = False,
    missing_provenance: Annotated[bool, typer.Option(help="Fault: read answers without provenance.")] = False,
    auth_status: Annotated[int | None, typer.Option(help="Fault: answer 401 or 403.")] = None,
    not_found: Annotated[list[str] | None, typer.Option(help="Fault: 404 for this family (repeat).")] = None,
    only_family: Annotated[
        list[str] | None, typer.Option(help="Limit faults to this family (repeat).")
    ] = None,
) -> None:
    """Run the SIS simulator until interrupted."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT) from None
    key = api_key or (
        settings.sis_ownerbot_api_key.get_secret_value() if settings.sis_ownerbot_api_key else None
    )
    if not key:
        typer.echo("set SIS_OWNERBOT_API_KEY or pass --api-key", err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT)
    secrets = [*settings.secret_values(), key]
    configure_logging(settings.log_level, settings.log_format.value, secrets)
    if body_style not in ("envelope", "legacy"):
        typer.echo("--body-style must be envelope or legacy", err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT)
    try:
        faults = Faults(
            latency_ms=latency_ms,
            hang=hang,
            reset=reset,
            error_rate=error_rate,
            error_status=error_status,
            rate_limit=rate_limit,
            malformed_json=malformed_json,
            missing_provenance=missing_provenance,
            auth_status=auth_status,
            not_found_families=not_found or [],
            only_families=only_family or [],
        )
    except ValidationError as exc:
        typer.echo(f"bad fault flags: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(code=EXIT_BAD_INPUT) from None
    actors = actor or settings.owner_ids
    style: Literal["envelope", "legacy"] = "legacy" if body_style == "legacy" else "envelope"
    config = SimConfig(
        api_key=key,
        tz=settings.shop_timezone,
        currency=settings.shop_currency,
        shop_id=shop_id,
        allowed_shops=frozenset({shop_id}),
        allowed_actors=frozenset(actors) if actors else None,
        body_style=style,
        faults=faults,
    )
    url = database_url or default_database_url(Path(settings.ownerbot_data_dir))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(config, url, host=host, port=port, orders=orders))
