"""Pages at paper size (docs/outputs.md): what the SVG and PNG renderers draw when they are
given a page laid out by :mod:`writesmooth.paper` instead of a figure.

The SVG is what vector editors and pen plotters (Inkscape, AxiDraw, vpype) expect: millimetres,
one unfilled path per stroke with round caps, and the paper's rules in a layer of their own
that a plotter user can leave out. The PNG is the sheet at a fixed resolution.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import svgwrite
from PIL import Image

from ..api import option
from ..errors import WritesmoothError
from ..ink import Ink
from ..paper import RULE_COLOUR, RULE_WIDTH, is_page, ruling_lines
from .raster import coverage

DPI = 150  # PNG pages: an A4 sheet is 1240 x 1754 pixels
MM_PER_INCH = 25.4
MAX_PAGE_PX = 16000  # A4 at 1200 dpi is 9921 x 14032 pixels
INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"


@dataclass
class PngOptions:
    """The PNG renderer's settings (``--render-option KEY=VALUE``)."""

    dpi: float = option(DPI, help="Pixels per inch of a page (a figure's size is --height).",
                        min=10)


def the_page(inks: list[Ink]) -> Ink | None:
    """The one page among ``inks``, or ``None`` when they are a figure; several pages are an
    error, since these formats hold one page per file."""
    if not any(is_page(ink) for ink in inks):
        return None
    if len(inks) != 1:
        raise WritesmoothError(f"{len(inks)} pages given: an SVG or PNG file holds one page "
                               f"per file (write letter-1.png, letter-2.png, ...)")
    return inks[0]


def path_d(points: np.ndarray) -> str:
    """A stroke as an SVG path's ``d``, to the hundredth of a unit."""
    pts = np.round(points, 2).tolist()
    if len(pts) == 1:  # a dot: a zero-length segment shows with round caps
        pts = pts * 2
    return "M" + " L".join(f"{x:g},{y:g}" for x, y in pts)


def _layer(dwg: svgwrite.Drawing, name: str, colour: tuple[int, int, int],
           width: float) -> svgwrite.container.Group:
    r, g, b = colour
    group = dwg.g(id=name, fill="none", stroke=f"rgb({r},{g},{b})", stroke_width=f"{width:g}",
                  stroke_linecap="round", stroke_linejoin="round")
    # Inkscape (and the AxiDraw extension) show a group marked so as a layer of its own
    group["inkscape:groupmode"] = "layer"
    group["inkscape:label"] = name
    return group


def page_svg(page: Ink, path: Path, colour: tuple[int, int, int]) -> None:
    """The page as an SVG sheet in millimetres: the rules (if any) in the group ``paper``, the
    writing in the group ``writing``; no filled shape, so no background either."""
    info = page.meta["paper"]
    w, h = info["width"], info["height"]
    dwg = svgwrite.Drawing(str(path), size=(f"{w:g}mm", f"{h:g}mm"), viewBox=f"0 0 {w:g} {h:g}",
                           profile="full", debug=False)
    dwg.attribs["xmlns:inkscape"] = INKSCAPE
    rules = ruling_lines(page)
    if rules:
        paper = _layer(dwg, "paper", RULE_COLOUR, RULE_WIDTH)
        for line in rules:
            paper.add(dwg.path(d=path_d(line)))
        dwg.add(paper)
    writing = _layer(dwg, "writing", colour, info["pen_width"])
    for stroke in page.strokes:
        writing.add(dwg.path(d=path_d(stroke)))
    dwg.add(writing)
    dwg.save()


def page_png(page: Ink, path: Path, colour: tuple[int, int, int], background: str,
             dpi: float = DPI) -> None:
    """The page as a PNG of the sheet at ``dpi``: the rules light, the writing over them."""
    info = page.meta["paper"]
    px = dpi / MM_PER_INCH
    width, height = round(info["width"] * px), round(info["height"] * px)
    if max(width, height) > MAX_PAGE_PX:
        raise WritesmoothError(f"a page of {width}x{height} pixels is too large; ask for "
                               f"fewer dots per inch (-R dpi=...)")
    rules = coverage([s * np.float32(px) for s in ruling_lines(page)], width, height,
                     RULE_WIDTH * px)
    ink = coverage([s * np.float32(px) for s in page.strokes], width, height,
                   info["pen_width"] * px)
    # the writing over the rules, each by its coverage, over white or nothing
    rgb = np.full((height, width, 3), 255.0, np.float32)
    rgb += (np.asarray(RULE_COLOUR, np.float32) - rgb) * rules[..., None]
    rgb += (np.asarray(colour, np.float32) - rgb) * ink[..., None]
    if background == "transparent":
        alpha = 1 - (1 - rules) * (1 - ink)
        # the colour where there is any ink, unmixed with the white it was blended over
        shown = np.where(alpha[..., None] > 0,
                         255 + (rgb - 255) / np.maximum(alpha, 1e-6)[..., None], 255)
        rgba = np.dstack([np.clip(shown, 0, 255), alpha * 255])
        image = Image.fromarray(np.round(rgba).astype(np.uint8), "RGBA")
    else:
        image = Image.fromarray(np.round(rgb).astype(np.uint8), "RGB")
    image.save(path, format="PNG", dpi=(dpi, dpi))  # so that it prints at paper size
