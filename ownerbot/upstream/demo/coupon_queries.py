"""Coupons: each coupon with its uses in a window and overall, from `demo_coupons` / `demo_coupon_uses`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import DemoCoupon, DemoCouponUse
from ownerbot.upstream.demo.db import DemoQueries, cents_sum, from_cents
from ownerbot.upstream.sales import ZERO, CouponReport, CouponUsage


class CouponQueries(DemoQueries):
    """`coupon_usage`: one session, three small statements (coupons are few; uses by an indexed time)."""

    async def coupon_usage(self, window: DayWindow, now: datetime) -> CouponReport:
        lo, hi = window.utc_bounds()
        c, u = DemoCoupon, DemoCouponUse
        coupons_stmt = select(c.id, c.code, c.percent, c.active, c.starts_at, c.ends_at, c.max_uses).order_by(
            c.code
        )
        # Uses up to `now` only: a use stamped later has not happened as of the answer.
        totals_stmt = select(u.coupon_id, func.count()).where(u.used_at <= now).group_by(u.coupon_id)
        window_stmt = (
            select(u.coupon_id, func.count(), cents_sum(u.discount_amount), cents_sum(u.order_total))
            .where(u.used_at >= lo, u.used_at < hi)
            .group_by(u.coupon_id)
        )
        async with self._session() as session:
            coupons = (await session.execute(coupons_stmt)).all()
            totals = {int(r[0]): int(r[1]) for r in (await session.execute(totals_stmt)).all()}
            in_window = {
                int(r[0]): (int(r[1]), from_cents(r[2]), from_cents(r[3]))
                for r in (await session.execute(window_stmt)).all()
            }
        usages = []
        for coupon in coupons:
            uses_total = totals.get(coupon.id, 0)
            uses, discount, order_total = in_window.get(coupon.id, (0, ZERO, ZERO))
            active = (
                coupon.active
                and coupon.starts_at <= now
                and (coupon.ends_at is None or coupon.ends_at > now)
                and (coupon.max_uses is None or uses_total < coupon.max_uses)
            )
            usages.append(
                CouponUsage(
                    code=coupon.code,
                    percent=coupon.percent,
                    active=active,
                    starts_at=coupon.starts_at,
                    ends_at=coupon.ends_at,
                    max_uses=coupon.max_uses,
                    uses_total=uses_total,
                    uses=uses,
                    discount=discount,
                    order_total=order_total,
                )
            )
        return CouponReport(
            start=window.start,
            end=window.end,
            as_of=now,
            currency=self._currency,
            coupons=tuple(usages),
            sources=(c.__tablename__, u.__tablename__),
        )
