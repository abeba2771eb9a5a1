"""What renderers take (tool responses with the report's parameters) and what they give (an artifact)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from ownerbot.reports.style import Formats
from ownerbot.tools.contract import Artifact, ToolResponse

ArtifactType = Literal["png", "pdf", "json", "csv"]
ExportFormat = Literal["native", "json", "csv"]
TREND_DAYS = (7, 30, 90)
CAPTION_LIMIT = 1024  # Telegram's caption limit (characters)


class ReportKind(StrEnum):
    TREND = "trend"
    DASHBOARD = "dashboard"
    FUNNEL = "funnel"
    ACCESS = "access"
    WEEKLY = "weekly"
    OPS = "ops"

    @property
    def native_type(self) -> ArtifactType:
        return "pdf" if self in (ReportKind.WEEKLY, ReportKind.OPS) else "png"


@dataclass(frozen=True)
class ReportRequest:
    """Which report, for whom (actor and locale), and its one parameter (`days`, for the trend)."""

    kind: ReportKind
    locale: str = "ru"
    days: int = 30
    actor_id: int | None = None
    role: Literal["owner", "system", "cli"] = "owner"

    def __post_init__(self) -> None:
        if self.kind is ReportKind.TREND and self.days not in TREND_DAYS:
            raise ValueError(f"days: one of {', '.join(map(str, TREND_DAYS))}, got {self.days}")


@dataclass(frozen=True)
class ReportInputs:
    """The tool responses of one report, keyed by section, and everything needed to present them.

    `pages` holds the further pages of paged answers (`orders_search`), first page excluded.
    `today` is the shop-local day the report was planned for; `now` the instant it was asked.
    """

    kind: ReportKind
    formats: Formats
    correlation_id: str
    now: datetime
    today: date
    responses: Mapping[str, ToolResponse]
    pages: Mapping[str, Sequence[ToolResponse]] = field(default_factory=dict)
    days: int = 30
    # The report's own period where it has one (weekly: the 7 completed days), for titles and names.
    period: tuple[date, date] | None = None

    @property
    def locale(self) -> str:
        return self.formats.locale

    def ok(self, key: str) -> ToolResponse | None:
        """The response of `key` when it answered ok, else None (missing or an error answer)."""
        response = self.responses.get(key)
        return response if response is not None and response.status == "ok" else None

    def data(self, key: str) -> dict[str, Any]:
        response = self.ok(key)
        return response.data if response is not None else {}

    def error_code(self, key: str) -> str | None:
        """The stable error code of a failed section (None when it answered or was not asked)."""
        response = self.responses.get(key)
        if response is None or response.error is None:
            return None
        return response.error.code.value

    def all_pages(self, key: str) -> list[ToolResponse]:
        first = self.ok(key)
        return [first, *self.pages.get(key, ())] if first is not None else []


@dataclass(frozen=True)
class ReportArtifact:
    """A rendered report: its bytes, a file name that says what and when, a caption, a chat summary."""

    type: ArtifactType
    filename: str
    data: bytes
    caption: str
    summary: str = ""

    def __post_init__(self) -> None:
        if len(self.caption) > CAPTION_LIMIT:
            object.__setattr__(self, "caption", self.caption[: CAPTION_LIMIT - 1] + "…")

    @property
    def media_type(self) -> str:
        return {
            "png": "image/png",
            "pdf": "application/pdf",
            "json": "application/json",
            "csv": "text/csv",
        }[self.type]

    def contract(self) -> Artifact:
        """The artifact as the tool contract lists it (`ToolResponse.artifacts`)."""
        return Artifact(type=self.type, filename=self.filename, caption=self.caption)
