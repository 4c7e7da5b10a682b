"""Pages of ink (``writesmooth.lay_out``, ``writesmooth.as_pages``) as a vector PDF with fpdf2:
each stroke a polyline in millimetres with round caps and joins, the paper's rules under the
writing in a light colour, the first line of the text as the document's title."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import writesmooth


def _polyline(pdf, points) -> None:
    pts = [(float(x), float(y)) for x, y in points]
    if len(pts) == 1:  # a dot: a zero-length segment shows with round caps
        pts = pts * 2
    pdf.polyline(pts)


def pdf_bytes(pages: Sequence[writesmooth.Ink], colour: tuple[int, int, int]) -> bytes:
    """The pages as the bytes of one PDF."""
    from fpdf import FPDF
    from fpdf.enums import StrokeCapStyle, StrokeJoinStyle

    if not pages:
        raise writesmooth.WritesmoothError("nothing to draw: no page")
    first = pages[0].meta["paper"]
    pdf = FPDF(unit="mm", format=(first["width"], first["height"]))
    pdf.set_auto_page_break(False)
    pdf.set_creator("writesmooth")
    title = next((line.strip() for page in pages for line in page.text.splitlines()
                  if line.strip()), "")
    if title:
        pdf.set_title(title)
    round_ends = {"stroke_cap_style": StrokeCapStyle.ROUND,
                  "stroke_join_style": StrokeJoinStyle.ROUND}
    for page in pages:
        paper = page.meta["paper"]
        pdf.add_page(format=(paper["width"], paper["height"]))
        rules = writesmooth.ruling_lines(page)
        if rules:
            with pdf.local_context(draw_color=writesmooth.RULE_COLOUR,
                                   line_width=writesmooth.RULE_WIDTH, **round_ends):
                for line in rules:
                    _polyline(pdf, line)
        with pdf.local_context(draw_color=colour, line_width=paper["pen_width"],
                               **round_ends):
            for stroke in page.strokes:
                _polyline(pdf, stroke)
    return bytes(pdf.output())


def write_pdf(pages: Sequence[writesmooth.Ink], path: Path,
              colour: tuple[int, int, int]) -> None:
    """The pages as one PDF file (made whole in memory first, so a failure leaves none)."""
    path.write_bytes(pdf_bytes(pages, colour))
