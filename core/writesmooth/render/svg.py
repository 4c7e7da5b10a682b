"""SVG renderer: one path per stroke, viewBox fitted to the ink with a margin, y downwards; a
page laid out on paper is drawn at paper size instead (:mod:`.page`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import svgwrite

from ..api import Renderer
from ..ink import Ink
from .layout import check_background, label_font, layout, parse_colour
from .page import page_svg, path_d, the_page


class SvgRenderer(Renderer):
    name = "svg"
    suffixes = (".svg",)

    def render(self, inks: list[Ink], path: Path, *, stroke_width: float = 2.0,
               color: str = "black", background: str = "white", height: int | None = None,
               **_: Any) -> None:
        r, g, b = parse_colour(color)
        check_background(background)
        page = the_page(inks)
        if page is not None:  # in mm at paper size, the pen width the paper's
            page_svg(page, path, (r, g, b))
            return
        lay = layout(inks, height=height)
        dwg = svgwrite.Drawing(str(path), size=(f"{lay.width}px", f"{lay.height}px"),
                               viewBox=f"0 0 {lay.width} {lay.height}", profile="full")
        if background == "white":
            dwg.add(dwg.rect(insert=(0, 0), size=(lay.width, lay.height), fill="white"))
        group = dwg.g(fill="none", stroke=f"rgb({r},{g},{b})", stroke_width=stroke_width,
                      stroke_linecap="round", stroke_linejoin="round")
        for stroke in lay.strokes:
            group.add(dwg.path(d=path_d(stroke)))
        dwg.add(group)
        font = label_font(lay.label_size) if lay.labels else None
        for x, y, text in lay.labels:
            # The layout measured the label in the PNG's font; the viewer's sans-serif may be
            # wider, so the text is fitted to the measured length and never runs into the ink.
            dwg.add(dwg.text(text, insert=(x, y), font_size=f"{lay.label_size}px",
                             font_family="sans-serif", fill="#444",
                             textLength=f"{font.getlength(text):g}",
                             lengthAdjust="spacingAndGlyphs"))
        dwg.save()
