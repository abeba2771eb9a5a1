"""Table rows both PDF reports print: problem orders with how long they wait, unanswered chats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ownerbot.reports.pdf.document import Align, PdfReport
from ownerbot.reports.style import Formats, as_datetime

ORDER_WIDTHS = (0.10, 0.11, 0.115, 0.235, 0.11, 0.11, 0.13, 0.10)
ORDER_ALIGN: tuple[Align, ...] = ("left", "left", "right", "left", "right", "right", "left", "left")
# Stages worth naming next to the status (pending and fully paid repeat what the status says).
STAGE_NOTES = ("deposit_due", "balance_due", "preorder")
CHAT_WIDTHS = (0.24, 0.11, 0.17, 0.14, 0.17, 0.17)
CHAT_ALIGN: tuple[Align, ...] = ("left", "left", "left", "right", "left", "left")


def label(fmt: Formats, group: str, key: Any) -> str:
    """A status/stage/confidence in the owner's words; unknown values as the source names them."""
    try:
        return fmt.text(f"{group}.{key}")
    except KeyError:
        return str(key)


def minutes_since(start: Any, now: datetime) -> int | None:
    instant = as_datetime(start)
    if instant is None:
        return None
    return max(int((now - instant).total_seconds() // 60), 0)


def order_header(report: PdfReport, *, late_ship: bool = False) -> list[str]:
    wait = report.text("pdf.col_overdue") if late_ship else report.text("pdf.col_waiting")
    return [
        report.text("pdf.col_order"),
        report.text("pdf.col_created"),
        wait,
        report.text("pdf.col_status"),
        report.text("pdf.col_total"),
        report.text("pdf.col_due_now"),
        report.text("pdf.col_customer"),
        report.text("pdf.col_phone"),
    ]


def order_rows(
    fmt: Formats, items: Sequence[dict[str, Any]], now: datetime, *, late_ship: bool = False
) -> list[list[str]]:
    """Stuck and unpaid orders wait since creation; late shipments count from the ship-due instant."""
    rows = []
    for item in items:
        since = item.get("ship_due_at") if late_ship else item.get("created_at")
        status = label(fmt, "statuses", item.get("status"))
        stage = item.get("payment_stage")
        if stage in STAGE_NOTES:
            status += ", " + label(fmt, "stage_notes", stage)
        if item.get("flagged"):
            status = "⚑ " + status  # flagged by the team (/flag)
        rows.append(
            [
                f"#{item.get('order_id')}",
                fmt.datetime_short(item.get("created_at")),
                fmt.duration(minutes_since(since, now)),
                status,
                fmt.money(item.get("total")),
                fmt.money(item.get("due_now")),
                str(item.get("customer_name") or ""),
                str(item.get("customer_phone_masked") or ""),
            ]
        )
    return rows


def chat_header(report: PdfReport) -> list[str]:
    return [
        report.text("pdf.col_customer"),
        report.text("pdf.col_order"),
        report.text("pdf.col_manager"),
        report.text("pdf.col_waiting"),
        report.text("pdf.col_last_customer"),
        report.text("pdf.col_last_manager"),
    ]


def chat_rows(fmt: Formats, threads: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(thread.get("customer_name") or thread.get("customer_id") or ""),
            f"#{thread['order_id']}" if thread.get("order_id") else fmt.dash(),
            str(thread.get("manager_name") or fmt.text("pdf.no_manager")),
            fmt.duration(thread.get("waiting_minutes")),
            fmt.datetime_short(thread.get("last_customer_msg_at")),
            fmt.datetime_short(thread.get("last_manager_msg_at")),
        ]
        for thread in threads
    ]
