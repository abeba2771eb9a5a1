"""Fault injection: make the next calls of a Bot API method fail the way Telegram can."""

from __future__ import annotations

import copy
from collections import deque

from ownerbot.playground.botapi.errors import DEFAULT_DESCRIPTIONS, ApiError
from ownerbot.playground.botapi.json_types import JsonDict


class Faults:
    """Planned failures, per method, raised before the method runs."""

    def __init__(self) -> None:
        super().__init__()
        self._failures: dict[str, deque[ApiError]] = {}

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (e.g. 429, 502, 403)."""
        parameters: JsonDict | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        if description is None:
            description = DEFAULT_DESCRIPTIONS.get(status, "Error")
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(ApiError(status, description, parameters))

    def _raise_injected_failure(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if queue:
            error = queue.popleft()
            raise ApiError(error.status, error.description, copy.deepcopy(error.parameters))
