"""The digest on the seeded demo shop: its numbers equal the tools' own answers (run separately), every
section is there with the provenance footer, png/pdf come from ReportService, and send-now delivers."""

from __future__ import annotations

from decimal import Decimal

from ownerbot.actions.outcomes import CommitStatus, PreviewStatus
from ownerbot.actions.wiring import build_action_services
from ownerbot.reports.style import Formats
from ownerbot.services.audit_log import AuditLog
from ownerbot.services.notifications.wiring import build_notification_services
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.runner import ToolRunner, make_request
from ownerbot.tools.services import build_tool_services
from ownerbot.upstream.factory import build_provider
from tests.conftest import SeededDemo
from tests.integration.notifications.support import Driver, FileMessenger, run_tool

OWNER = 1  # make_settings' default owner


async def test_digest_numbers_equal_the_tools(seeded_demo: SeededDemo) -> None:
    settings = seeded_demo.settings
    registry = default_registry()
    audit = AuditLog(AuditRepository(seeded_demo.session_factory))
    services = build_notification_services(settings, seeded_demo.session_factory, registry, audit)
    assert services.digest is not None
    provider = build_provider(settings, seeded_demo.session_factory)
    # One audited failure for the digest's error line to count.
    failing = ToolRunner(registry, provider_for=lambda: provider, audit=audit, clock=lambda: seeded_demo.now)
    failed = await failing.run(
        make_request("order_detail", {"order_id": "NOPE-1"}, settings=settings, actor_id=OWNER)
    )
    assert failed.status == "error"
    digest = await services.digest.build(
        "text",
        provider=provider,
        now=seeded_demo.now,
        actor_id=OWNER,
        locale="ru",
        correlation_id="cid-digest-1",
    )
    tools = build_tool_services(settings, seeded_demo.session_factory)

    async def answer(tool: str, payload: dict[str, object]) -> dict[str, object]:
        response = await run_tool(
            registry, provider, settings, tools, tool, payload, actor=OWNER, now=seeded_demo.now
        )
        assert response.status == "ok", response.error
        return response.data

    compare = await answer(
        "kpi_compare",
        {
            "preset": "custom",
            "a_start": "2026-03-29",
            "a_end": "2026-03-29",
            "b_start": "2026-03-22",
            "b_end": "2026-03-22",
        },
    )
    a, b = compare["a"], compare["b"]
    assert isinstance(a, dict) and isinstance(b, dict)
    figures = digest.figures
    assert figures["day"] == "2026-03-29" and figures["ref_day"] == "2026-03-22"
    assert Decimal(str(figures["revenue"])) == Decimal(str(a["revenue_gross"]))
    assert Decimal(str(figures["revenue_ref"])) == Decimal(str(b["revenue_gross"]))
    assert figures["orders"] == a["orders_paid"] and figures["orders_ref"] == b["orders_paid"]
    assert Decimal(str(a["revenue_gross"])) > 0  # the demo day has sales: the check means something
    for preset in ("stuck", "late_ship", "payment_issues"):
        assert figures[preset] == (await answer("orders_search", {"preset": preset, "limit": 1}))["count"]
    assert figures["chats"] == (await answer("chats_unanswered", {"threshold_hours": 2, "limit": 1}))["count"]
    funnel = await answer("funnel_snapshot", {"range": "7d"})
    assert figures["funnel_created"] == funnel["orders_created"]
    access = await answer("access_summary", {"range": "7d"})
    assert figures["access_denials"] == access["denials_total"]
    renew = await answer("renew_summary", {"range": "7d"})
    assert figures["renew_offers"] == renew["offers"] and figures["renew_completions"] == renew["completions"]

    errors = await answer("sys_last_errors", {"limit": 50})
    rows = errors["errors"]
    assert isinstance(rows, list)
    assert figures["errors_24h"] == len(rows) >= 1  # the failed order_detail below, within 24 h

    fmt = Formats(locale="ru", currency="EUR", tz="Europe/Berlin")
    text = digest.text
    assert fmt.money(a["revenue_gross"]) in text and fmt.money(b["revenue_gross"]) in text
    assert f"зависшие {fmt.integer(figures['stuck'])}" in text
    assert f"создано {fmt.integer(funnel['orders_created'])}" in text
    assert "Курс: режим" in text
    assert f"Ошибки за сутки: {figures['errors_24h']}" in text
    # The same provenance footer as reports: sources, windows, as of, the correlation id.
    assert "cid-digest-1" in text and "Источники:" in text
    assert len(text) <= 4096


async def test_send_digest_now_png_and_weekly_pdf_reach_the_owner(seeded_demo: SeededDemo) -> None:
    messenger = FileMessenger()
    audit = AuditLog(AuditRepository(seeded_demo.session_factory))
    services = build_action_services(
        seeded_demo.settings, seeded_demo.engine, audit, messenger, clock=lambda: seeded_demo.now
    )
    driver = Driver(services.pipeline, OWNER)

    preview, commit = await driver.run("ntf_send_digest_now", {"format": "png"})
    assert preview.preview is not None and "чат 1" in preview.preview.summary
    assert commit.status is CommitStatus.COMMITTED and commit.result is not None, commit.error
    assert commit.result.details["delivery"] == "sent"
    kind, chat, filename, data, caption = messenger.files[-1]
    assert caption
    assert (kind, chat) == ("photo", OWNER) and data.startswith(b"\x89PNG") and filename.endswith(".png")

    _, commit = await driver.run("ntf_send_weekly_now", {})
    assert commit.status is CommitStatus.COMMITTED
    kind, chat, filename, data, _caption = messenger.files[-1]
    assert (kind, chat) == ("document", OWNER) and data.startswith(b"%PDF") and filename.endswith(".pdf")

    # No format given: the stored one (text by default); a failed delivery is a failed result, not a crash.
    messenger.failing[OWNER] = "TelegramForbiddenError"
    outcome = await driver.preview("ntf_send_digest_now", {})
    assert outcome.status is PreviewStatus.READY and outcome.preview is not None
    assert outcome.preview.bound_payload == {"format": "text"}
    _, commit = await driver.run("ntf_send_digest_now", {})
    assert commit.result is not None and commit.result.status == "failed"
    assert commit.result.details["delivery"] == "TelegramForbiddenError"
    assert messenger.texts == []
