"""`ntf_*` refusals (NOT_SUPPORTED) speak the owner's language; the English wording is unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from ownerbot.actions.contract import ActionContext, ActionDeps
from ownerbot.services.notifications.service import NotificationServices
from ownerbot.storage.repositories.notifications import NotificationRepository
from ownerbot.tools.actions.ntf_send import (
    SendWeeklyNowPayload,
    commit_weekly,
    preview_weekly,
)
from ownerbot.tools.contract import ErrorCode, Tenant, ToolFailure
from ownerbot.upstream.base import UpstreamProvider

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
NO_DIGEST = NotificationServices(repository=cast(NotificationRepository, object()), digest=None)


def _ctx(locale: str, deps: ActionDeps) -> ActionContext:
    return ActionContext(
        correlation_id="cid",
        actor_id=1,
        chat_id=1,
        locale=locale,
        now=NOW,
        tenant=Tenant(),
        provider=cast(UpstreamProvider, object()),
        deps=deps,
    )


Hook = Callable[[SendWeeklyNowPayload, ActionContext], Awaitable[Any]]
CASES: list[tuple[Hook, ActionDeps, str, str]] = [
    (
        preview_weekly,
        ActionDeps(),
        "Notification settings are not available here.",
        "Настройки оповещений здесь недоступны.",
    ),
    (
        preview_weekly,
        ActionDeps(notifications=NO_DIGEST),
        "Digests cannot be built in this process.",
        "Этот процесс не может собирать дайджесты.",
    ),
    (
        commit_weekly,
        ActionDeps(notifications=NO_DIGEST),
        "This process cannot send Telegram messages.",
        "Этот процесс не может отправлять сообщения в Telegram.",
    ),
]


@pytest.mark.parametrize(("hook", "deps", "english", "russian"), CASES)
async def test_refusal_in_the_owner_locale(hook: Hook, deps: ActionDeps, english: str, russian: str) -> None:
    for locale, expected in (("en", english), ("ru", russian)):
        with pytest.raises(ToolFailure) as caught:
            await hook(SendWeeklyNowPayload(), _ctx(locale, deps))
        assert caught.value.code is ErrorCode.NOT_SUPPORTED
        assert caught.value.message == expected
