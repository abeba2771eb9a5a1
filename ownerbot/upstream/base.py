"""The provider interface read tools use. DEMO implements it over the demo tables; SIS over HTTP.

Tools never touch a database or an HTTP client: they ask `provider.sales` or `provider.ops` in
business words and get typed DTOs back. A provider that cannot answer a question raises
`ProviderNotSupported` (the tool answers `NOT_SUPPORTED`); one that cannot reach its source raises
`ProviderUnavailable` (`UPSTREAM_UNAVAILABLE` / `SIS_UNAVAILABLE`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ownerbot.upstream.ops import OpsReader
    from ownerbot.upstream.sales import SalesReader


class ProviderNotSupported(Exception):
    """The provider has no way to answer this question (e.g. SIS gateway lacks the endpoint)."""


class ProviderUnavailable(Exception):
    """The provider's source cannot be reached right now.

    `code` (optional) is the stable error code the runner answers with (e.g. `SIS_UNAVAILABLE`,
    `SIS_AUTH_ERROR`); without it the runner says `UPSTREAM_UNAVAILABLE`.
    """

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code


class UpstreamProvider(Protocol):
    """One data source. `name` is `DEMO` or `SIS`; `source_prefix` starts provenance sources (`demo:`)."""

    @property
    def name(self) -> str: ...

    @property
    def source_prefix(self) -> str: ...

    @property
    def sales(self) -> SalesReader: ...

    @property
    def ops(self) -> OpsReader: ...
