"""Actions on the generated demo shop, read back through the real read tools (orders_search, order_detail)."""

from __future__ import annotations

from typing import Any

from ownerbot.actions.outcomes import ActionRequest, CommitStatus, ConfirmPress, PreviewStatus
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.actions.wiring import build_action_services
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.repositories.audit import AuditRepository
from ownerbot.tools.contract import Actor, Tenant, ToolRequest
from ownerbot.tools.read.ops import SPECS as OPS_SPECS
from ownerbot.tools.registry import ToolRegistry
from ownerbot.tools.runner import ToolRunner
from ownerbot.upstream.demo.provider import DemoProvider
from tests.conftest import SeededDemo

OWNER = 1  # make_settings' owner


async def _read(demo: SeededDemo, tool: str, payload: dict[str, Any]) -> dict[str, Any]:
    provider = DemoProvider(demo.session_factory, tz=demo.tz, currency=demo.currency)
    runner = ToolRunner(
        ToolRegistry(OPS_SPECS), provider_for=lambda: provider, audit=None, clock=lambda: demo.now
    )
    response = await runner.run(
        ToolRequest(
            tool=tool,
            correlation_id="c",
            actor=Actor(owner_user_id=OWNER),
            tenant=Tenant(timezone=demo.tz),
            payload=payload,
        )
    )
    assert response.status == "ok", response.error
    return response.data


async def _commit(
    pipeline: ActionPipeline, action: str, payload: dict[str, Any], force: bool = False
) -> None:
    preview = await pipeline.preview(
        ActionRequest(action=action, payload=payload, actor_id=OWNER, chat_id=OWNER)
    )
    assert preview.status is PreviewStatus.READY and preview.token_id is not None, preview
    press = ConfirmPress(
        token_id=preview.token_id, actor_id=OWNER, chat_id=OWNER, force=preview.force_required
    )
    _, outcome = await pipeline.confirm_and_execute(press)
    assert outcome is not None and outcome.status is CommitStatus.COMMITTED, outcome


async def test_flag_and_note_show_in_order_detail(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    services = build_action_services(
        demo.settings,
        demo.engine,
        AuditLog(AuditRepository(demo.session_factory)),
        None,
        clock=lambda: demo.now,
    )
    found = await _read(demo, "orders_search", {"flagged": False, "limit": 1})
    order_id = found["items"][0]["order_id"]

    await _commit(services.pipeline, "flag_order", {"order_id": order_id, "reason": "проверить адрес"})
    await _commit(services.pipeline, "order_note", {"order_id": order_id, "text": "клиент просит звонок"})
    detail = await _read(demo, "order_detail", {"order_id": order_id})
    assert detail["flagged"] is True and detail["flag_reason"] == "проверить адрес"
    assert "клиент просит звонок" in [note["text"] for note in detail["notes"]]


async def test_bulk_flag_matches_orders_search(seeded_demo: SeededDemo) -> None:
    demo = seeded_demo
    services = build_action_services(demo.settings, demo.engine, None, None, clock=lambda: demo.now)
    filters = {"preset": "payment_issues", "flagged": False}
    search = await _read(demo, "orders_search", {**filters, "limit": 200})
    preview = await services.pipeline.preview(
        ActionRequest(
            action="bulk_flag_order", payload={**filters, "reason": "оплата"}, actor_id=OWNER, chat_id=OWNER
        )
    )
    expected = min(search["count"], 200)
    assert expected > 0, "the seeded shop has orders with payment issues"
    assert preview.preview is not None and preview.preview.affected_count == expected
    assert [e.target for e in preview.preview.examples] == [f"#{i['order_id']}" for i in search["items"][:5]]
    await _commit(services.pipeline, "bulk_flag_order", {**filters, "reason": "оплата"})
    after = await _read(demo, "orders_search", {**filters, "limit": 1})
    assert after["count"] == search["count"] - expected
