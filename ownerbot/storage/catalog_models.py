"""Tables of the catalog operations (`upstream/demo/catalog_ops/`): price jobs and their backups,
input-currency base prices for FX reprice, FX settings, and Idempotency-Key records.

The DEMO shop and the SIS simulator keep them beside their `demo_*` tables (migration 0004).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ownerbot.storage.models import Base, BigIntegerPK, JSONType, UTCDateTime

Money = Numeric(12, 2)


class CatalogPriceJob(Base):
    """One applied price change: `kind` reprice | bump. Only reprice jobs can be rolled back."""

    __tablename__ = "catalog_price_jobs"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    rate_set_id: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(BigInteger())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    affected_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # Coupons this job disabled (re-enabled by its rollback).
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rolled_back_by: Mapped[int | None] = mapped_column(BigInteger())


class CatalogPriceBackup(Base):
    """A product's price fields before a job changed them (and the price the job set)."""

    __tablename__ = "catalog_price_backups"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(
        BigIntegerPK, ForeignKey("catalog_price_jobs.id"), nullable=False, index=True
    )
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    price_before: Mapped[Decimal | None] = mapped_column(Money)
    compare_at_before: Mapped[Decimal | None] = mapped_column(Money)
    discount_before: Mapped[int | None] = mapped_column(Integer)
    price_after: Mapped[Decimal | None] = mapped_column(Money)


class CatalogBasePrice(Base):
    """A product's base price in an input currency: what FX reprice converts into the shop currency."""

    __tablename__ = "catalog_base_prices"

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    # The snapshot whose rates derived it from the shop price (None: set by hand).
    rate_set_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CatalogFxSettings(Base):
    """FX settings (the whitelisted keys of `PATCH /fx/settings`), one row per shop."""

    __tablename__ = "catalog_fx_settings"

    shop_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[int | None] = mapped_column(BigInteger())


class CatalogIdempotencyRecord(Base):
    """The stored answer of an operation called with an Idempotency-Key: same key → same answer."""

    __tablename__ = "catalog_idempotency"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
