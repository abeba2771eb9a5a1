"""SIS faults against the running bot: the Bot API emulator in front, the SIS simulator behind.

The owner asks for a text report (`/trend 7`: a chart, then a text summary; six SIS reads) while the
simulator misbehaves: down, hanging, slow (just under and just over SIS_TIMEOUT_SEC), 5xx bursts, 429,
malformed JSON, missing provenance, 401/403. Each test checks that the owner gets an answer — DEMO figures
labelled «данные DEMO: SIS недоступен» in AUTO, or a clear SIS_UNAVAILABLE / SIS_AUTH_ERROR /
PROVENANCE_INCOMPLETE in SIS_HTTP — that no figure appears without provenance, that the breaker opens
(answers then come without waiting for SIS) and that it closes after the cool-down once the fault is gone.
Times are taken with a monotonic clock and bounded relative to SIS_TIMEOUT_SEC; state is polled.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ownerbot.bot.report_delivery import cooldown_key, lock_name
from ownerbot.playground.emulator import ApiCall, BotApiEmulator
from ownerbot.reports.inputs import ReportKind, ReportRequest
from ownerbot.sis_sim.server import RunningSimulator, prepare_database, start_simulator
from ownerbot.sis_sim.state import SimConfig
from ownerbot.state.base import LOCK_KEY_PREFIX
from ownerbot.upstream.sis.breaker import BreakerState
from ownerbot.upstream.sis.client import SisClient
from tests.e2e.conftest import OWNER_ID, RunningBot, StartBot
from tests.integration.sis_sim.conftest import SIM_KEY, SimAdmin

pytestmark = pytest.mark.e2e

TIMEOUT = 1.5  # SIS_TIMEOUT_SEC
COOLDOWN = 3.0  # SIS_BREAKER_COOLDOWN_SEC: long enough to see the open breaker, short enough to wait out
FAILURES = 3  # SIS_BREAKER_FAILURES
SIM_ORDERS = 200
TREND = "/trend 7"
LABEL = "данные DEMO: SIS недоступен"
UNAVAILABLE = "Данные недоступны: {code}."
BUSY = "Уже готовлю отчёт"
# A money figure as the summaries print it (babel, ru): "1 234,56 €".
MONEY = re.compile(r"\d[\d\s\u00a0\u202f]*(?:,\d+)?\s?€")


@pytest.fixture(scope="module")
def sim_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sis_faults_sim") / "template.sqlite3"
    asyncio.run(
        prepare_database(f"sqlite+aiosqlite:///{path}", tz="Europe/Berlin", currency="EUR", orders=SIM_ORDERS)
    )
    return path


class Sis:
    """The simulator on a fixed port, which can go down (connection refused) and come back."""

    def __init__(self, template: Path, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        copy = directory / "sim.sqlite3"
        shutil.copyfile(template, copy)
        self.url = f"sqlite+aiosqlite:///{copy}"
        self.config = SimConfig(api_key=SIM_KEY)
        self.running: RunningSimulator | None = None
        self.port = 0
        self.admin: SimAdmin | None = None

    async def up(self) -> None:
        self.running = await start_simulator(self.config, self.url, port=self.port)
        self.port = self.running.port
        if self.admin is None:
            self.admin = SimAdmin(self.base_url)

    async def down(self) -> None:
        if self.running is not None:
            await self.running.stop()
            self.running = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def faults(self, **faults: Any) -> None:
        assert self.admin is not None
        await self.admin.faults(**faults)

    async def requests(self) -> int:
        assert self.admin is not None
        return sum((await self.admin.stats())["requests"].values())


@pytest.fixture
async def sis(sim_template: Path, tmp_path: Path) -> AsyncIterator[Sis]:
    running = Sis(sim_template, tmp_path / "sis")
    await running.up()
    yield running
    await running.down()
    if running.admin is not None:
        await running.admin.aclose()


@dataclass(frozen=True)
class Answer:
    summary: str
    seconds: float

    @property
    def labelled(self) -> bool:
        return LABEL in self.summary

    @property
    def has_figures(self) -> bool:
        return MONEY.search(self.summary) is not None


class Owner:
    """The owner's side of the chat, with the running bot's SIS client and state to poll."""

    def __init__(self, emulator: BotApiEmulator, bot: RunningBot) -> None:
        self.emulator = emulator
        self.bot = bot

    @property
    def client(self) -> SisClient:
        modes = self.bot.runtime.services.upstream
        assert modes is not None
        client = modes.sis_client()
        assert client is not None
        return client

    @property
    def breaker(self) -> BreakerState:
        return self.client.breaker.state

    async def trend(self) -> Answer:
        """`/trend 7` and its text summary; the double-tap cooldown is cleared (it is not under test)."""
        state = self.bot.runtime.state
        request = ReportRequest(ReportKind.TREND, locale="ru", days=7)
        await state.delete(cooldown_key(OWNER_ID, request))
        # The previous delivery releases its lock right after its last message: wait until it has.
        await until(lambda: _free(state, LOCK_KEY_PREFIX + lock_name(OWNER_ID)))
        mark = self.emulator.mark()
        started = time.monotonic()
        self.emulator.user_message(OWNER_ID, TREND)
        call = await self.emulator.wait_for(_text_to_owner, start=mark, timeout=30)
        seconds = time.monotonic() - started
        text: str = call.params["text"]
        assert BUSY not in text, text
        return Answer(text, seconds)


def _text_to_owner(call: ApiCall) -> bool:
    return call.method == "sendMessage" and call.ok and str(call.params.get("chat_id")) == str(OWNER_ID)


async def _free(state: Any, key: str) -> bool:
    return await state.get(key) is None


async def until(check: Callable[[], Awaitable[bool] | bool], timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Poll `check` (state, not time) until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if outcome if isinstance(outcome, bool) else await outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


@pytest.fixture
def start_owner(emulator: BotApiEmulator, start_bot: StartBot, sis: Sis) -> Callable[[str], Awaitable[Owner]]:
    async def start(mode: str) -> Owner:
        bot = await start_bot(
            upstream_mode=mode,
            sis_base_url=sis.base_url,
            sis_ownerbot_api_key=SIM_KEY,
            sis_timeout_sec=TIMEOUT,
            sis_max_retries=1,
            sis_retry_backoff_base_sec=0,
            sis_breaker_failures=FAILURES,
            sis_breaker_cooldown_sec=COOLDOWN,
        )
        if mode == "AUTO":  # DEMO's own data, for the fallback
            from ownerbot.upstream.demo.generator import seed_demo

            settings = bot.runtime.settings
            await seed_demo(
                bot.runtime.engine,
                orders=150,
                seed=5,
                now=datetime.now(UTC),
                tz=settings.shop_timezone,
                currency=settings.shop_currency,
                history_days=30,
            )
        return Owner(emulator, bot)

    return start


StartOwner = Callable[[str], Awaitable[Owner]]


def assert_sis_answer(answer: Answer) -> None:
    """Figures from SIS, unlabelled (SIS answered with provenance)."""
    assert answer.has_figures and not answer.labelled, answer.summary


def assert_labelled_demo(answer: Answer) -> None:
    assert answer.has_figures and answer.labelled, answer.summary


def assert_refused(answer: Answer, code: str) -> None:
    """A clear error in place of the figures: nothing shown as fact."""
    assert UNAVAILABLE.format(code=code) in answer.summary, answer.summary
    assert not answer.has_figures and not answer.labelled, answer.summary


async def fast_while_open(owner: Owner, sis: Sis, check: Callable[[Answer], None]) -> None:
    """With the breaker open the answer comes without asking SIS, well inside SIS_TIMEOUT_SEC."""
    assert owner.breaker is BreakerState.OPEN
    asked = await sis.requests()
    answer = await owner.trend()
    check(answer)
    assert answer.seconds < TIMEOUT, answer.seconds
    assert await sis.requests() == asked
    assert owner.breaker is BreakerState.OPEN  # still cooling down: SIS was not probed


async def closes_after_cooldown(owner: Owner) -> None:
    """After the cool-down one probe goes through; its success closes the breaker; then all is SIS."""
    await until(lambda: owner.breaker is BreakerState.HALF_OPEN, timeout=COOLDOWN * 3)
    await owner.trend()  # carries the probe (the report's other reads are still refused meanwhile)
    await until(lambda: owner.breaker is BreakerState.CLOSED)
    assert_sis_answer(await owner.trend())
    assert owner.breaker is BreakerState.CLOSED


# -- the faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_down_refusing_connections(start_owner: StartOwner, sis: Sis, mode: str) -> None:
    owner = await start_owner(mode)
    assert_sis_answer(await owner.trend())
    await sis.down()
    answer = await owner.trend()
    if mode == "AUTO":
        assert_labelled_demo(answer)
    else:
        assert_refused(answer, "SIS_UNAVAILABLE")
    assert answer.seconds < TIMEOUT * 2  # a refused connection fails fast, never the retry ladder
    assert owner.breaker is BreakerState.OPEN
    await sis.up()  # SIS is back on the same address
    await closes_after_cooldown(owner)


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_hanging(start_owner: StartOwner, sis: Sis, mode: str) -> None:
    owner = await start_owner(mode)
    check = assert_labelled_demo if mode == "AUTO" else (lambda a: assert_refused(a, "SIS_UNAVAILABLE"))
    await sis.faults(hang=True)
    first = await owner.trend()
    check(first)
    # The first failing call waits out SIS_TIMEOUT_SEC once (the report's reads run side by side), and
    # is answered well before the tool deadline (10 s) would cancel it.
    assert TIMEOUT * 0.9 <= first.seconds < TIMEOUT * 3, first.seconds
    assert owner.breaker is BreakerState.OPEN
    await fast_while_open(owner, sis, check)
    await sis.faults()
    await closes_after_cooldown(owner)


async def test_sis_slow_just_under_the_timeout(start_owner: StartOwner, sis: Sis) -> None:
    owner = await start_owner("AUTO")
    await sis.faults(latency_ms=int(TIMEOUT * 1000 * 0.6))
    answer = await owner.trend()
    assert_sis_answer(answer)
    assert answer.seconds >= TIMEOUT * 0.6
    snapshot = owner.client.breaker.snapshot()
    assert (snapshot.state, snapshot.consecutive_failures) == (BreakerState.CLOSED, 0)


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_slow_just_over_the_timeout(start_owner: StartOwner, sis: Sis, mode: str) -> None:
    owner = await start_owner(mode)
    await sis.faults(latency_ms=int(TIMEOUT * 1000 * 1.3))
    answer = await owner.trend()
    if mode == "AUTO":
        assert_labelled_demo(answer)
    else:
        assert_refused(answer, "SIS_UNAVAILABLE")
    assert answer.seconds < TIMEOUT * 3, answer.seconds
    assert owner.breaker is BreakerState.OPEN
    await sis.faults()
    await closes_after_cooldown(owner)


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_5xx_burst(start_owner: StartOwner, sis: Sis, mode: str) -> None:
    owner = await start_owner(mode)
    check = assert_labelled_demo if mode == "AUTO" else (lambda a: assert_refused(a, "SIS_UNAVAILABLE"))
    await sis.faults(error_rate=1.0, error_status=502)
    check(await owner.trend())
    assert owner.breaker is BreakerState.OPEN
    await fast_while_open(owner, sis, check)
    await sis.faults()  # the burst is over
    await closes_after_cooldown(owner)


async def test_sis_rate_limited(start_owner: StartOwner, sis: Sis) -> None:
    owner = await start_owner("AUTO")
    await sis.faults(rate_limit=True)
    assert_labelled_demo(await owner.trend())
    assert owner.breaker is BreakerState.OPEN
    await fast_while_open(owner, sis, assert_labelled_demo)
    await sis.faults()
    await closes_after_cooldown(owner)


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_malformed_json(start_owner: StartOwner, sis: Sis, mode: str) -> None:
    owner = await start_owner(mode)
    await sis.faults(malformed_json=True)
    answer = await owner.trend()
    if mode == "AUTO":
        assert_labelled_demo(answer)
    else:
        assert_refused(answer, "SIS_UNAVAILABLE")
    assert owner.breaker is BreakerState.OPEN
    await sis.faults()
    await closes_after_cooldown(owner)


@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_answer_without_provenance_is_never_shown(
    start_owner: StartOwner, sis: Sis, mode: str
) -> None:
    owner = await start_owner(mode)
    await sis.faults(missing_provenance=True)
    # Not hidden behind DEMO figures in AUTO either: SIS is up, its answer is not fit to show.
    assert_refused(await owner.trend(), "PROVENANCE_INCOMPLETE")
    assert owner.breaker is BreakerState.CLOSED  # SIS answered: not an outage
    await sis.faults()
    assert_sis_answer(await owner.trend())


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("mode", ["AUTO", "SIS_HTTP"])
async def test_sis_auth_errors(start_owner: StartOwner, sis: Sis, mode: str, status: int) -> None:
    owner = await start_owner(mode)
    await sis.faults(auth_status=status)
    assert_refused(await owner.trend(), "SIS_AUTH_ERROR")
    assert owner.breaker is BreakerState.CLOSED  # a configuration problem, not an outage
    await sis.faults()
    assert_sis_answer(await owner.trend())
