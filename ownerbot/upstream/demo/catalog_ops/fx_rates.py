"""FX snapshots as the reprice reads them: rates by currency and the factor between two currencies."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ownerbot.storage.demo_models import DemoFxSnapshot
from ownerbot.upstream.catalog import CatalogValidationError, FxSnapshotInfo


class Snapshot:
    def __init__(self, row: DemoFxSnapshot) -> None:
        self.rate_set_id = row.rate_set_id
        self.base = row.base_currency
        self.rates = dict(row.rates)
        self.fetched_at = row.fetched_at

    def rate(self, currency: str) -> Decimal:
        """Units of `currency` per one base unit; SIS_RATE_MISSING when the snapshot lacks it."""
        if currency == self.base:
            return Decimal(1)
        raw = self.rates.get(currency)
        if raw is None:
            raise CatalogValidationError(
                f"no {currency} rate in snapshot {self.rate_set_id}",
                {"currency": currency, "rate_set_id": self.rate_set_id},
                code="SIS_RATE_MISSING",
            )
        return Decimal(str(raw))

    def factor(self, input_currency: str, shop_currency: str) -> Decimal:
        """Shop-currency units per one input-currency unit."""
        return self.rate(shop_currency) / self.rate(input_currency)

    def info(self) -> FxSnapshotInfo:
        return FxSnapshotInfo(
            rate_set_id=self.rate_set_id,
            base_currency=self.base,
            rates={k: str(v) for k, v in self.rates.items()},
            fetched_at=self.fetched_at,
        )


async def latest_and_oldest(session: AsyncSession) -> tuple[Snapshot | None, Snapshot | None]:
    """(latest, oldest) snapshots."""
    latest = await session.scalar(
        select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at.desc(), DemoFxSnapshot.id.desc()).limit(1)
    )
    oldest = await session.scalar(
        select(DemoFxSnapshot).order_by(DemoFxSnapshot.fetched_at, DemoFxSnapshot.id).limit(1)
    )
    return (Snapshot(latest) if latest else None, Snapshot(oldest) if oldest else None)


async def snapshot_by_id(session: AsyncSession, rate_set_id: str | None) -> Snapshot | None:
    row = await session.scalar(select(DemoFxSnapshot).where(DemoFxSnapshot.rate_set_id == rate_set_id))
    return Snapshot(row) if row else None
