"""A change counter that async code can wait on."""

from __future__ import annotations

import asyncio


class Changes:
    """A version counter async code can wait on; ``bump`` is safe to call from sync code."""

    def __init__(self) -> None:
        self.version = 0
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bump(self) -> None:
        self.version += 1
        if self._event is not None:
            self._event.set()
            self._event = None

    def _current_event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        return self._event

    async def wait(self, after: int, seconds: float) -> bool:
        """Wait until ``version > after``; False after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._current_event()
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return self.version > after
        return True
