"""One order in full: its customer, lines, payments, reminders and notes, and the timeline they make."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from ownerbot.storage.demo_models import (
    DemoCustomer,
    DemoNudge,
    DemoOrder,
    DemoOrderItem,
    DemoOrderNote,
    DemoPayment,
    DemoProduct,
    DemoVariant,
)
from ownerbot.upstream.demo.db import DemoQueries
from ownerbot.upstream.ops import CustomerInfo, OrderDetail, OrderLine, OrderNoteItem, TimelineEvent

MAX_BIGINT = 2**63 - 1


class OrderDetailQueries(DemoQueries):
    """`order_detail`: one session, five statements, each by the order's id."""

    async def order_detail(self, order_id: str) -> OrderDetail | None:
        key = order_id.strip().lstrip("#")
        # Demo ids are BIGINTs: anything else cannot exist (and must not reach the driver as an error).
        if not (key.isascii() and key.isdigit()) or int(key) > MAX_BIGINT:
            return None
        async with self._session() as session:
            found = (
                await session.execute(
                    select(DemoOrder, DemoCustomer)
                    .join(DemoCustomer, DemoCustomer.id == DemoOrder.customer_id)
                    .where(DemoOrder.id == int(key))
                )
            ).first()
            if found is None:
                return None
            order, customer = found
            lines = (
                await session.execute(
                    select(DemoOrderItem, DemoProduct.name, DemoVariant.name)
                    .join(DemoProduct, DemoProduct.id == DemoOrderItem.product_id)
                    .outerjoin(DemoVariant, DemoVariant.id == DemoOrderItem.variant_id)
                    .where(DemoOrderItem.order_id == order.id)
                    .order_by(DemoOrderItem.id)
                )
            ).all()
            payments = (
                await session.scalars(
                    select(DemoPayment).where(DemoPayment.order_id == order.id).order_by(DemoPayment.id)
                )
            ).all()
            nudges = (
                await session.scalars(
                    select(DemoNudge).where(DemoNudge.order_id == order.id).order_by(DemoNudge.id)
                )
            ).all()
            notes = (
                await session.scalars(
                    select(DemoOrderNote)
                    .where(DemoOrderNote.order_id == order.id)
                    .order_by(DemoOrderNote.created_at, DemoOrderNote.id)
                )
            ).all()
        pending = [p.created_at for p in payments if p.status == "pending"]
        return OrderDetail(
            order_id=str(order.id),
            created_at=order.created_at,
            status=order.status,
            payment_plan=order.payment_plan,
            payment_stage=order.payment_stage,
            stage_changed_at=order.stage_changed_at,
            payment_method=order.payment_method,
            currency=order.currency,
            total=order.total,
            amount_paid=order.amount_paid,
            upfront_due=order.upfront_due,
            due_now=order.due_now,
            remaining_due=order.remaining_due,
            coupon_code=order.coupon_code,
            paid_at=order.paid_at,
            ship_due_at=order.ship_due_at,
            shipped_at=order.shipped_at,
            flagged=order.flagged,
            flag_reason=order.flag_reason,
            customer=CustomerInfo(
                customer_id=str(customer.id),
                name=customer.name,
                phone=customer.phone,
                tg_user_id=customer.tg_user_id,
            ),
            items=tuple(
                OrderLine(
                    product_id=str(item.product_id),
                    product_name=product_name,
                    variant_name=variant_name,
                    qty=item.qty,
                    unit_price=item.unit_price,
                    line_total=item.line_total,
                )
                for item, product_name, variant_name in lines
            ),
            timeline=_timeline(order, payments, nudges),
            notes=tuple(
                OrderNoteItem(at=n.created_at, text=n.text, author_tg_id=n.author_tg_id) for n in notes
            ),
            oldest_pending_payment_at=min(pending) if pending else None,
            sources=(
                "demo_orders",
                "demo_customers",
                "demo_order_items",
                "demo_products",
                "demo_payments",
                "demo_nudges",
                "demo_order_notes",
            ),
        )


def _timeline(
    order: DemoOrder, payments: Sequence[DemoPayment], nudges: Sequence[DemoNudge]
) -> tuple[TimelineEvent, ...]:
    """The order's history from its rows, oldest first (ties keep the causal order of the kinds)."""
    events: list[TimelineEvent] = [TimelineEvent(at=order.created_at, kind="created", amount=order.total)]
    for p in payments:
        common: dict[str, Any] = {"method": p.method, "payment_kind": p.kind}
        if p.status == "failed":
            events.append(
                TimelineEvent(
                    at=p.created_at, kind="payment_failed", amount=p.amount, reason=p.failure_reason, **common
                )
            )
            continue
        events.append(TimelineEvent(at=p.created_at, kind="payment_requested", amount=p.amount, **common))
        if p.confirmed_at is not None:
            events.append(
                TimelineEvent(at=p.confirmed_at, kind="payment_confirmed", amount=p.amount, **common)
            )
        if p.refunded_at is not None:
            events.append(
                TimelineEvent(at=p.refunded_at, kind="payment_refunded", amount=p.refund_amount, **common)
            )
    if order.paid_at is not None:
        events.append(TimelineEvent(at=order.paid_at, kind="paid", amount=order.total))
    if order.shipped_at is not None:
        events.append(TimelineEvent(at=order.shipped_at, kind="shipped"))
    for n in nudges:
        kind = {"sent": "nudge_sent", "failed": "nudge_failed"}.get(n.status, "nudge_skipped")
        events.append(TimelineEvent(at=n.occurred_at, kind=kind, reason=n.reason))
    rank = {kind: i for i, kind in enumerate(_TIMELINE_ORDER)}
    return tuple(sorted(events, key=lambda e: (e.at, rank[e.kind])))


_TIMELINE_ORDER = (
    "created",
    "payment_requested",
    "payment_failed",
    "payment_confirmed",
    "paid",
    "nudge_sent",
    "nudge_failed",
    "nudge_skipped",
    "shipped",
    "payment_refunded",
)
