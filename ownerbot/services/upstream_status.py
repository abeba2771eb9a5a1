"""Which data source is configured and which one actually answers right now."""

from __future__ import annotations

from pydantic import BaseModel

from ownerbot.config.settings import Settings, UpstreamMode


class UpstreamStatus(BaseModel):
    configured: str
    effective: str
    reason: str | None = None


def describe_upstream(settings: Settings) -> UpstreamStatus:
    """Configured vs effective mode.

    Until the SIS client is wired (SIS integration issue) only the DEMO provider can answer, so AUTO
    resolves to DEMO and SIS_HTTP has no working source; both say so instead of pretending.
    """
    mode = settings.upstream_mode
    if mode is UpstreamMode.DEMO:
        return UpstreamStatus(configured="DEMO", effective="DEMO")
    if mode is UpstreamMode.AUTO:
        return UpstreamStatus(configured="AUTO", effective="DEMO", reason="SIS client not connected")
    return UpstreamStatus(configured="SIS_HTTP", effective="NONE", reason="SIS client not connected")
