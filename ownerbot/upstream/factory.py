"""Choose the upstream provider for the configured mode (composition root helper)."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.upstream.base import ProviderUnavailable, UpstreamProvider

SIS_NOT_CONNECTED = "SIS client not connected yet"


class DisconnectedSisProvider:
    """Stands in for SIS until its HTTP client exists: every question answers `UPSTREAM_UNAVAILABLE`."""

    name = "SIS"
    source_prefix = "sis:"

    @property
    def sales(self) -> NoReturn:
        raise ProviderUnavailable(SIS_NOT_CONNECTED)

    @property
    def ops(self) -> NoReturn:
        raise ProviderUnavailable(SIS_NOT_CONNECTED)


def build_provider(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> UpstreamProvider:
    """DEMO reads OwnerBot's demo tables; SIS_HTTP and AUTO get the SIS provider (not connected yet)."""
    if settings.upstream_mode is UpstreamMode.DEMO:
        from ownerbot.upstream.demo.provider import DemoProvider

        return DemoProvider(session_factory, tz=settings.shop_timezone, currency=settings.shop_currency)
    return DisconnectedSisProvider()
