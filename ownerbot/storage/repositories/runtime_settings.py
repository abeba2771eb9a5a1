"""Settings the owner changes at run time, kept across restarts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ownerbot.storage.dto import RuntimeSetting as RuntimeSettingDTO
from ownerbot.storage.models import RuntimeSetting, utcnow


class RuntimeSettingsRepository:
    """Reads and upserts runtime settings; values are anything JSON can hold."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None when unset."""
        async with self._session_factory() as session:
            return await session.scalar(select(RuntimeSetting.value).where(RuntimeSetting.key == key))

    async def get_record(self, key: str) -> RuntimeSettingDTO | None:
        """The setting with who changed it and when, or None when unset."""
        async with self._session_factory() as session:
            row = await session.get(RuntimeSetting, key)
            return None if row is None else RuntimeSettingDTO.model_validate(row)

    async def set(self, key: str, value: Any, updated_by: int | None = None) -> None:
        """Insert or replace `key` in one statement (INSERT … ON CONFLICT DO UPDATE)."""
        values = {"key": key, "value": value, "updated_at": utcnow(), "updated_by": updated_by}
        async with self._session_factory() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":
                pg_insert = postgresql.insert(RuntimeSetting).values(**values)
                statement = pg_insert.on_conflict_do_update(
                    index_elements=[RuntimeSetting.key],
                    set_={
                        "value": pg_insert.excluded.value,
                        "updated_at": pg_insert.excluded.updated_at,
                        "updated_by": pg_insert.excluded.updated_by,
                    },
                )
                await session.execute(statement)
            elif dialect == "sqlite":
                lite_insert = sqlite.insert(RuntimeSetting).values(**values)
                await session.execute(
                    lite_insert.on_conflict_do_update(
                        index_elements=[RuntimeSetting.key],
                        set_={
                            "value": lite_insert.excluded.value,
                            "updated_at": lite_insert.excluded.updated_at,
                            "updated_by": lite_insert.excluded.updated_by,
                        },
                    )
                )
            else:
                raise RuntimeError(
                    f"runtime settings upsert supports PostgreSQL and SQLite only, not {dialect}"
                )
            await session.commit()

    async def all(self) -> dict[str, Any]:
        """Every runtime setting as `{key: value}`."""
        async with self._session_factory() as session:
            rows = (await session.execute(select(RuntimeSetting.key, RuntimeSetting.value))).all()
        return {key: value for key, value in rows}
