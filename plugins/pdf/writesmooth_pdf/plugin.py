"""The module named by the ``writesmooth`` entry point: the PDF renderer. It imports only
writesmooth; fpdf2 is imported when a file is written."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import writesmooth


class PdfRenderer(writesmooth.Renderer):
    """Pages as one vector PDF, a PDF page of each sheet's size (docs/outputs.md)."""

    name = "pdf"
    suffixes = (".pdf",)
    needs_pages = True
    multi_page = True

    def render(self, inks: list[writesmooth.Ink], path: Path, *, color: str = "black",
               **_: Any) -> None:
        # stroke_width and height are for figures in pixels: a page has its pen width in mm
        from .document import write_pdf

        write_pdf(writesmooth.as_pages(inks), Path(path), writesmooth.parse_colour(color))


@writesmooth.hookimpl
def register_renderers(register):
    register(PdfRenderer)
