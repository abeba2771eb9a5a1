"""Logs carry the correlation id and never a configured secret."""

from __future__ import annotations

import json
import logging

import pytest

from ownerbot.observability.correlation import correlation_scope
from ownerbot.observability.logging import configure_logging

SECRET = "123456:SECRET-token-value-for-tests-0000000"


@pytest.fixture
def logger() -> logging.Logger:
    return logging.getLogger("ownerbot.test.logging")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secret_is_masked_in_message_args_extras_and_traceback(
    capsys: pytest.CaptureFixture[str], logger: logging.Logger, fmt: str
) -> None:
    configure_logging("INFO", fmt, [SECRET])
    logger.info("token is %s", SECRET, extra={"url": f"https://api/bot{SECRET}/getMe"})
    try:
        raise RuntimeError(f"failed calling bot{SECRET}")
    except RuntimeError:
        logger.exception("boom")
    err = capsys.readouterr().err
    assert "token is ***" in err
    assert SECRET not in err
    assert "RuntimeError" in err


def test_json_lines_carry_correlation_id(capsys: pytest.CaptureFixture[str], logger: logging.Logger) -> None:
    configure_logging("INFO", "json", [])
    with correlation_scope("abc123"):
        logger.info("inside", extra={"update_kind": "message"})
    logger.info("outside")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    inside = next(r for r in lines if r["msg"] == "inside")
    outside = next(r for r in lines if r["msg"] == "outside")
    assert inside["correlation_id"] == "abc123" and inside["update_kind"] == "message"
    assert outside["correlation_id"] == "-"


def test_text_format_has_correlation_id(capsys: pytest.CaptureFixture[str], logger: logging.Logger) -> None:
    configure_logging("INFO", "text", [])
    with correlation_scope("cid-42"):
        logger.warning("hello")
    assert "[cid-42]" in capsys.readouterr().err
