"""PNG renderer: antialiased strokes, labels in a real font, white or transparent background; a
page laid out on paper is drawn as the whole sheet at a fixed resolution (:mod:`.page`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..api import Renderer
from ..ink import Ink
from .layout import Layout, check_background, label_font, layout, parse_colour
from .page import PngOptions, page_png, the_page
from .raster import compose, coverage

LABEL_SHADE = 0.75  # labels in a lighter tone of the ink colour, so the handwriting stands out


def label_coverage(lay: Layout) -> np.ndarray:
    """Float32 ``(height, width)`` coverage of the layout's labels, antialiased by FreeType."""
    mask = Image.new("L", (lay.width, lay.height), 0)
    draw = ImageDraw.Draw(mask)
    font = label_font(lay.label_size)
    for x, baseline, text in lay.labels:
        draw.text((x, baseline), text, fill=255, font=font, anchor="ls")
    return np.asarray(mask, np.float32) * (LABEL_SHADE / 255)


class PngRenderer(Renderer):
    name = "png"
    suffixes = (".png",)
    options = PngOptions

    def render(self, inks: list[Ink], path: Path, *, stroke_width: float = 2.0,
               color: str = "black", background: str = "white", height: int | None = None,
               options: PngOptions | None = None, **_: Any) -> None:
        colour = parse_colour(color)
        check_background(background)
        page = the_page(inks)
        if page is not None:  # the sheet at its resolution, the pen width the paper's
            page_png(page, path, colour, background, (options or PngOptions()).dpi)
            return
        lay = layout(inks, height=height)
        cov = coverage(lay.strokes, lay.width, lay.height, stroke_width)
        if lay.labels:
            np.maximum(cov, label_coverage(lay), out=cov)
        rgba = compose(cov, colour, background)
        # an opaque figure needs no alpha channel
        image = Image.fromarray(rgba if background == "transparent" else rgba[..., :3])
        image.save(path, format="PNG")
