"""The provenance footer every artifact carries: sources, windows, as of, and the correlation id."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.style import FOOTER_WRAP_CHARS, as_datetime


@dataclass(frozen=True)
class ProvenanceFacts:
    """Collected from the answers that came back ok; windows are (from, to) shop-local dates."""

    sources: tuple[str, ...]
    windows: tuple[tuple[str, str], ...]
    tz: str
    as_of: str | None
    correlation_id: str
    failed: tuple[tuple[str, str], ...]  # (tool, error code) of sections that could not be answered


def collect(inputs: ReportInputs) -> ProvenanceFacts:
    sources: dict[str, None] = {}
    windows: dict[tuple[str, str], None] = {}
    tz = inputs.formats.tz
    latest = None
    failed: dict[tuple[str, str], None] = {}
    for key, response in inputs.responses.items():
        if response.status != "ok":
            code = inputs.error_code(key) or "ERROR"
            failed[(response.tool, code)] = None
            continue
        for page in inputs.all_pages(key):
            sources.update(dict.fromkeys(page.provenance.sources))
        window = response.provenance.window
        if window is not None:
            windows[(window.from_, window.to)] = None
            tz = window.tz
        if response.as_of is not None and (latest is None or response.as_of > latest):
            latest = response.as_of
    return ProvenanceFacts(
        sources=tuple(sources),
        windows=tuple(sorted(windows)),
        tz=tz,
        as_of=latest.isoformat() if latest is not None else None,
        correlation_id=inputs.correlation_id,
        failed=tuple(failed),
    )


def footer_text(inputs: ReportInputs) -> str:
    """One paragraph: «Источники: … · Окна: … · Данные на … · ID запроса: …»."""
    facts = collect(inputs)
    fmt = inputs.formats
    sources = ", ".join(facts.sources) if facts.sources else fmt.dash()
    if facts.windows:
        windows = "; ".join(fmt.window(start, end) for start, end in facts.windows)
        window_part = fmt.text("footer.windows", windows=windows, tz=facts.tz)
    else:
        window_part = fmt.text("footer.snapshot")
    as_of = fmt.datetime(as_datetime(facts.as_of) or inputs.now)
    parts = [
        fmt.text("footer.sources", sources=sources),
        window_part,
        fmt.text("footer.as_of", as_of=as_of),
        fmt.text("footer.correlation", cid=facts.correlation_id),
    ]
    if facts.failed:
        failed = ", ".join(f"{tool} ({code})" for tool, code in facts.failed)
        parts.append(fmt.text("footer.failed", failed=failed))
    return " · ".join(parts)


def footer_lines(inputs: ReportInputs, width: int = FOOTER_WRAP_CHARS) -> list[str]:
    """The footer wrapped for a PNG (PDF paragraphs wrap by themselves)."""
    return textwrap.wrap(footer_text(inputs), width=width, break_long_words=True)
