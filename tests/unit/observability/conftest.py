from collections.abc import Iterator

import pytest

from ownerbot.observability.logging import reset_logging


@pytest.fixture(autouse=True)
def _detach_log_handler() -> Iterator[None]:
    yield
    reset_logging()
