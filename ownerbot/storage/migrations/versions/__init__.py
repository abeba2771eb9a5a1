"""Alembic revisions, applied in order by `ownerbot.storage.migrate`."""
