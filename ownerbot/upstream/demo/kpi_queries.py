"""KPI totals and the daily series from `demo_daily_sales`, and the guard every rollup reader shares.

Rollup days are shop-local days of the zone the demo was seeded in (`demo_meta.tz`); summing them for a
window of another zone would shift it, so such a window is refused (`ProviderNotSupported`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.domain.windows import DayWindow
from ownerbot.storage.demo_models import DemoDailySales, DemoMeta
from ownerbot.upstream.base import ProviderNotSupported
from ownerbot.upstream.demo.db import AnyRow, DemoQueries
from ownerbot.upstream.sales import ZERO, DailyPoint, DailySeries, KpiTotals

DAILY = DemoDailySales.__tablename__


class RollupQueries(DemoQueries):
    """Base of the readers of the `demo_daily_*` rollups."""

    def _require_window_zone(self, window: DayWindow) -> None:
        """Refused before any query when the window is in another zone than the reader."""
        if window.tz != self._tz:
            raise ProviderNotSupported(f"demo rollups are by {self._tz} days, not {window.tz} days")

    def _head(self) -> Select[Any, date | None]:
        """The seeded zone (`demo_meta.tz`) and the first day the demo has data for, as one row."""
        seeded_tz = select(DemoMeta.value).where(DemoMeta.key == "tz").scalar_subquery()
        first_day = select(func.min(DemoDailySales.day)).scalar_subquery()
        return select(seeded_tz.label("seeded_tz"), first_day.label("first_day"))

    def _require_seeded_zone(self, seeded: Any) -> None:
        """Refused when the shop's zone setting changed since the seed: rollups are by the seeded zone."""
        if seeded is not None and seeded != self._tz:
            raise ProviderNotSupported(f"demo rollups were built for {seeded} days, not {self._tz} days")

    async def _rollup_head(self, session: AsyncSession, window: DayWindow) -> date | None:
        """Check that the rollups are by the window's days; return the first day the demo has data for."""
        self._require_window_zone(window)
        seeded, first = (await session.execute(self._head())).one()
        self._require_seeded_zone(seeded)
        return first if isinstance(first, date) else None


class KpiQueries(RollupQueries):
    """`kpi_totals` and `daily_series`: O(days) rows of `demo_daily_sales`."""

    async def _daily_rows(self, window: DayWindow) -> tuple[dict[date, AnyRow], date | None]:
        """Rollup rows of the window by day, and the first day the demo has data for (None: no data).

        Quiet days have no rollup row, so coverage is judged by the first rollup day of the whole shop:
        a day before it is "no data", a day after it without a row is a real zero. One statement: the
        window's rows outer-joined to the one-row head (`_head`), so the head comes back even when the
        window has no row.
        """
        self._require_window_zone(window)
        d = DemoDailySales
        head = self._head().subquery("head")
        stmt = select(
            head.c.seeded_tz,
            head.c.first_day,
            d.day,
            d.revenue_gross,
            d.refunds,
            d.orders_created,
            d.orders_paid,
            d.paid_orders_value,
        ).select_from(head.outerjoin(d, and_(d.day >= window.start, d.day <= window.end)))
        async with self._session() as session:
            rows = (await session.execute(stmt)).all()
        self._require_seeded_zone(rows[0].seeded_tz)
        first_day = rows[0].first_day
        by_day = {row.day: row for row in rows if row.day is not None}
        return by_day, first_day if isinstance(first_day, date) else None

    async def kpi_totals(self, window: DayWindow) -> KpiTotals:
        by_day, first_day = await self._daily_rows(window)
        rows = by_day.values()
        covered = 0 if first_day is None else sum(1 for day in window.days() if day >= first_day)
        # Summed in Python: O(days) rows, and Decimal stays exact on SQLite too (no float SUM).
        return KpiTotals(
            start=window.start,
            end=window.end,
            currency=self._currency,
            revenue_gross=sum((r.revenue_gross for r in rows), ZERO),
            refunds=sum((r.refunds for r in rows), ZERO),
            orders_created=sum(r.orders_created for r in rows),
            orders_paid=sum(r.orders_paid for r in rows),
            paid_orders_value=sum((r.paid_orders_value for r in rows), ZERO),
            days_covered=covered,
            sources=(DAILY,),
        )

    async def daily_series(self, window: DayWindow) -> DailySeries:
        rows, first_day = await self._daily_rows(window)
        points = []
        for day in window.days():
            row = rows.get(day)
            covered = first_day is not None and day >= first_day
            if row is None:
                points.append(
                    DailyPoint(
                        day=day,
                        revenue_gross=ZERO,
                        orders_paid=0,
                        refunds=ZERO,
                        orders_created=0,
                        covered=covered,
                    )
                )
            else:
                points.append(
                    DailyPoint(
                        day=day,
                        revenue_gross=row.revenue_gross,
                        orders_paid=row.orders_paid,
                        refunds=row.refunds,
                        orders_created=row.orders_created,
                    )
                )
        return DailySeries(
            start=window.start,
            end=window.end,
            currency=self._currency,
            points=tuple(points),
            sources=(DAILY,),
        )
