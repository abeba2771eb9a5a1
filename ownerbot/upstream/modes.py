"""Upstream modes: DEMO, SIS_HTTP, AUTO; the runtime override; the effective mode and its provider.

- The configured mode is `UPSTREAM_MODE`. With `UPSTREAM_RUNTIME_TOGGLE_ENABLED` an owner may override
  it from the bot; the override lives in the state store, so it survives restarts (in Redis when
  Redis is the state backend). The caller audits the switch (`upstream_mode_changed`).
- State key: `UPSTREAM_REDIS_KEY` with a leading `ownerbot:` stripped (`state_key_for`), because
  `RedisStateStore` already prefixes every key with `ownerbot:`. The default `ownerbot:upstream_mode`
  therefore lands in Redis as exactly `ownerbot:upstream_mode`; a key without that prefix is used as is
  (and appears in Redis under the store's prefix).
- Effective mode: DEMO → DEMO; SIS_HTTP → SIS_HTTP (or NONE when SIS is not configured); AUTO → SIS_HTTP
  while the breaker lets calls through, DEMO while it is open or SIS is not configured.
- `AutoProvider` (AUTO) asks SIS first; when SIS is unavailable (`SIS_UNAVAILABLE`: network, timeout,
  5xx, 429, breaker open) it answers that call from DEMO, records the fallback (`note_fallback`; the
  runner turns it into the `DEMO_FALLBACK` warning) and keeps DEMO provenance. Its DTOs carry prefixed
  sources (`sis:…` or `demo:…`), so its own `source_prefix` is empty. Other SIS errors (auth,
  provenance, 404 → NOT_SUPPORTED) are not hidden behind DEMO data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.state.base import StateStore
from ownerbot.tools.contract import ErrorCode
from ownerbot.upstream.base import ProviderUnavailable, UpstreamProvider
from ownerbot.upstream.fallback import note_fallback

if TYPE_CHECKING:
    from ownerbot.upstream.ops import OpsReader
    from ownerbot.upstream.sales import SalesReader
    from ownerbot.upstream.sis.breaker import BreakerSnapshot
    from ownerbot.upstream.sis.client import SisClient

log = logging.getLogger(__name__)

STORE_PREFIX = "ownerbot:"
EFFECTIVE_NONE = "NONE"
REASON_OVERRIDE = "runtime override"
REASON_BREAKER_OPEN = "SIS breaker open"
REASON_NOT_CONFIGURED = "SIS not configured"
AUDIT_EVENT = "upstream_mode_changed"


class ToggleDisabled(Exception):
    """`UPSTREAM_RUNTIME_TOGGLE_ENABLED` is off: the mode cannot be switched from the bot."""


def state_key_for(redis_key: str) -> str:
    """The state-store key for `UPSTREAM_REDIS_KEY` (the store adds `ownerbot:` itself)."""
    return redis_key.removeprefix(STORE_PREFIX) or redis_key


def sis_configured(settings: Settings) -> bool:
    return bool(settings.sis_base_url) and settings.sis_ownerbot_api_key is not None


def _with_prefix(result: Any, prefix: str) -> Any:
    """A DTO with its `sources` prefixed (`sis:` / `demo:`); None and other values pass through."""
    if isinstance(result, BaseModel) and "sources" in type(result).model_fields:
        sources = tuple(f"{prefix}{s}" for s in getattr(result, "sources"))  # noqa: B009
        return result.model_copy(update={"sources": sources})
    return result


class _AutoReader:
    """Forwards every reader method to SIS, or to DEMO for that call when SIS is unavailable."""

    def __init__(self, primary: Callable[[], object], fallback: Callable[[], object]) -> None:
        self._primary = primary
        self._fallback = fallback

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                method = getattr(self._primary(), name)
                return _with_prefix(await method(*args, **kwargs), "sis:")
            except ProviderUnavailable as exc:
                if exc.code not in (None, ErrorCode.SIS_UNAVAILABLE.value):
                    raise
                log.info("upstream_demo_fallback", extra={"question": name, "reason": str(exc)[:200]})
                note_fallback(str(exc) or "SIS unavailable")
            method = getattr(self._fallback(), name)
            return _with_prefix(await method(*args, **kwargs), "demo:")

        return call


class AutoProvider:
    """AUTO: SIS while it answers, DEMO (labelled) for each call it cannot."""

    name = "AUTO"
    source_prefix = ""  # the DTOs already carry `sis:` / `demo:`

    def __init__(self, sis: UpstreamProvider, demo: UpstreamProvider) -> None:
        self.sis = sis
        self.demo = demo
        self._sales = _AutoReader(lambda: sis.sales, lambda: demo.sales)
        self._ops = _AutoReader(lambda: sis.ops, lambda: demo.ops)

    @property
    def sales(self) -> SalesReader:
        return cast("SalesReader", self._sales)

    @property
    def ops(self) -> OpsReader:
        return cast("OpsReader", self._ops)


@dataclass(frozen=True)
class ModeState:
    """Configured vs effective, the override and why they differ, for `/start`, `/systems`, `/upstream`."""

    configured: UpstreamMode
    override: UpstreamMode | None
    selected: UpstreamMode  # the override when set (and allowed), else the configured mode
    effective: str  # DEMO, SIS_HTTP or NONE
    reasons: tuple[str, ...]
    toggle_enabled: bool
    breaker: BreakerSnapshot | None

    @property
    def reason(self) -> str | None:
        return "; ".join(self.reasons) or None


class UpstreamModeService:
    """Owns the mode: the configured one, the stored override, and the provider for the moment."""

    def __init__(
        self,
        settings: Settings,
        state: StateStore,
        *,
        session_factory: async_sessionmaker[AsyncSession] | None = None,
        sis_client: SisClient | None = None,
    ) -> None:
        self._settings = settings
        self._state = state
        self._session_factory = session_factory
        self._sis_client = sis_client
        self.key = state_key_for(settings.upstream_redis_key)
        self._override: UpstreamMode | None = None
        self._providers: dict[UpstreamMode, UpstreamProvider] = {}

    @property
    def configured(self) -> UpstreamMode:
        return self._settings.upstream_mode

    @property
    def toggle_enabled(self) -> bool:
        return self._settings.upstream_runtime_toggle_enabled

    @property
    def override(self) -> UpstreamMode | None:
        return self._override if self.toggle_enabled else None

    @property
    def selected(self) -> UpstreamMode:
        return self.override or self.configured

    async def load(self) -> UpstreamMode | None:
        """Read the stored override (at start-up); junk in the store is ignored."""
        raw = await self._state.get(self.key)
        try:
            self._override = UpstreamMode(raw) if raw else None
        except ValueError:
            log.warning("upstream_override_invalid", extra={"key": self.key})
            self._override = None
        return self._override

    async def set_mode(self, mode: UpstreamMode) -> tuple[UpstreamMode, UpstreamMode]:
        """Store the override; returns (before, after) of the selected mode. Audit is the caller's."""
        if not self.toggle_enabled:
            raise ToggleDisabled("UPSTREAM_RUNTIME_TOGGLE_ENABLED is off")
        before = self.selected
        await self._state.set(self.key, mode.value)
        self._override = mode
        return before, mode

    async def clear_override(self) -> None:
        await self._state.delete(self.key)
        self._override = None

    # -- providers -----------------------------------------------------------------------------------

    def sis_client(self) -> SisClient | None:
        if self._sis_client is None and sis_configured(self._settings):
            from ownerbot.upstream.sis.client import get_sis_client

            self._sis_client = get_sis_client(self._settings)
        return self._sis_client

    def provider(self) -> UpstreamProvider:
        """The provider of the selected mode (built once per mode); the runner's `provider_for`."""
        mode = self.selected
        if mode not in self._providers:
            if self._session_factory is None:
                raise ProviderUnavailable("no database for the upstream provider")
            from ownerbot.upstream.factory import build_provider

            self._providers[mode] = build_provider(
                self._settings, self._session_factory, mode=mode, sis_client=self.sis_client()
            )
        return self._providers[mode]

    # -- status --------------------------------------------------------------------------------------

    def state(self) -> ModeState:
        selected = self.selected
        reasons: list[str] = []
        if self.override is not None and self.override is not self.configured:
            reasons.append(REASON_OVERRIDE)
        client = self.sis_client() if selected is not UpstreamMode.DEMO else self._sis_client
        breaker = client.breaker.snapshot() if client is not None else None
        if selected is UpstreamMode.DEMO:
            effective = UpstreamMode.DEMO.value
        elif client is None:
            reasons.append(REASON_NOT_CONFIGURED)
            effective = UpstreamMode.DEMO.value if selected is UpstreamMode.AUTO else EFFECTIVE_NONE
        else:
            from ownerbot.upstream.sis.breaker import BreakerState

            effective = UpstreamMode.SIS_HTTP.value
            if client.breaker.state is BreakerState.OPEN:
                reasons.append(REASON_BREAKER_OPEN)
                if selected is UpstreamMode.AUTO:
                    effective = UpstreamMode.DEMO.value
        return ModeState(
            configured=self.configured,
            override=self.override,
            selected=selected,
            effective=effective,
            reasons=tuple(reasons),
            toggle_enabled=self.toggle_enabled,
            breaker=breaker,
        )
