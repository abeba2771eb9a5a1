"""Action texts and buttons: escaped, short, the right buttons, callback data that forgery cannot flip."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations

from ownerbot.actions.contract import ActionExample, ActionPreview, ActionResult, ActionUndo
from ownerbot.actions.outcomes import (
    ActionError,
    CommitOutcome,
    CommitStatus,
    ConfirmStatus,
    PreviewOutcome,
    PreviewStatus,
    TokenView,
)
from ownerbot.bot.keyboards.actions import (
    ActionCancelCallback,
    ActionConfirmCallback,
    ActionForceCallback,
    ActionUndoCallback,
    force_keyboard,
    preview_keyboard,
)
from ownerbot.bot.presenters.actions import (
    MAX_TEXT_CHARS,
    answer_text,
    audit_text,
    force_text,
    preview_text,
    result_text,
)
from ownerbot.i18n import SUPPORTED_LOCALES
from ownerbot.tools.contract import ErrorCode, Risk

TOKEN = "T" * 32
AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _preview(**fields: object) -> ActionPreview:
    values: dict[str, object] = {
        "affected_count": 1,
        "summary": "Пометить заказ #1042 <b>",
        "examples": [ActionExample(target="#1042", before="не помечен", after="помечен: <script>")],
        **fields,
    }
    return ActionPreview.model_validate(values)


def _outcome(**fields: object) -> PreviewOutcome:
    values: dict[str, object] = {
        "status": PreviewStatus.READY,
        "action": "flag_order",
        "title_key": "actions.title.flag_order",
        "risk": Risk.LOW,
        "correlation_id": "cid",
        "preview": _preview(),
        "token_id": TOKEN,
        "expires_at": AT,
        **fields,
    }
    return PreviewOutcome.model_validate(values)


def _view(**fields: object) -> TokenView:
    values: dict[str, object] = {
        "token_id": TOKEN,
        "action": "flag_order",
        "title_key": "actions.title.flag_order",
        "risk": Risk.MED,
        "locale": "ru",
        "correlation_id": "cid-7",
        "preview": _preview(anomaly=True, anomaly_reason="слишком много"),
        "expires_at": AT,
        "force_required": True,
        **fields,
    }
    return TokenView.model_validate(values)


def test_preview_escapes_and_shows_risk_examples_and_deadline() -> None:
    text = preview_text(_outcome(), "ru", "Europe/Berlin")
    assert "🟢 LOW" in text and "Пометить заказ" in text and "Затронуто: 1" in text
    assert "&lt;script&gt;" in text and "<script>" not in text and "#1042 &lt;b&gt;" in text
    assert "Подтверди до 10:00." in text  # 09:00 UTC in Berlin (CET)


def test_noop_and_rejected_previews_say_why() -> None:
    noop = preview_text(
        _outcome(
            status=PreviewStatus.NOOP, token_id=None, expires_at=None, preview=_preview(noop_reason="уже")
        ),
        "ru",
        "UTC",
    )
    assert "Менять нечего: уже" in noop and "Подтверди" not in noop
    rejected = preview_text(
        _outcome(
            status=PreviewStatus.REJECTED,
            preview=None,
            error=ActionError(code=ErrorCode.NOT_FOUND, message="Order 9 was not found."),
        ),
        "en",
        "UTC",
    )
    assert "no such order" in rejected and "NOT_FOUND" in rejected and "cid" in rejected


def test_huge_texts_are_clipped_below_telegram_limit() -> None:
    long = "x" * 400
    preview = _preview(
        summary="s" * 500,
        examples=[ActionExample(target=long[:200], before=long, after=long)] * 5,
        warnings=[long] * 50,
    )
    for locale in SUPPORTED_LOCALES:
        assert len(preview_text(_outcome(preview=preview), locale, "UTC")) <= MAX_TEXT_CHARS


def test_force_and_result_texts() -> None:
    force = force_text(_view(), None, "ru")
    assert "слишком много" in force and "Нужно явное подтверждение" in force and "🟠 MED" in force
    result = ActionResult(
        status="partial",
        changed_count=2,
        summary="Доставлено: 2 из 3.",
        warnings=["Чат -1 не получил сообщение"],
        rollback_hint="не отзываются",
        undo=ActionUndo(action="unflag_order", payload={"order_id": "1"}),
    )
    text = result_text(CommitOutcome(status=CommitStatus.COMMITTED, token=_view(), result=result), "ru")
    assert "частично" in text and "Изменено: 2" in text and "Чат -1" in text
    assert "Откат: не отзываются" in text and "cid-7" in text
    unknown = result_text(CommitOutcome(status=CommitStatus.UNKNOWN, token=_view()), "en")
    assert "outcome unknown" in unknown


def test_answers_for_duplicates_and_tamper() -> None:
    assert answer_text(ConfirmStatus.TAMPERED, "ru") == "Некорректное подтверждение. Запусти действие снова."
    assert answer_text(ConfirmStatus.IN_PROGRESS, "ru") == "Уже выполняется. Подожди."
    assert answer_text(ConfirmStatus.ALREADY_DONE, "ru") == "Уже выполнено."
    for status in ConfirmStatus:
        for locale in SUPPORTED_LOCALES:
            assert 0 < len(answer_text(status, locale)) <= 200


def test_audit_text_lists_who_what_when_status_and_cid() -> None:
    events = [
        {
            "created_at": AT,
            "event_type": "ACTION_COMMIT",
            "action_name": "flag_order",
            "status": "ok",
            "actor_tg_id": 42,
            "correlation_id": "abc<1>",
        }
    ]
    text = audit_text(events, "ru", "Europe/Berlin")
    assert "03.03 10:00" in text and "ACTION_COMMIT" in text and "flag_order" in text
    assert "42" in text and "abc&lt;1&gt;" in text
    assert audit_text([], "en", "UTC") == "The action log is empty."


def test_buttons_carry_only_the_token_and_fit_64_bytes() -> None:
    for markup in (preview_keyboard(TOKEN, "ru"), force_keyboard(TOKEN, "en")):
        for row in markup.inline_keyboard:
            for button in row:
                assert button.callback_data is not None
                assert len(button.callback_data.encode()) <= 64
                assert button.callback_data.split(":", 1)[1] == TOKEN


def test_one_changed_byte_never_turns_one_button_into_another() -> None:
    prefixes = [
        cls.__prefix__
        for cls in (ActionConfirmCallback, ActionCancelCallback, ActionForceCallback, ActionUndoCallback)
    ]
    for a, b in combinations(prefixes, 2):
        assert len(a) == len(b)
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 2, (a, b)
