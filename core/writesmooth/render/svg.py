"""SVG renderer: one path per stroke, viewBox fitted to the ink with a margin, y downwards."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import svgwrite

from ..api import Renderer
from ..ink import Ink
from .layout import check_background, layout, parse_colour


class SvgRenderer(Renderer):
    name = "svg"
    suffixes = (".svg",)

    def render(self, inks: list[Ink], path: Path, *, stroke_width: float = 2.0,
               color: str = "black", background: str = "white", height: int | None = None,
               **_: Any) -> None:
        r, g, b = parse_colour(color)
        check_background(background)
        lay = layout(inks, height=height)
        dwg = svgwrite.Drawing(str(path), size=(f"{lay.width}px", f"{lay.height}px"),
                               viewBox=f"0 0 {lay.width} {lay.height}", profile="full")
        if background == "white":
            dwg.add(dwg.rect(insert=(0, 0), size=(lay.width, lay.height), fill="white"))
        group = dwg.g(fill="none", stroke=f"rgb({r},{g},{b})", stroke_width=stroke_width,
                      stroke_linecap="round", stroke_linejoin="round")
        for stroke in lay.strokes:
            pts = stroke.round(2).tolist()
            if len(pts) == 1:  # a dot: a zero-length segment shows with round caps
                pts = pts * 2
            d = "M" + " L".join(f"{x:g},{y:g}" for x, y in pts)
            group.add(dwg.path(d=d))
        dwg.add(group)
        for x, y, text in lay.labels:
            # 9 px monospace per label scale: about the advance the layout reserved (6 px)
            dwg.add(dwg.text(text, insert=(x, y), font_size=f"{9 * lay.label_scale}px",
                             font_family="monospace", fill="#444"))
        dwg.save()
