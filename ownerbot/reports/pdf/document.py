"""The A4 document every PDF report uses: styles, tables that repeat their header on each page, charts
as images, and the provenance footer with the page number on every page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from ownerbot.reports import style
from ownerbot.reports.inputs import ReportInputs
from ownerbot.reports.provenance import footer_text

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
FOOTER_SPACE = 24 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
KEEP_TOGETHER_ROWS = 30
WRAPPED_CELLS_UP_TO_ROWS = 60
CELL_PADDING = 3
CELL_FONT_SIZE = 8
Align = Literal["left", "right"]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` points in the cell font (plain cells do not wrap)."""
    if stringWidth(text, style.PDF_FONT, CELL_FONT_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", style.PDF_FONT, CELL_FONT_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle
    head_right: ParagraphStyle
    footer: ParagraphStyle


def make_styles() -> Styles:
    regular, bold = style.register_pdf_fonts()
    ink, muted = colors.HexColor(style.INK), colors.HexColor(style.MUTED)

    def para(name: str, **kwargs: Any) -> ParagraphStyle:
        kwargs.setdefault("fontName", regular)
        kwargs.setdefault("textColor", ink)
        return ParagraphStyle(name, **kwargs)

    return Styles(
        title=para("title", fontName=bold, fontSize=19, leading=24, spaceAfter=2),
        subtitle=para("subtitle", fontSize=10.5, leading=14, textColor=muted, spaceAfter=8),
        heading=para("heading", fontName=bold, fontSize=13, leading=17, spaceBefore=10, spaceAfter=3),
        body=para("body", fontSize=9.5, leading=13, spaceAfter=3),
        muted=para("muted", fontSize=8.5, leading=11, textColor=muted, spaceAfter=4),
        cell=para("cell", fontSize=CELL_FONT_SIZE, leading=10.5, alignment=TA_LEFT),
        cell_right=para("cell_right", fontSize=CELL_FONT_SIZE, leading=10.5, alignment=TA_RIGHT),
        head=para("head", fontName=bold, fontSize=8.5, leading=10.5, textColor=muted),
        head_right=para(
            "head_right", fontName=bold, fontSize=8.5, leading=10.5, textColor=muted, alignment=TA_RIGHT
        ),
        footer=para("footer", fontSize=6.8, leading=8.4, textColor=muted),
    )


@dataclass
class PdfReport:
    """Flowables of one report, written top to bottom; `build()` lays them out on A4 pages."""

    inputs: ReportInputs
    title: str
    styles: Styles = field(default_factory=make_styles)
    story: list[Flowable] = field(default_factory=list)
    _pending: list[Flowable] = field(default_factory=list)

    def text(self, key: str, **params: Any) -> str:
        return self.inputs.formats.text(key, **params)

    def unavailable(self, key: str) -> bool:
        """Print the failure of section `key` (its error code) and return True when its tool failed."""
        if self.inputs.ok(key) is not None:
            return False
        self.paragraph(self.text("common.unavailable", code=self.inputs.error_code(key) or "-"), muted=True)
        return True

    def title_block(self, subtitle: str) -> None:
        self._flush()
        self.story.append(Paragraph(_escape(self.title), self.styles.title))
        self.story.append(Paragraph(_escape(subtitle), self.styles.subtitle))

    def heading(self, title: str, note: str = "") -> None:
        """A section title (and note) kept on the same page as the first thing that follows it."""
        self._flush()
        self._pending.append(Paragraph(_escape(title), self.styles.heading))
        if note:
            self._pending.append(Paragraph(_escape(note), self.styles.muted))

    def _add(self, flowable: Flowable, *, keep_with_heading: bool = True) -> None:
        if self._pending and keep_with_heading:
            self.story.append(KeepTogether([*self._pending, flowable]))
            self._pending = []
            return
        self._flush()
        self.story.append(flowable)

    def _flush(self) -> None:
        if self._pending:
            self.story.append(KeepTogether(self._pending))
            self._pending = []

    def paragraph(self, text: str, *, muted: bool = False) -> None:
        self._add(Paragraph(_escape(text), self.styles.muted if muted else self.styles.body))

    def lines(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.paragraph(line)

    def spacer(self, height_mm: float = 3) -> None:
        self._add(Spacer(1, height_mm * mm), keep_with_heading=False)

    def image(self, png: bytes, width: float = CONTENT_WIDTH) -> None:
        """A chart rendered by matplotlib, scaled to `width` with its aspect ratio."""
        picture = Image(io.BytesIO(png))
        ratio = picture.imageHeight / picture.imageWidth
        picture.drawWidth = width
        picture.drawHeight = width * ratio
        self._add(picture)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        align: Sequence[Align] | None = None,
        *,
        empty_text: str = "",
    ) -> None:
        """A table whose header repeats on every page it spans; cells wrap (long names stay readable).

        `widths` are fractions of the content width; `align` is per column (numbers right).
        """
        if not rows:
            self.paragraph(empty_text or self.text("common.no_rows"), muted=True)
            return
        aligns = list(align or ["left"] * len(header))
        s = self.styles
        head_row = [
            Paragraph(_escape(h), s.head_right if a == "right" else s.head)
            for h, a in zip(header, aligns, strict=True)
        ]
        col_widths = [w * CONTENT_WIDTH for w in widths]
        commands: list[Any] = []
        body: list[list[Any]]
        if len(rows) <= WRAPPED_CELLS_UP_TO_ROWS:
            body = [
                [
                    Paragraph(_escape(c), s.cell_right if a == "right" else s.cell)
                    for c, a in zip(row, aligns, strict=True)
                ]
                for row in rows
            ]
        else:
            # Thousands of rows (the ops lists): plain strings, fitted to their column, lay out ~10x
            # faster than a Paragraph per cell.
            body = [
                [_fit(c, width - CELL_PADDING * 2) for c, width in zip(row, col_widths, strict=True)]
                for row in rows
            ]
            commands += [
                ("FONTNAME", (0, 1), (-1, -1), s.cell.fontName),
                ("FONTSIZE", (0, 1), (-1, -1), s.cell.fontSize),
                ("LEADING", (0, 1), (-1, -1), s.cell.leading),
                ("TEXTCOLOR", (0, 1), (-1, -1), s.cell.textColor),
            ]
            commands += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, a in enumerate(aligns) if a == "right"]
        table = LongTable([head_row, *body], colWidths=col_widths, repeatRows=1)
        commands += [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(style.FAINT)),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ]
        for index in range(1, len(body) + 1, 2):
            commands.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor(style.PANEL)))
        table.setStyle(TableStyle(commands))
        # A short table moves whole to the next page rather than leave its heading behind; a long one
        # starts right away and repeats its header row on every page it spans.
        self._add(table, keep_with_heading=len(rows) <= KEEP_TOGETHER_ROWS)

    def build(self) -> bytes:
        self._flush()
        buffer = io.BytesIO()
        footer = footer_text(self.inputs)
        page_label = self.text("pdf.page")
        footer_style = self.styles.footer

        def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
            canvas.saveState()
            canvas.setStrokeColor(colors.HexColor(style.GRID))
            canvas.setLineWidth(0.6)
            canvas.line(MARGIN, FOOTER_SPACE - 3 * mm, PAGE_WIDTH - MARGIN, FOOTER_SPACE - 3 * mm)
            paragraph = Paragraph(_escape(f"{footer} · {page_label} {doc.page}"), footer_style)
            _, height = paragraph.wrap(CONTENT_WIDTH, FOOTER_SPACE)
            paragraph.drawOn(canvas, MARGIN, FOOTER_SPACE - 5 * mm - height)
            canvas.restoreState()

        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=FOOTER_SPACE,
            title=self.title,
            author="OwnerBot",
            subject=self.title,
            creator="OwnerBot",
            lang=self.inputs.locale,
            # Same answers, same bytes: no creation date or random document id in the file.
            invariant=True,
        )
        document.build(list(self.story), onFirstPage=decorate, onLaterPages=decorate)
        return buffer.getvalue()
