"""Choose the upstream provider for the configured mode (composition root helper)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.config.settings import Settings, UpstreamMode
from ownerbot.upstream.base import ProviderUnavailable, UpstreamProvider

if TYPE_CHECKING:
    from ownerbot.upstream.sis.client import SisClient

SIS_NOT_CONNECTED = "SIS client not connected yet"  # SIS_BASE_URL / SIS_OWNERBOT_API_KEY not set


class DisconnectedSisProvider:
    """Stands in for SIS when it is not configured: every question answers `UPSTREAM_UNAVAILABLE`."""

    name = "SIS"
    source_prefix = "sis:"

    @property
    def sales(self) -> NoReturn:
        raise ProviderUnavailable(SIS_NOT_CONNECTED)

    @property
    def ops(self) -> NoReturn:
        raise ProviderUnavailable(SIS_NOT_CONNECTED)


def build_provider(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    mode: UpstreamMode | None = None,
    sis_client: SisClient | None = None,
) -> UpstreamProvider:
    """The provider of `mode` (default: the configured one).

    DEMO reads OwnerBot's demo tables; SIS_HTTP the SIS read gateway (`SisProvider`); AUTO tries SIS
    and falls back to DEMO per call (`AutoProvider`). Without SIS configured (`SIS_BASE_URL` and
    `SIS_OWNERBOT_API_KEY`) and no `sis_client` given, SIS stands in as `DisconnectedSisProvider`.
    """
    from ownerbot.upstream.demo.provider import DemoProvider

    mode = mode or settings.upstream_mode

    def demo() -> DemoProvider:
        return DemoProvider(session_factory, tz=settings.shop_timezone, currency=settings.shop_currency)

    if mode is UpstreamMode.DEMO:
        return demo()
    sis: UpstreamProvider
    if sis_client is None and settings.sis_base_url and settings.sis_ownerbot_api_key is not None:
        from ownerbot.upstream.sis.client import get_sis_client

        sis_client = get_sis_client(settings)
    if sis_client is None:
        sis = DisconnectedSisProvider()
    else:
        from ownerbot.upstream.sis.event_readers import SisEventReaders
        from ownerbot.upstream.sis.provider import SisProvider

        sis = SisProvider(
            sis_client,
            tz=settings.shop_timezone,
            currency=settings.shop_currency,
            events=SisEventReaders(session_factory, currency=settings.shop_currency),
        )
    if mode is UpstreamMode.AUTO:
        from ownerbot.upstream.modes import AutoProvider

        return AutoProvider(sis, demo())
    return sis
