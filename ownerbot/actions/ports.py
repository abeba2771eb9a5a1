"""What the pipeline and action tools need from the outside world, as protocols (no aiogram here).

The bot implements `ChatMessenger` with aiogram (`ownerbot/bot/messenger.py`); tests pass fakes.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class DeliveryError(Exception):
    """One message could not be delivered; `code` is short and stable (e.g. `TelegramForbiddenError`)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class ChatMessenger(Protocol):
    """Sends one text message to one chat; raises `DeliveryError` when that chat cannot be reached."""

    async def send_text(self, chat_id: int, text: str, *, silent: bool = False, html: bool = False) -> None:
        """Deliver `text`; `html` enables Telegram HTML markup (off for texts typed by people)."""
        ...


@runtime_checkable
class ArtifactMessenger(ChatMessenger, Protocol):
    """A messenger that also sends files (notifications send report PNGs and PDFs)."""

    async def send_photo(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None: ...

    async def send_document(self, chat_id: int, data: bytes, filename: str, *, caption: str = "") -> None: ...
