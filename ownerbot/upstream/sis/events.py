"""SIS event ingestion (`SIS_CONTRACT.md` §5): parse envelopes, store them once, pull the feed.

* `parse_event` checks the few fields OwnerBot relies on (`event_id`, `event_name`, `occurred_at`,
  `schema_version`) and keeps the whole envelope; unknown fields are kept, never rejected.
* `EventSink.accept` stores a batch with dedupe by `event_id` (insert-or-ignore) and drops events whose
  name OwnerBot does not know (counted as `ignored`). Pushes are strict (one bad event rejects the
  request, naming the field, so the sender sees it); pulls skip a malformed event (logged), because a
  poison event must not stall the feed forever.
* `EventIngestor.pull_once` pages `GET /ownerbot/v1/events` from the stored cursor; each page's rows and
  its `next_cursor` are committed together, so the cursor never runs ahead of stored rows.
The background loop and the push endpoint that feed these are wired in `event_ingestion.py`.

Read models never depend on arrival order: they sort by `occurred_at`, so out-of-order delivery is fine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ownerbot.storage.event_models import EVENT_ID_MAX
from ownerbot.storage.repositories.sis_events import EventRecord, SisEventRepository
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.sis.client import SisClient
from ownerbot.upstream.sis.errors import SisError

log = logging.getLogger(__name__)

PAGE_LIMIT = 500
# One pass reads at most this many pages, so a first sync of a long history is spread over passes and
# never holds the event loop's database for minutes.
MAX_PAGES_PER_PULL = 20

KNOWN_EVENT_NAMES: frozenset[str] = frozenset(
    {
        "ORDER_CREATED",
        "ORDER_STATUS_CHANGED",
        "PAYMENT_REQUESTED",
        "PAYMENT_CONFIRMED",
        "PAYMENT_FAILED",
        "ORDER_DUE_SNAPSHOT",
        "TARGET_ACCESS_GRANTED",
        "TARGET_ACCESS_DENIED",
        "TARGET_ACCESS_EXPIRED",
        "ACCESS_RENEW_OFFERED",
        "ACCESS_RENEW_COMPLETED",
        "AUTO_NUDGE_SENT",
        "AUTO_NUDGE_FAILED",
        "AUTO_NUDGE_SKIPPED",
        "AUTO_NUDGE_DIGEST_SENT",
        "AUTO_NUDGE_DIGEST_FAILED",
        "AUTO_NUDGE_DIGEST_SKIPPED",
        "SUPPORT_THREAD_OPENED",
        "SUPPORT_REPLY_SENT",
        "OPS_ORDER_TAKEN",
        "OPS_ORDER_CLOSED",
        "FX_REPRICE_APPLIED",
        "FX_REPRICE_FAILED",
    }
)

# Column limits of `sis_events` for the optional string fields.
_OPTIONAL_FIELDS: dict[str, int] = {
    "business_id": 64,
    "subject_type": 32,
    "subject_id": 128,
    "target_type": 32,
    "target_id": 128,
    "action": 32,
}


class EventFieldError(ValueError):
    """A field OwnerBot relies on is missing or malformed; `field` names it (`events[2].event_id`)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem

    def at(self, prefix: str) -> EventFieldError:
        return EventFieldError(f"{prefix}.{self.field}", self.problem)


def _text(raw: dict[str, Any], name: str, max_len: int, *, required: bool) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise EventFieldError(name, "required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EventFieldError(name, "expected a string")
    text = str(value).strip()
    if not text:
        if required:
            raise EventFieldError(name, "must not be empty")
        return None
    if len(text) > max_len:
        raise EventFieldError(name, f"longer than {max_len} characters")
    return text


def parse_event(raw: Any) -> EventRecord:
    """One envelope → `EventRecord`; raises `EventFieldError` naming the first bad field."""
    if not isinstance(raw, dict):
        raise EventFieldError("event", "expected a JSON object")
    event_id = _text(raw, "event_id", EVENT_ID_MAX, required=True)
    event_name = _text(raw, "event_name", 64, required=True)
    assert event_id is not None and event_name is not None
    occurred_raw = raw.get("occurred_at")
    if not isinstance(occurred_raw, str):
        raise EventFieldError("occurred_at", "required, an ISO 8601 timestamp with offset")
    try:
        occurred_at = datetime.fromisoformat(occurred_raw.replace("Z", "+00:00"))
    except ValueError:
        raise EventFieldError("occurred_at", "not an ISO 8601 timestamp") from None
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise EventFieldError("occurred_at", "needs a UTC offset")
    version = raw.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise EventFieldError("schema_version", "expected a positive integer")
    for name in ("context", "properties"):
        if raw.get(name) is not None and not isinstance(raw[name], dict):
            raise EventFieldError(name, "expected an object")
    optional = {name: _text(raw, name, limit, required=False) for name, limit in _OPTIONAL_FIELDS.items()}
    return EventRecord(
        event_id=event_id,
        event_name=event_name,
        schema_version=version,
        occurred_at=occurred_at,
        envelope=raw,
        **optional,
    )


@dataclass(frozen=True)
class AcceptReport:
    """What became of one batch: stored (new), duplicates (already stored), ignored (unknown names)."""

    received: int
    stored: int
    duplicates: int
    ignored: int
    malformed: int


class EventSink:
    """Stores batches of raw envelopes (pushed or pulled) with dedupe by `event_id`."""

    def __init__(self, repository: SisEventRepository) -> None:
        self.repository = repository

    async def accept(
        self,
        raw_events: Sequence[Any],
        *,
        channel: str,
        strict: bool,
        cursor: str | None = None,
    ) -> AcceptReport:
        """Parse, drop unknown names, insert-or-ignore, and (pulls) move the cursor in the same commit.

        `strict`: a malformed event raises `EventFieldError` (`events[i].field`) and nothing is stored;
        otherwise it is skipped and logged.
        """
        known: list[EventRecord] = []
        ignored = malformed = 0
        for index, raw in enumerate(raw_events):
            try:
                event = parse_event(raw)
            except EventFieldError as error:
                if strict:
                    raise error.at(f"events[{index}]") from None
                malformed += 1
                log.warning(
                    "sis_event_malformed", extra={"channel": channel, "field": error.field, "index": index}
                )
                continue
            if event.event_name in KNOWN_EVENT_NAMES:
                known.append(event)
            else:
                ignored += 1
        stored = await self.repository.store(known, channel=channel, cursor=cursor)
        return AcceptReport(
            received=len(raw_events),
            stored=stored,
            duplicates=len(known) - stored,
            ignored=ignored,
            malformed=malformed,
        )


@dataclass(frozen=True)
class PullReport:
    pages: int
    received: int
    stored: int
    ignored: int
    malformed: int
    cursor: str | None
    more: bool  # stopped at MAX_PAGES_PER_PULL with a full last page: the next pass goes on
    cursor_reset: bool = False


class EventIngestor:
    """Pulls the events feed from the stored cursor into `sis_events`."""

    def __init__(
        self,
        client: SisClient,
        sink: EventSink,
        *,
        page_limit: int = PAGE_LIMIT,
        max_pages: int = MAX_PAGES_PER_PULL,
    ) -> None:
        self._client = client
        self._sink = sink
        self._page_limit = page_limit
        self._max_pages = max_pages

    async def pull_once(self) -> PullReport:
        """Read pages until the feed is drained (or `max_pages`); SIS failures raise `SisError`.

        A cursor SIS refuses (400: e.g. SIS was replaced) is forgotten, so the next pass starts from
        the beginning; dedupe by `event_id` makes the replay harmless.
        """
        repository = self._sink.repository
        cursor = await repository.cursor()
        pages = received = stored = ignored = malformed = 0
        full_page = False
        while pages < self._max_pages:
            try:
                result = await self._client.events(after=cursor, limit=self._page_limit)
            except SisError as error:
                if cursor is not None and error.code is ErrorCode.VALIDATION_ERROR:
                    log.error("sis_events_cursor_refused", extra={"detail": error.detail[:200]})
                    await repository.clear_cursor()
                    return PullReport(pages, received, stored, ignored, malformed, None, False, True)
                raise
            pages += 1
            raw_events = result.data.get("events")
            if not isinstance(raw_events, list):
                raise SisError(
                    ErrorCode.VALIDATION_ERROR, "SIS events page has no events list", endpoint="events"
                )
            next_cursor = result.data.get("next_cursor")
            new_cursor = next_cursor if isinstance(next_cursor, str) and next_cursor else None
            moved = new_cursor if new_cursor != cursor else None  # an idle feed writes nothing
            report = await self._sink.accept(raw_events, channel="pull", strict=False, cursor=moved)
            received += report.received
            stored += report.stored
            ignored += report.ignored
            malformed += report.malformed
            full_page = len(raw_events) >= self._page_limit
            if new_cursor is None or new_cursor == cursor or not full_page:
                cursor = new_cursor or cursor
                full_page = False
                break
            cursor = new_cursor
        return PullReport(pages, received, stored, ignored, malformed, cursor, full_page)
