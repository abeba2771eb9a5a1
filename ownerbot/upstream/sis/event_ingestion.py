"""Event ingestion at run time: the background pull loop and the push endpoint, built from settings.

`build_event_ingestion` gives the runtime an `EventIngestion` to start with polling and stop on close:
the pull loop when SIS is configured (pulling only while the mode is SIS_HTTP or AUTO), the signed push
endpoint when `SIS_EVENTS_PUSH_SECRET` and `SIS_EVENTS_PUSH_LISTEN` are set (docs/sis-events.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings
from ownerbot.storage.repositories.sis_events import SisEventRepository
from ownerbot.upstream.sis.errors import SisError
from ownerbot.upstream.sis.events import EventIngestor, EventSink, PullReport

log = logging.getLogger(__name__)

# Every 30 s: the owner's funnel/renew/nudge answers lag SIS by at most half a minute plus one page
# run, while an idle SIS sees two cheap calls a minute. Pushes (when enabled) make it near-instant.
PULL_INTERVAL_SEC = 30.0
# The same failure is logged once, then again at most every 10 minutes while it lasts.
FAILURE_LOG_EVERY_SEC = 600.0


class FailureThrottle:
    """Logs a failure the first time, then the same failure at most every `every_sec` while it lasts."""

    def __init__(self, every_sec: float = FAILURE_LOG_EVERY_SEC, clock: Callable[[], float] = time.monotonic):
        self._every = every_sec
        self._clock = clock
        self._last_key: str | None = None
        self._last_at = 0.0
        self.suppressed = 0

    def failed(self, key: str) -> bool:
        """True when this failure should be logged now."""
        now = self._clock()
        if key != self._last_key or now - self._last_at >= self._every:
            self._last_key, self._last_at = key, now
            return True
        self.suppressed += 1
        return False

    def recovered(self) -> bool:
        """True when a failure streak just ended (log it once)."""
        was_failing = self._last_key is not None
        self._last_key, self.suppressed = None, 0
        return was_failing


class EventPullLoop:
    """`pull_once` every `interval` seconds until `stop()`; `active()` says whether to pull now.

    The first pass runs one interval after `start()`: start-up stays quick, and a mode switched to
    SIS at run time (`active`) is picked up on the next tick.
    """

    def __init__(
        self,
        ingestor: EventIngestor,
        *,
        interval: float = PULL_INTERVAL_SEC,
        active: Callable[[], bool] = lambda: True,
        throttle: FailureThrottle | None = None,
        on_success: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._ingestor = ingestor
        self._on_success = on_success  # e.g. `SisEventRepository.mark_pulled`, for the status views
        self._interval = interval
        self._active = active
        self._throttle = throttle or FailureThrottle()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="sis-events-pull")

    async def stop(self) -> None:
        """Ask the loop to end and wait for it (a pass in flight is cancelled: its page is re-read)."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def tick(self) -> PullReport | None:
        """One guarded pass: never raises (except cancellation); failures are logged, throttled."""
        if not self._active():
            return None
        try:
            report = await self._ingestor.pull_once()
            if self._on_success is not None:
                await self._on_success()
        except asyncio.CancelledError:
            raise
        except SisError as error:
            if self._throttle.failed(f"sis:{error.code.value}"):
                log.warning(
                    "sis_events_pull_failed",
                    extra={
                        "code": error.code.value,
                        "status": error.status,
                        "suppressed": self._throttle.suppressed,
                    },
                )
            return None
        except Exception as exc:  # a database hiccup must not end the loop
            if self._throttle.failed(f"error:{type(exc).__name__}"):
                log.exception("sis_events_pull_error", extra={"error": type(exc).__name__})
            return None
        finally:
            self.passes += 1
        if self._throttle.recovered():
            log.info("sis_events_pull_recovered")
        if report.stored:
            log.info("sis_events_pulled", extra={"stored": report.stored, "pages": report.pages})
        return report

    async def _run(self) -> None:
        delay = self._interval
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            if self._stopping.is_set():
                return
            report = await self.tick()
            # A pass that stopped at its page budget goes on at once (after yielding), not in 30 s.
            delay = 0.0 if report is not None and report.more else self._interval


class EventIngestion:
    """What the runtime starts and stops: the pull loop (SIS configured) and the push endpoint (enabled)."""

    def __init__(self, sink: EventSink, *, pull: EventPullLoop | None, push: PushServerLike | None) -> None:
        self.sink = sink
        self.pull = pull
        self.push = push

    async def start(self) -> None:
        if self.pull is not None:
            self.pull.start()
        if self.push is not None:
            try:
                await self.push.start()
            except OSError as exc:  # address in use or not allowed: the bot still runs, pull still works
                log.error("sis_push_listen_failed", extra={"error": type(exc).__name__})
                self.push = None

    async def stop(self) -> None:
        if self.pull is not None:
            await self.pull.stop()
        if self.push is not None:
            await self.push.stop()


class PushServerLike(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def build_event_ingestion(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    active: Callable[[], bool],
) -> EventIngestion | None:
    """Pull when SIS is configured (each tick only while `active()`: the mode is SIS_HTTP or AUTO);
    push when `SIS_EVENTS_PUSH_SECRET` and `SIS_EVENTS_PUSH_LISTEN` are set. None when neither."""
    sink = EventSink(SisEventRepository(session_factory))
    pull: EventPullLoop | None = None
    if settings.sis_base_url and settings.sis_ownerbot_api_key is not None:
        from ownerbot.upstream.sis.client import get_sis_client

        pull = EventPullLoop(
            EventIngestor(get_sis_client(settings), sink),
            active=active,
            on_success=sink.repository.mark_pulled,
        )
    push: PushServerLike | None = None
    if settings.sis_events_push_secret is not None and settings.sis_events_push_listen:
        from ownerbot.upstream.sis.push_server import PushServer

        push = PushServer(
            sink, settings.sis_events_push_secret.get_secret_value(), settings.sis_events_push_listen
        )
    if pull is None and push is None:
        return None
    return EventIngestion(sink, pull=pull, push=push)


class EventIngestionStatus(BaseModel):
    """Event ingestion as `/systems` and `sys_health` show it (configuration as booleans only)."""

    pull_configured: bool  # SIS_BASE_URL and the key are set (the loop pulls while the mode is SIS)
    push_enabled: bool  # SIS_EVENTS_PUSH_SECRET and SIS_EVENTS_PUSH_LISTEN are set
    events_stored: int
    cursor_present: bool
    last_pull_at: datetime | None


async def ingestion_status(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> EventIngestionStatus:
    """Read the stored side of ingestion: row count, cursor, last successful pull (three small queries)."""
    repository = SisEventRepository(session_factory)
    return EventIngestionStatus(
        pull_configured=bool(settings.sis_base_url) and settings.sis_ownerbot_api_key is not None,
        push_enabled=settings.sis_events_push_secret is not None and bool(settings.sis_events_push_listen),
        events_stored=await repository.count(),
        cursor_present=await repository.cursor() is not None,
        last_pull_at=await repository.last_pulled(),
    )
