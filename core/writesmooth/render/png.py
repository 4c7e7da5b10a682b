"""PNG renderer: antialiased strokes, white or transparent background."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..api import Renderer
from ..ink import Ink
from .font import stamp
from .layout import check_background, layout, parse_colour
from .raster import compose, coverage, write_png


class PngRenderer(Renderer):
    name = "png"
    suffixes = (".png",)

    def render(self, inks: list[Ink], path: Path, *, stroke_width: float = 2.0,
               color: str = "black", background: str = "white", height: int | None = None,
               **_: Any) -> None:
        colour = parse_colour(color)
        check_background(background)
        lay = layout(inks, height=height)
        cov = coverage(lay.strokes, lay.width, lay.height, stroke_width)
        for x, y, text in lay.labels:
            stamp(cov, text, x, y, lay.label_scale)
        write_png(path, compose(cov, colour, background))
