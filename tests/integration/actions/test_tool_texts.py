"""The local action tools refuse in the owner's language (texts in locales/tools.<locale>.yaml)."""

from __future__ import annotations

import pytest

from ownerbot.actions.outcomes import PreviewStatus
from ownerbot.tools.contract import ErrorCode
from tests.integration.actions.conftest import Harness


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("ru", "Заказ 999999 не найден."), ("en", "Order 999999 was not found.")],
)
async def test_unknown_order_is_refused_in_the_owner_locale(
    harness: Harness, locale: str, expected: str
) -> None:
    for action, payload in (
        ("flag_order", {"order_id": "999999", "reason": "r"}),
        ("order_note", {"order_id": "#999999", "text": "t"}),
    ):
        outcome = await harness.preview(action, payload, locale=locale)
        assert outcome.status is PreviewStatus.REJECTED and outcome.error is not None
        assert (outcome.error.code, outcome.error.message) == (ErrorCode.NOT_FOUND, expected)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru", "notify_team пишет только в чаты из MANAGER_CHAT_IDS."),
        ("en", "notify_team sends only to MANAGER_CHAT_IDS."),
    ],
)
async def test_foreign_recipients_are_refused_in_the_owner_locale(
    harness: Harness, locale: str, expected: str
) -> None:
    outcome = await harness.preview("notify_team", {"message": "hi", "recipients": [-42]}, locale=locale)
    assert outcome.status is PreviewStatus.REJECTED and outcome.error is not None
    assert (outcome.error.code, outcome.error.message) == (ErrorCode.PERMISSION_DENIED, expected)
