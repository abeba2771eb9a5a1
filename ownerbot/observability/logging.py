"""Logging set-up: text or JSON lines, each record stamped with the correlation id, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ownerbot.observability.correlation import current_correlation_id

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
MASK = "***"


class CorrelationFilter(logging.Filter):
    """Adds `correlation_id` to every record (``-`` outside a unit of work)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = current_correlation_id() or "-"
        return True


class SecretMaskingFilter(logging.Filter):
    """Replaces configured secret values in the final message, args and extras with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        # Render once so secrets inside args are caught, then freeze the masked text.
        try:
            rendered = record.getMessage()
        except (TypeError, ValueError):
            rendered = str(record.msg)
        record.msg = self.mask(rendered)
        record.args = None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self.mask(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in payload and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable single-line records with the correlation id in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s [%(correlation_id)s] %(name)s: %(message)s")


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Install one stderr handler on the root logger; safe to call again (it replaces ours)."""
    reset_logging()
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler._ownerbot = True  # type: ignore[attr-defined]
    handler.addFilter(CorrelationFilter())
    handler.addFilter(SecretMaskingFilter(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # aiogram logs every update at INFO ("Update id=... is handled"); keep it but not the noisy event loop.
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


def reset_logging() -> None:
    """Remove the handler `configure_logging` installed (tests, embedded use)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ownerbot", False):
            root.removeHandler(handler)
