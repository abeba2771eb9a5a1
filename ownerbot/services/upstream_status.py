"""Which data source is configured and which one actually answers right now (for /start and /systems)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from ownerbot.config.settings import Settings, UpstreamMode

if TYPE_CHECKING:
    from ownerbot.upstream.modes import UpstreamModeService


class BreakerInfo(BaseModel):
    """The SIS circuit breaker as `/systems` shows it."""

    state: str
    consecutive_failures: int
    failure_threshold: int
    retry_in_sec: float | None = None
    opened_count: int = 0
    last_error: str | None = None


class UpstreamStatus(BaseModel):
    configured: str
    effective: str
    reason: str | None = None
    override: str | None = None
    toggle_enabled: bool = False
    breaker: BreakerInfo | None = None


def describe_upstream(settings: Settings, modes: UpstreamModeService | None = None) -> UpstreamStatus:
    """Configured (`UPSTREAM_MODE`) vs effective mode, with the reason they differ.

    With the running `UpstreamModeService` this includes the runtime override and the breaker
    (AUTO is DEMO while the breaker is open). Without it (no running bot) it is read from settings:
    SIS modes need `SIS_BASE_URL` and `SIS_OWNERBOT_API_KEY`.
    """
    if modes is not None:
        state = modes.state()
        snapshot = state.breaker
        breaker = None
        if snapshot is not None:
            breaker = BreakerInfo(
                state=snapshot.state.value,
                consecutive_failures=snapshot.consecutive_failures,
                failure_threshold=snapshot.failure_threshold,
                retry_in_sec=None if snapshot.retry_in_sec is None else round(snapshot.retry_in_sec, 1),
                opened_count=snapshot.opened_count,
                last_error=snapshot.last_error,
            )
        return UpstreamStatus(
            configured=state.configured.value,
            effective=state.effective,
            reason=state.reason,
            override=state.override.value if state.override is not None else None,
            toggle_enabled=state.toggle_enabled,
            breaker=breaker,
        )
    mode = settings.upstream_mode
    toggle = settings.upstream_runtime_toggle_enabled
    if mode is UpstreamMode.DEMO:
        return UpstreamStatus(configured="DEMO", effective="DEMO", toggle_enabled=toggle)
    if not settings.sis_base_url or settings.sis_ownerbot_api_key is None:
        effective = "DEMO" if mode is UpstreamMode.AUTO else "NONE"
        return UpstreamStatus(
            configured=mode.value, effective=effective, reason="SIS not configured", toggle_enabled=toggle
        )
    return UpstreamStatus(configured=mode.value, effective="SIS_HTTP", toggle_enabled=toggle)
