"""A page of ink as a vpype document: its strokes as lines in CSS pixels on a sheet of the
page's size, checked, and ordered by vpype's ``linesort`` to cut pen-up travel.

A page is an ``Ink`` in millimetres on the sheet (origin top-left, y down) whose
``meta["paper"]`` gives the sheet's ``width`` and ``height``. Only its strokes become lines:
the ruling of the paper is not drawn (a plotter would draw it with the pen).
"""
from __future__ import annotations

import logging
import math
from typing import Sequence

import numpy as np
import vpype as vp
import vpype_cli

import writesmooth

PX_PER_MM = 96 / 25.4    # vpype's unit is the CSS pixel, 96 to the inch
TOLERANCE_MM = 0.01      # ink this close outside the sheet counts as on it (float rounding)


def run_vpype(pipeline: str, doc: vp.Document) -> vp.Document:
    """``vpype_cli.execute(pipeline, doc)``, leaving the host's logging as it was: vpype's
    command line configures the root logger (a handler, level WARNING) whenever it runs."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    try:
        return vpype_cli.execute(pipeline, doc)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def one_page(inks: Sequence[writesmooth.Ink], what: str) -> writesmooth.Ink:
    """The single page a plotter file holds (the command line writes one file per page);
    inks that are not pages (lines, a figure) go together on a plain A4 page."""
    pages = writesmooth.as_pages(list(inks))
    if len(pages) != 1:
        raise writesmooth.WritesmoothError(
            f"a {what} file holds one page, got {len(pages)} (write one file per page)")
    return pages[0]


def sheet_size(page: writesmooth.Ink) -> tuple[float, float]:
    """The page's sheet, ``(width, height)`` in mm, from ``meta["paper"]``."""
    paper = page.meta.get("paper")
    try:
        width, height = float(paper["width"]), float(paper["height"])
    except (TypeError, KeyError, ValueError):
        raise writesmooth.WritesmoothError(
            "plotter output needs a page: an ink in mm with meta['paper'] giving the sheet's "
            "width and height (writesmooth.as_pages lays lines out on paper)") from None
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise writesmooth.WritesmoothError(f"the sheet must have a positive size, not "
                                           f"{width:g} x {height:g} mm")
    return width, height


def check_page(page: writesmooth.Ink) -> tuple[float, float]:
    """The sheet size, after refusing points that are not numbers or lie off the sheet."""
    width, height = sheet_size(page)
    if page.is_empty():
        return width, height
    pts = page.points()
    if not np.isfinite(pts).all():
        bad = int((~np.isfinite(pts)).any(axis=1).sum())
        raise writesmooth.WritesmoothError(
            f"the page has {bad} point{'s' if bad > 1 else ''} that are not numbers (NaN or "
            f"infinite); a plotter cannot draw them")
    x0, y0, x1, y1 = page.bounds()
    if x0 < -TOLERANCE_MM or y0 < -TOLERANCE_MM or x1 > width + TOLERANCE_MM or \
            y1 > height + TOLERANCE_MM:
        raise writesmooth.WritesmoothError(
            f"the ink runs off the {width:g} x {height:g} mm sheet (it spans x {x0:.1f} to "
            f"{x1:.1f}, y {y0:.1f} to {y1:.1f} mm); lay it out with wider margins")
    return width, height


def lines_of(page: writesmooth.Ink, scale: float = PX_PER_MM) -> vp.LineCollection:
    """The page's strokes as vpype lines, in CSS pixels for a page in mm (``scale``: pixels
    per unit of the ink); a one-point stroke (a dot) becomes a line of two equal points,
    which vpype keeps and a plotter draws as a dot."""
    lines = vp.LineCollection()
    for stroke in page.strokes:
        if len(stroke) == 0:
            continue
        pts = stroke.astype(np.float64) * scale
        line = pts[:, 0] + 1j * pts[:, 1]
        lines.append(np.repeat(line, 2) if len(line) == 1 else line)
    return lines


def order(lines: vp.LineCollection, start: complex = 0j) -> vp.LineCollection:
    """``lines`` reordered by vpype's ``linesort`` (reversing lines where that helps), the pen
    starting at ``start`` (CSS pixels). linesort keeps the first line first, so the start is
    put in as a line of no length and taken out after."""
    if len(lines) == 0:
        return lines
    doc = vp.Document(vp.LineCollection([[start, start], *lines.lines]))
    sorted_lines = run_vpype("linesort", doc).layers[1].lines
    return vp.LineCollection(sorted_lines[1:])


def pen_up_mm(lines: vp.LineCollection, start: complex = 0j) -> float:
    """Pen-up travel in mm: from ``start`` to the first line, and from each line's end to the
    next line's start (vpype's ``pen_up_length``)."""
    if len(lines) == 0:
        return 0.0
    first = abs(lines.lines[0][0] - start)
    return float(first + lines.pen_up_length()[0]) / PX_PER_MM


def document(page: writesmooth.Ink, *, sort: bool, start_mm: tuple[float, float] = (0.0, 0.0)
             ) -> vp.Document:
    """The checked page as a one-layer vpype document with the sheet's page size, its strokes
    in writing order or, with ``sort``, ordered from ``start_mm`` (on the sheet, mm)."""
    width, height = check_page(page)
    lines = lines_of(page)
    if sort:
        lines = order(lines, complex(*start_mm) * PX_PER_MM)
    doc = vp.Document(page_size=(width * PX_PER_MM, height * PX_PER_MM))
    if len(lines):
        doc.add(lines, 1)
    return doc


def travel(page: writesmooth.Ink, start_mm: tuple[float, float] = (0.0, 0.0)
           ) -> tuple[float, float]:
    """Pen-up travel of the page in mm, ``(in writing order, after ordering)``, the pen
    starting at ``start_mm`` on the sheet (default its top-left corner)."""
    check_page(page)
    lines = lines_of(page)
    start = complex(*start_mm) * PX_PER_MM
    return pen_up_mm(lines, start), pen_up_mm(order(lines, start), start)
