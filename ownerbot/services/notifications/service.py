"""What the `ntf_*` tools and the scheduler worker share: the repository, the digest builder, and the
merged view of an owner's settings (stored rows over the defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from ownerbot.services.notifications.digest import DigestBuilder
from ownerbot.services.notifications.settings import (
    KindSettings,
    NotificationKind,
    default_settings,
    stored_settings,
)
from ownerbot.storage.repositories.notifications import NotificationRepository

NOTIFICATIONS_SERVICE = "notifications"


@dataclass(frozen=True)
class NotificationServices:
    """`digest` is None where no read tools can run (then send-now answers NOT_SUPPORTED)."""

    repository: NotificationRepository
    digest: DigestBuilder | None = None


async def owner_settings(
    repository: NotificationRepository, owner_id: int
) -> dict[NotificationKind, KindSettings]:
    """Every kind of `owner_id`, in `NotificationKind` order: the stored row, or the defaults."""
    stored = await repository.settings_of(owner_id)
    result: dict[NotificationKind, KindSettings] = {}
    for kind in NotificationKind:
        row = stored.get(kind.value)
        result[kind] = (
            default_settings(kind) if row is None else stored_settings(kind, row.enabled, row.settings)
        )
    return result


async def kind_settings(
    repository: NotificationRepository, owner_id: int, kind: NotificationKind
) -> KindSettings:
    return (await owner_settings(repository, owner_id))[kind]
