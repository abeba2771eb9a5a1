"""Content access (denials vs their baseline, expiries, grants) and renewals from `demo_access_events`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import DemoAccessEvent, DemoLook, DemoProduct
from ownerbot.upstream.demo.db import DemoQueries, or_zero
from ownerbot.upstream.ops import (
    ACCESS_BASELINE_DAYS,
    AccessData,
    AccessTarget,
    RenewalsData,
    RenewalTarget,
    denial_stats,
    ratio,
)
from ownerbot.upstream.sales import ZERO


class AccessQueries(DemoQueries):
    """`access` and `renewals`."""

    async def access(self, window: DayWindow) -> AccessData:
        start, end = window.utc_bounds()
        baseline = DayWindow(
            window.start - timedelta(days=ACCESS_BASELINE_DAYS), window.start - timedelta(days=1), window.tz
        )
        base_start, _ = baseline.utc_bounds()
        in_window = case((DemoAccessEvent.occurred_at >= start, 1), else_=0)
        async with self._session() as session:
            denials = (
                await session.execute(
                    select(
                        in_window,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        DemoAccessEvent.action,
                        DemoAccessEvent.reason_code,
                        func.count(),
                    )
                    .where(
                        DemoAccessEvent.event == "denied",
                        DemoAccessEvent.occurred_at >= base_start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(
                        in_window,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        DemoAccessEvent.action,
                        DemoAccessEvent.reason_code,
                    )
                )
            ).all()
            others = (
                await session.execute(
                    select(
                        DemoAccessEvent.event,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        func.count(),
                    )
                    .where(
                        DemoAccessEvent.event.in_(("expired", "granted")),
                        DemoAccessEvent.occurred_at >= start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(DemoAccessEvent.event, DemoAccessEvent.target_type, DemoAccessEvent.target_id)
                )
            ).all()
            keys = {(r[1], r[2]) for r in denials} | {(r[1], r[2]) for r in others if r[0] == "expired"}
            names = await _target_names(session, keys)
        scale = Decimal(ACCESS_BASELINE_DAYS) / window.n_days

        def factor(now_count: int, base_count: int) -> Decimal | None:
            return ratio(now_count * scale, base_count)

        per: dict[str, dict[Any, list[int]]] = {"target": {}, "action": {}, "reason": {}}
        for flag, target_type, target_id, action, reason, n in denials:
            for group, key in (
                ("target", (target_type, target_id)),
                ("action", action),
                ("reason", reason or "unknown"),
            ):
                counts = per[group].setdefault(key, [0, 0])
                counts[0 if flag else 1] += int(n)
        expiries: dict[tuple[str, int], int] = defaultdict(int)
        grants = 0
        for event, target_type, target_id, n in others:
            if event == "expired":
                expiries[(target_type, target_id)] += int(n)
            else:
                grants += int(n)
        target_keys = set(per["target"]) | set(expiries)
        targets = [
            AccessTarget(
                target_type=target_type,
                target_id=str(target_id),
                name=names.get((target_type, target_id)),
                denials=per["target"].get((target_type, target_id), [0, 0])[0],
                baseline_denials=per["target"].get((target_type, target_id), [0, 0])[1],
                spike_factor=factor(*per["target"].get((target_type, target_id), [0, 0])),
                expiries=expiries.get((target_type, target_id), 0),
            )
            for target_type, target_id in target_keys
        ]
        targets.sort(key=lambda t: (-t.denials, -t.expiries, t.target_type, int(t.target_id)))
        total_now = sum(c[0] for c in per["action"].values())
        total_base = sum(c[1] for c in per["action"].values())
        return AccessData(
            window_days=window.n_days,
            baseline_days=ACCESS_BASELINE_DAYS,
            denials_total=total_now,
            baseline_denials_total=total_base,
            spike_factor=factor(total_now, total_base),
            by_target=tuple(targets),
            by_action=denial_stats(per["action"], factor),
            by_reason=denial_stats(per["reason"], factor),
            expiries_total=sum(expiries.values()),
            grants_total=grants,
            sources=("demo_access_events", "demo_products", "demo_looks"),
        )

    async def renewals(self, window: DayWindow) -> RenewalsData:
        start, end = window.utc_bounds()
        async with self._session() as session:
            rows = (
                await session.execute(
                    select(
                        DemoAccessEvent.event,
                        DemoAccessEvent.target_type,
                        DemoAccessEvent.target_id,
                        func.count(),
                        func.sum(DemoAccessEvent.amount),
                    )
                    .where(
                        DemoAccessEvent.event.in_(("renew_offered", "renew_completed")),
                        DemoAccessEvent.occurred_at >= start,
                        DemoAccessEvent.occurred_at < end,
                    )
                    .group_by(DemoAccessEvent.event, DemoAccessEvent.target_type, DemoAccessEvent.target_id)
                )
            ).all()
            names = await _target_names(session, {(r[1], r[2]) for r in rows})
        per: dict[tuple[str, int], list[Any]] = {}
        for event, target_type, target_id, n, amount in rows:
            entry = per.setdefault((target_type, target_id), [0, 0, ZERO])
            if event == "renew_offered":
                entry[0] += int(n)
            else:
                entry[1] += int(n)
                entry[2] += or_zero(amount)
        targets = sorted(
            (
                RenewalTarget(
                    target_type=key[0],
                    target_id=str(key[1]),
                    name=names.get(key),
                    offers=offers,
                    completions=completions,
                    revenue=revenue,
                )
                for key, (offers, completions, revenue) in per.items()
            ),
            key=lambda t: (-t.revenue, -t.completions, -t.offers, t.target_type, int(t.target_id)),
        )
        offers = sum(t.offers for t in targets)
        completions = sum(t.completions for t in targets)
        return RenewalsData(
            offers=offers,
            completions=completions,
            conversion_pct=ratio(completions, offers, scale=100),
            revenue=sum((t.revenue for t in targets), ZERO),
            currency=self._currency,
            top_targets=tuple(targets[:10]),
            sources=("demo_access_events", "demo_products", "demo_looks"),
        )


async def _target_names(session: AsyncSession, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Names of access targets (products and looks) for display."""
    wanted = set(keys)
    names: dict[tuple[str, int], str] = {}
    product_ids = [i for t, i in wanted if t == "product"]
    look_ids = [i for t, i in wanted if t == "look"]
    if product_ids:
        rows = await session.execute(
            select(DemoProduct.id, DemoProduct.name).where(DemoProduct.id.in_(product_ids))
        )
        names.update({("product", i): n for i, n in rows})
    if look_ids:
        rows = await session.execute(select(DemoLook.id, DemoLook.name).where(DemoLook.id.in_(look_ids)))
        names.update({("look", i): n for i, n in rows})
    return names
