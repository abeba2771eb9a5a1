"""Read-tool latency on a throwaway PostgreSQL database holding N generated orders.

    python -m bench.read_tools                  # 1,000,000 orders (the documented run)
    python -m bench.read_tools --orders 20000   # a quick run

Creates `ownerbot_bench_<hex>` next to the admin database (`--admin-dsn`, or OWNERBOT_BENCH_PG_DSN,
default postgresql://postgres@127.0.0.1:5432/postgres), migrates it, seeds the demo shop with the
generator (timed), then runs every read tool of the catalog through the ToolRunner: 3 warm-ups and 50
timed calls each, reporting p50/p95/max against the targets. The raw SQL over the order and payment
tables that answers the same question as `kpi_snapshot` (30 days) and `revenue_trend` (90 days) is
timed too, to show what the rollups save. Writes bench/results/read_tools.json and the table section
of docs/benchmarks.md; the database is dropped at the end unless `--keep`. Exit 1 when a row FAILs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # ships no type hints
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import (
    BaselineRow,
    BenchReport,
    ToolRow,
    machine_summary,
    percentiles,
    print_report,
    write_docs,
    write_json,
)
from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.domain.windows import DayWindow, local_day
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Actor, Tenant, ToolKind, ToolRequest, ToolResponse
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.base import UpstreamProvider
from ownerbot.upstream.factory import build_provider

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS_PATH = ROOT / "bench" / "results" / "read_tools.json"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
FAST_MS = 30.0
LIST_MS = 100.0


@dataclass(frozen=True)
class BenchCase:
    """One measured call: a label for the table, the tool, its payload and the p95 target (if any)."""

    label: str
    tool: str
    payload: dict[str, Any]
    target_ms: float | None


# The calls with a target (docs/benchmarks.md); every other read tool runs with its first example.
TARGETED: tuple[BenchCase, ...] = (
    BenchCase("kpi_snapshot 30d", "kpi_snapshot", {"range": "30d"}, FAST_MS),
    BenchCase("kpi_compare mom", "kpi_compare", {"preset": "mom"}, FAST_MS),
    BenchCase("revenue_trend 90d", "revenue_trend", {"days": 90}, FAST_MS),
    BenchCase("funnel_snapshot 30d", "funnel_snapshot", {"range": "30d"}, FAST_MS),
    BenchCase("top_products 30d", "top_products", {"days": 30}, LIST_MS),
    BenchCase("orders_search stuck", "orders_search", {"preset": "stuck"}, LIST_MS),
    BenchCase("orders_search late_ship", "orders_search", {"preset": "late_ship"}, LIST_MS),
    BenchCase("orders_search payment_issues", "orders_search", {"preset": "payment_issues"}, LIST_MS),
    BenchCase("inventory_status", "inventory_status", {}, LIST_MS),
    BenchCase("sales_health", "sales_health", {}, LIST_MS),
)

# Measured without a target, beside every read tool's first example: the slow path the docs explain.
UNTARGETED: tuple[BenchCase, ...] = (BenchCase("orders_search q", "orders_search", {"q": "1234"}, None),)

# Raw SQL over the base tables for the same answers (definitions of ownerbot/upstream/sales.py).
KPI_SQL = text(
    """
    SELECT
      (SELECT coalesce(sum(amount), 0) FROM demo_payments
        WHERE status IN ('confirmed', 'refunded') AND confirmed_at >= :start AND confirmed_at < :end)
        AS revenue_gross,
      (SELECT coalesce(sum(refund_amount), 0) FROM demo_payments
        WHERE refunded_at >= :start AND refunded_at < :end) AS refunds,
      (SELECT count(*) FROM demo_orders WHERE created_at >= :start AND created_at < :end) AS orders_created,
      (SELECT count(*) FROM demo_orders WHERE paid_at >= :start AND paid_at < :end) AS orders_paid,
      (SELECT coalesce(sum(total), 0) FROM demo_orders WHERE paid_at >= :start AND paid_at < :end)
        AS paid_orders_value
    """
)
TREND_SQL = text(
    """
    SELECT CAST(confirmed_at AT TIME ZONE :tz AS date) AS day, sum(amount) AS revenue, count(*) AS payments
    FROM demo_payments
    WHERE status IN ('confirmed', 'refunded') AND confirmed_at >= :start AND confirmed_at < :end
    GROUP BY 1
    ORDER BY 1
    """
)

Seeder = Callable[[AsyncEngine, "BenchOptions", datetime], Awaitable[Any]]
RegistryFactory = Callable[[], ToolRegistry]


@dataclass
class BenchOptions:
    orders: int = 1_000_000
    seed: int = 42
    history_days: int = 365
    tz: str = "Europe/Berlin"
    currency: str = "EUR"
    calls: int = 50
    warmup: int = 3
    admin_dsn: str = DEFAULT_ADMIN_DSN
    keep: bool = False
    write: bool = True
    results_path: Path = RESULTS_PATH
    docs_path: Path = DOCS_PATH


async def seed_with_generator(engine: AsyncEngine, options: BenchOptions, now: datetime) -> Any:
    """Seed the demo shop with the project's generator (imported by name: it ships separately)."""
    generator = importlib.import_module("ownerbot.upstream.demo.generator")
    return await generator.seed_demo(
        engine,
        orders=options.orders,
        seed=options.seed,
        now=now,
        tz=options.tz,
        currency=options.currency,
        history_days=options.history_days,
    )


def default_registry() -> ToolRegistry:
    from ownerbot.tools.catalog import default_registry as catalog

    return catalog()


def plan_cases(registry: ToolRegistry) -> list[BenchCase]:
    """The targeted and extra calls whose tool exists, then every other read tool with its first example."""
    cases = [case for case in (*TARGETED, *UNTARGETED) if case.tool in registry]
    covered = {case.tool for case in cases}
    for spec in registry.all():
        if spec.kind is ToolKind.READ and spec.name not in covered:
            payload = dict(spec.examples[0]) if spec.examples else {}
            cases.append(BenchCase(spec.name, spec.name, payload, None))
    return cases


async def timed(call: Callable[[], Awaitable[Any]], *, warmup: int, calls: int) -> tuple[list[float], Any]:
    """Durations in ms of `calls` sequential awaits after `warmup` untimed ones, and the last result."""
    last: Any = None
    for _ in range(warmup):
        last = await call()
    durations: list[float] = []
    for _ in range(calls):
        started = time.perf_counter()
        last = await call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations, last


async def measure_tools(
    runner: ToolRunner, cases: Sequence[BenchCase], options: BenchOptions
) -> tuple[list[ToolRow], dict[str, Any]]:
    """Run each case through the runner: the rows, and the data answered by the baseline-compared calls."""
    rows: list[ToolRow] = []
    samples: dict[str, Any] = {}
    for case in cases:

        async def call(case: BenchCase = case) -> ToolResponse:
            request = ToolRequest(
                tool=case.tool,
                correlation_id=secrets.token_hex(16),
                actor=Actor(role="system"),
                tenant=Tenant(timezone=options.tz, currency=options.currency),
                payload=case.payload,
            )
            return await runner.run(request)

        durations, response = await timed(call, warmup=options.warmup, calls=options.calls)
        error = response.error.code.value if response.error is not None else None
        p50, p95, worst = percentiles(durations)
        rows.append(ToolRow(case.label, case.tool, case.payload, case.target_ms, p50, p95, worst, error))
        if case.label in ("kpi_snapshot 30d", "revenue_trend 90d") and error is None:
            samples[case.label] = response.model_dump(mode="json")["data"]
        print(f"  {rows[-1].line()}", flush=True)
    return rows, samples


async def measure_baselines(
    engine: AsyncEngine, options: BenchOptions, now: datetime, tool_rows: Sequence[ToolRow]
) -> list[BaselineRow]:
    """Time the raw SQL that answers kpi_snapshot 30d and revenue_trend 90d (with its previous window)."""
    today = local_day(now, options.tz)
    kpi_start, kpi_end = DayWindow.last_days(30, today, options.tz).utc_bounds()
    trend = DayWindow.last_days(90, today, options.tz)
    trend_start, trend_end = trend.previous().utc_bounds()[0], trend.utc_bounds()[1]
    queries = (
        ("kpi_snapshot 30d", KPI_SQL, {"start": kpi_start, "end": kpi_end}),
        ("revenue_trend 90d", TREND_SQL, {"start": trend_start, "end": trend_end, "tz": options.tz}),
    )
    tool_p50 = {row.label: row.p50_ms for row in tool_rows if row.error_code is None}
    baselines: list[BaselineRow] = []
    for label, statement, params in queries:

        async def call(statement: Any = statement, params: dict[str, Any] = params) -> list[dict[str, Any]]:
            async with engine.connect() as connection:
                result = await connection.execute(statement, params)
                return [dict(row._mapping) for row in result]

        durations, answer = await timed(call, warmup=options.warmup, calls=options.calls)
        p50, p95, worst = percentiles(durations)
        baselines.append(BaselineRow(label, p50, p95, worst, tool_p50.get(label), _jsonable(answer)))
        print(f"  raw SQL for {baselines[-1].line()}", flush=True)
    return baselines


async def run_benchmark(
    options: BenchOptions,
    *,
    seeder: Seeder = seed_with_generator,
    registry_factory: RegistryFactory = default_registry,
    provider_factory: Callable[[Settings, Any], UpstreamProvider] = build_provider,
) -> BenchReport:
    """Create, migrate and seed a database, measure every read tool and the SQL baselines, drop it."""
    async with throwaway_database(options) as (url, server_version):
        return await _measure(options, url, server_version, seeder, registry_factory, provider_factory)


@asynccontextmanager
async def throwaway_database(options: BenchOptions) -> AsyncIterator[tuple[str, str]]:
    """A new empty database `ownerbot_bench_<hex>` (its asyncpg URL, the server version); dropped on exit
    unless `options.keep`. Shared with the other benchmarks (bench/reports.py)."""
    admin_url = make_url(options.admin_dsn)
    name = f"ownerbot_bench_{secrets.token_hex(6)}"
    url = admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    safe_url = make_url(url).render_as_string(hide_password=True)
    admin = await asyncpg.connect(options.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        server_version = await admin.fetchval("SHOW server_version")
        print(f"database {safe_url}", flush=True)
        try:
            yield url, server_version
        finally:
            if options.keep:
                print(f"kept {safe_url}", flush=True)
            else:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _measure(
    options: BenchOptions,
    url: str,
    server_version: str,
    seeder: Seeder,
    registry_factory: RegistryFactory,
    provider_factory: Callable[[Settings, Any], UpstreamProvider],
) -> BenchReport:
    registry = registry_factory()
    await upgrade(url)
    engine = create_engine_for_url(url)
    try:
        now = datetime.now(UTC)
        print(f"seeding {options.orders:,} orders over {options.history_days} days …", flush=True)
        started = time.perf_counter()
        seed_report = await seeder(engine, options, now)
        seed_seconds = time.perf_counter() - started
        started = time.perf_counter()
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
        analyze_seconds = time.perf_counter() - started
        print(f"seeded in {seed_seconds:.1f} s, ANALYZE {analyze_seconds:.1f} s", flush=True)

        settings = Settings(
            _env_file=None,
            database_url=url,
            upstream_mode=UpstreamMode.DEMO,
            shop_timezone=options.tz,
            shop_currency=options.currency,
        )
        session_factory = create_session_factory(engine)
        provider = provider_factory(settings, session_factory)
        runner = ToolRunner(
            registry,
            provider_for=lambda: provider,
            audit=None,
            clock=lambda: now,
            services={"audit_repository": AuditRepository(session_factory)},
        )
        print(f"{options.calls} calls per tool after {options.warmup} warm-ups:", flush=True)
        tool_rows, samples = await measure_tools(runner, plan_cases(registry), options)
        baselines = await measure_baselines(engine, options, now, tool_rows)
    finally:
        await engine.dispose()
    return BenchReport(
        generated_at=datetime.now(UTC),
        machine=machine_summary(server_version),
        options={
            "orders": options.orders,
            "seed": options.seed,
            "history_days": options.history_days,
            "tz": options.tz,
            "currency": options.currency,
            "calls": options.calls,
            "warmup": options.warmup,
        },
        seed_seconds=seed_seconds,
        analyze_seconds=analyze_seconds,
        seed_report=_jsonable(seed_report),
        tools=tool_rows,
        baselines=baselines,
        samples=samples,
    )


def _jsonable(value: Any) -> Any:
    """Plain JSON data from pydantic models, dataclasses, dicts, lists and scalars (others as text)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def parse_args(argv: Sequence[str] | None = None) -> BenchOptions:
    parser = argparse.ArgumentParser(prog="python -m bench.read_tools", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--orders", type=int, default=1_000_000, help="orders to generate (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--history-days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument("--tz", default="Europe/Berlin", help="shop timezone (default Europe/Berlin)")
    parser.add_argument("--currency", default="EUR", help="shop currency (default EUR)")
    parser.add_argument("--calls", type=int, default=50, help="timed calls per tool (default 50)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first (default 3)")
    parser.add_argument(
        "--admin-dsn",
        default=os.environ.get("OWNERBOT_BENCH_PG_DSN", DEFAULT_ADMIN_DSN),
        help="PostgreSQL database to connect to for CREATE/DROP DATABASE (env OWNERBOT_BENCH_PG_DSN)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database instead of dropping it")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch results or docs")
    args = parser.parse_args(argv)
    for name in ("orders", "calls", "history_days"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    return BenchOptions(
        orders=args.orders,
        seed=args.seed,
        history_days=args.history_days,
        tz=args.tz,
        currency=args.currency,
        calls=args.calls,
        warmup=args.warmup,
        admin_dsn=args.admin_dsn,
        keep=args.keep,
        write=not args.no_write,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every targeted call meets its target and no call failed."""
    options = parse_args(argv)
    report = asyncio.run(run_benchmark(options))
    print_report(report)
    if options.write:
        write_json(report, options.results_path)
        write_docs(report, options.docs_path)
        print(f"wrote {options.results_path} and {options.docs_path}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
