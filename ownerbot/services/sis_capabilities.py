"""Which SIS action families answer (`SIS_CONTRACT.md` §4), probed once and cached in the state store.

A family is probed through one endpoint: `fx` with `GET /fx/status`, the others with their preview
endpoint and an empty body. 200 or 422 (the endpoint exists and refused the empty body) → supported;
400/409 likewise prove the endpoint exists; 404 → absent; 401/403 → auth_error (misconfigured key or
shop); network errors, timeouts, 429/5xx and an open breaker → unknown.

The result is kept under `sis:capabilities:{shop_id}` (Redis: `ownerbot:sis:capabilities:{shop_id}`)
for 6 hours when every family gave a definite answer (supported/absent); an answer holding auth_error
or unknown is kept only briefly, so a fixed key or a SIS back online shows up without a forced refresh.
The service follows the effective upstream mode of the moment: DEMO (also AUTO while its breaker is
open) supports every family and never touches the network or the cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ValidationError

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.state.base import StateStore, StateStoreUnavailable
from ownerbot.upstream.sis.contract import ENDPOINTS, endpoint_url_path
from ownerbot.upstream.sis.errors import SisError

if TYPE_CHECKING:
    from ownerbot.upstream.modes import UpstreamModeService
    from ownerbot.upstream.sis.client import SisClient

log = logging.getLogger(__name__)

Family = Literal["fx", "prices_bump", "prices_rollback", "discounts", "products_publish", "looks_publish"]
FamilyState = Literal["supported", "absent", "auth_error", "unknown"]
FAMILIES: tuple[str, ...] = get_args(Family)
# The endpoint that answers for each family (contract §4).
PROBE_ENDPOINTS: dict[str, str] = {
    "fx": "fx_status",
    "prices_bump": "prices_bump_preview",
    "prices_rollback": "rollback_preview",
    "discounts": "discounts_set_preview",
    "products_publish": "products_publish_preview",
    "looks_publish": "looks_publish_preview",
}
CAPABILITIES_SERVICE_KEY = "capabilities"  # ToolContext.services key
CACHE_KEY_PREFIX = "sis:capabilities:"
CACHE_TTL_SEC = 6 * 3600.0
UNSETTLED_TTL_SEC = 300.0  # auth_error / unknown: probe again soon
PROBE_TIMEOUT_SEC = 8.0  # all six probes together; below the tool runner's 10 s deadline
REASON_DEMO = "DEMO mode: actions run on the demo shop"
REASON_NOT_CONFIGURED = "SIS not configured (SIS_BASE_URL, SIS_OWNERBOT_API_KEY)"
REASON_TIMEOUT = "SIS did not answer the probe in time"
# Statuses that prove the endpoint exists although it refused the empty probe body.
EXISTS_STATUSES = frozenset({400, 409, 422})


def utc_now() -> datetime:
    return datetime.now(UTC)


class FamilyStatus(BaseModel):
    family: str
    status: FamilyState
    reason: str | None = None


class Capabilities(BaseModel):
    families: dict[str, FamilyStatus]
    checked_at: datetime
    source: Literal["sis", "demo"]

    def supports(self, family: str) -> bool:
        status = self.families.get(family)
        return status is not None and status.status == "supported"

    @property
    def settled(self) -> bool:
        """Every family answered definitely (supported or absent): worth caching for the full TTL."""
        return all(s.status in ("supported", "absent") for s in self.families.values())

    def counts(self) -> dict[str, int]:
        """How many families are in each state (every state present, zero included)."""
        result = dict.fromkeys(get_args(FamilyState), 0)
        for status in self.families.values():
            result[status.status] += 1
        return result


def cache_key(shop_id: str) -> str:
    """The state-store key (the Redis store prefixes `ownerbot:` itself)."""
    return f"{CACHE_KEY_PREFIX}{shop_id}"


def probe_paths() -> list[str]:
    """The gateway paths the probes call, for provenance."""
    return [endpoint_url_path(ENDPOINTS[PROBE_ENDPOINTS[f]]) for f in FAMILIES]


def status_from_error(family: str, error: SisError) -> FamilyStatus:
    """Contract §4's mapping of a failed probe call."""
    if error.status is not None and error.status in EXISTS_STATUSES:
        return FamilyStatus(family=family, status="supported")
    if error.status == 404:
        return FamilyStatus(family=family, status="absent", reason=error.detail)
    if error.status in (401, 403):
        return FamilyStatus(family=family, status="auth_error", reason=error.detail)
    return FamilyStatus(family=family, status="unknown", reason=error.detail)


def demo_capabilities(now: datetime) -> Capabilities:
    return Capabilities(
        families={f: FamilyStatus(family=f, status="supported", reason=REASON_DEMO) for f in FAMILIES},
        checked_at=now,
        source="demo",
    )


def unconfigured_capabilities(now: datetime) -> Capabilities:
    return Capabilities(
        families={
            f: FamilyStatus(family=f, status="unknown", reason=REASON_NOT_CONFIGURED) for f in FAMILIES
        },
        checked_at=now,
        source="sis",
    )


class CapabilityService:
    """Probes SIS action families and caches the answer per shop in the state store."""

    def __init__(
        self,
        settings: Settings,
        state: StateStore,
        *,
        modes: UpstreamModeService | None = None,
        sis_client: SisClient | None = None,
        ttl_sec: float = CACHE_TTL_SEC,
        unsettled_ttl_sec: float = UNSETTLED_TTL_SEC,
        probe_timeout_sec: float = PROBE_TIMEOUT_SEC,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`modes` gives the effective mode and the SIS client; without it the settings' mode is used."""
        self._settings = settings
        self._state = state
        self._modes = modes
        self._sis_client = sis_client
        self._ttl = ttl_sec
        self._unsettled_ttl = unsettled_ttl_sec
        self._probe_timeout = probe_timeout_sec
        self._clock = clock
        self.key = cache_key(settings.shop_id)
        # Callers that miss the cache together (a menu page and a tool at once) share one probe.
        self._probe_lock = asyncio.Lock()

    def _effective(self) -> tuple[str, SisClient | None]:
        """(effective mode, SIS client): DEMO, SIS_HTTP or NONE (SIS selected but not configured)."""
        if self._modes is not None:
            state = self._modes.state()
            client = self._sis_client or self._modes.sis_client()
            return state.effective, client if state.effective == UpstreamMode.SIS_HTTP.value else None
        if self._settings.upstream_mode is UpstreamMode.DEMO:
            return UpstreamMode.DEMO.value, None
        client = self._sis_client
        if client is None:
            from ownerbot.upstream.modes import sis_configured

            if sis_configured(self._settings):
                from ownerbot.upstream.sis.client import get_sis_client

                client = get_sis_client(self._settings)
        return (UpstreamMode.SIS_HTTP.value, client) if client is not None else ("NONE", None)

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def effective_mode(self) -> str:
        return self._effective()[0]

    async def cached(self) -> Capabilities | None:
        """The stored answer without any network call (DEMO: the demo answer); None when not probed."""
        mode, _client = self._effective()
        if mode == UpstreamMode.DEMO.value:
            return demo_capabilities(self._clock())
        return await self._load()

    async def get(self, *, force_refresh: bool = False) -> Capabilities:
        """The cached answer, or a fresh probe when none is stored, it expired, or `force_refresh`."""
        mode, client = self._effective()
        now = self._clock()
        if mode == UpstreamMode.DEMO.value:
            return demo_capabilities(now)
        if client is None:
            return unconfigured_capabilities(now)
        if not force_refresh:
            stored = await self._load()
            if stored is not None:
                return stored
        async with self._probe_lock:
            if not force_refresh:  # another caller may have probed while this one waited
                stored = await self._load()
                if stored is not None:
                    return stored
            result = await self.probe(client)
            await self._store(result)
            return result

    async def probe(self, client: SisClient) -> Capabilities:
        """Call each family's endpoint once (concurrently, bounded by `probe_timeout_sec`)."""
        tasks = {family: asyncio.create_task(self._probe_one(client, family)) for family in FAMILIES}
        done, pending = await asyncio.wait(tasks.values(), timeout=self._probe_timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        families: dict[str, FamilyStatus] = {}
        for family, task in tasks.items():
            if task in done and not task.cancelled():
                families[family] = task.result()
            else:
                families[family] = FamilyStatus(family=family, status="unknown", reason=REASON_TIMEOUT)
        result = Capabilities(families=families, checked_at=self._clock(), source="sis")
        log.info("sis_capabilities_probed", extra={"counts": result.counts()})
        return result

    async def _probe_one(self, client: SisClient, family: str) -> FamilyStatus:
        key = PROBE_ENDPOINTS[family]
        try:
            await client.action(key, {} if ENDPOINTS[key].method != "GET" else None)
        except SisError as error:
            return status_from_error(family, error)
        except Exception as exc:  # an unexpected client failure still leaves the other families
            log.warning("sis_capability_probe_failed", extra={"family": family, "error": type(exc).__name__})
            return FamilyStatus(family=family, status="unknown", reason=type(exc).__name__)
        return FamilyStatus(family=family, status="supported")

    async def _load(self) -> Capabilities | None:
        try:
            raw = await self._state.get(self.key)
        except StateStoreUnavailable:
            log.warning("sis_capabilities_cache_unavailable")
            return None
        if not raw:
            return None
        try:
            stored = Capabilities.model_validate_json(raw)
        except ValidationError:
            log.warning("sis_capabilities_cache_invalid", extra={"key": self.key})
            return None
        return stored if stored.source == "sis" else None

    async def _store(self, result: Capabilities) -> None:
        ttl = self._ttl if result.settled else self._unsettled_ttl
        try:
            await self._state.set(self.key, result.model_dump_json(), ttl_sec=ttl)
        except StateStoreUnavailable:
            log.warning("sis_capabilities_cache_unavailable")
