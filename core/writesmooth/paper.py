"""Whole pages: lines of handwriting laid out on sheets of paper (docs/outputs.md).

A :class:`Paper` says how big the sheet is, where its margins are, how far apart the lines
are and how tall the writing is on them. :func:`lay_out` puts written lines on as many such
pages as they need; each page is an :class:`Ink` in millimetres on the sheet (origin at the top
left, y downwards) whose ``meta["paper"]`` describes the sheet, so that renderers can draw it at
paper size and draw the paper's rules (:func:`ruling_lines`) under the writing.

Model-agnostic and numpy only: the lines may come from any model, in any units.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import WritesmoothError
from .hand import hand_stats
from .ink import Ink, baseline

#: Sheet sizes by name, ``(width, height)`` in millimetres (portrait).
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "letter": (215.9, 279.4),
    "legal": (215.9, 355.6),
}
RULINGS = ("plain", "ruled", "squared")
SIDE_LIMITS = (20.0, 1000.0)   # mm: a sheet smaller or larger than this is a mistake

DEFAULT_MARGIN = 20.0          # mm on every side
DEFAULT_LINE_SPACING = 10.0    # mm between baselines: wide-ruled notebook paper is 8-9 mm
DEFAULT_PEN_WIDTH = 0.5        # mm: a fine felt-tip or ballpoint
# The writing's x-height as a fraction of the line spacing. The x-height is hand_stats's (the
# 25th to 80th percentile of the points' heights). On the bundled model's writing, letters
# reach up to about 3 x-heights above the baseline and descenders 2 below (docs/outputs.md),
# so at 0.22 the tallest letter of one line and the deepest descender of the line above meet
# only rarely, and the writing looks its usual size on 10 mm lines (2.2 mm x-height).
DEFAULT_X_HEIGHT = 0.22
# Letter width (spaces included) per x-height that lines are wrapped for; measured on the
# bundled model's writing, a little above the 90th percentile of its lines, so that lines
# rarely overflow the text width (one that does is scaled down alone).
LETTER_WIDTH = 1.7
ASCENT = 3.0                   # x-heights above the baseline kept clear under the top margin
DESCENT = 2.0                  # x-heights below the last baseline kept above the bottom margin
RULE_WIDTH = 0.2               # mm: the paper's rules
RULE_COLOUR = (150, 190, 230)  # a light blue, like printed ruled paper
PAGE_NUMBER_SIZE = 0.7         # the font's x-height for page numbers, per the writing's
SQUARES_PER_LINE = 2           # squared paper: two squares per line spacing (5 mm at 10 mm)


@dataclass(frozen=True)
class Paper:
    """A sheet and how the writing sits on it; every length in millimetres. Checked when
    made: a bad value raises :class:`WritesmoothError` with one clear message."""

    size: str = "a4"                  # the size's name (PAPER_SIZES) or "WxH"
    width: float = PAPER_SIZES["a4"][0]
    height: float = PAPER_SIZES["a4"][1]
    # top, right, bottom, left
    margins: tuple[float, float, float, float] = (DEFAULT_MARGIN,) * 4
    line_spacing: float = DEFAULT_LINE_SPACING   # between baselines
    ruling: str = "plain"             # "plain", "ruled" or "squared"
    page_numbers: bool = False        # a number centred in the bottom margin
    pen_width: float = DEFAULT_PEN_WIDTH
    x_height: float = DEFAULT_X_HEIGHT  # of the writing, as a fraction of line_spacing

    def __post_init__(self) -> None:
        lo, hi = SIDE_LIMITS
        if not (lo <= self.width <= hi and lo <= self.height <= hi):
            raise WritesmoothError(f"page size {self.width:g}x{self.height:g} mm: each side "
                                   f"must be {lo:g} to {hi:g} mm")
        if len(self.margins) != 4 or not all(m >= 0 for m in self.margins):
            raise WritesmoothError(f"margins must be 0 mm or more, got {_mm(self.margins)}")
        top, right, bottom, left = self.margins
        if left + right >= self.width or top + bottom >= self.height:
            raise WritesmoothError(f"margins {_mm(self.margins)} leave no room on a "
                                   f"{self.width:g}x{self.height:g} mm page")
        if not self.line_spacing > 0:
            raise WritesmoothError(f"line spacing must be more than 0 mm, got "
                                   f"{self.line_spacing:g}")
        if self.ruling not in RULINGS:
            raise WritesmoothError(f"unknown paper '{self.ruling}' (use {', '.join(RULINGS)})")
        if not 0 < self.pen_width < self.line_spacing:
            raise WritesmoothError(f"pen width must be more than 0 mm and less than the line "
                                   f"spacing, got {self.pen_width:g}")
        if not 0 < self.x_height <= 1:
            raise WritesmoothError(f"x-height must be a fraction of the line spacing above 0 "
                                   f"and at most 1, got {self.x_height:g}")
        if self.rows < 1:
            raise WritesmoothError(f"no line of {self.line_spacing:g} mm fits between the "
                                   f"margins {_mm(self.margins)} of a {self.width:g}x"
                                   f"{self.height:g} mm page")

    @classmethod
    def parse(cls, size: str = "a4", *, margins: str | float | Sequence[float] = DEFAULT_MARGIN,
              line_spacing: float = DEFAULT_LINE_SPACING, ruling: str = "plain",
              page_numbers: bool = False, pen_width: float = DEFAULT_PEN_WIDTH,
              x_height: float = DEFAULT_X_HEIGHT) -> "Paper":
        """A paper from what a user typed: ``size`` a name of :data:`PAPER_SIZES` or
        ``WIDTHxHEIGHT`` in mm (``148x105``); ``margins`` one number, ``vertical,horizontal``
        or ``top,right,bottom,left`` (mm)."""
        name = size.strip().lower()
        width, height = page_size(name)
        return cls(size=name, width=width, height=height,
                   margins=parse_margins(margins), line_spacing=float(line_spacing),
                   ruling=ruling.strip().lower(), page_numbers=bool(page_numbers),
                   pen_width=float(pen_width), x_height=float(x_height))

    @property
    def text_width(self) -> float:
        return self.width - self.margins[1] - self.margins[3]

    @property
    def x_height_mm(self) -> float:
        return self.x_height * self.line_spacing

    @property
    def first_baseline(self) -> float:
        """The first line's baseline: one line spacing under the top margin (as on ruled
        paper), or lower if the writing is so tall that its capitals need more room."""
        return self.margins[0] + max(self.line_spacing, ASCENT * self.x_height_mm)

    @property
    def rows(self) -> int:
        """How many lines fit on a page, the last one's descenders above the bottom margin."""
        room = self.height - self.margins[2] - DESCENT * self.x_height_mm - self.first_baseline
        return int(math.floor(room / self.line_spacing + 1e-9)) + 1 if room >= 0 else 0

    def describe(self, number: int = 1, pages: int = 1) -> dict[str, Any]:
        """The plain (JSON-able) ``meta["paper"]`` of page ``number`` of ``pages``."""
        return {"size": self.size, "width": self.width, "height": self.height,
                "margins": list(self.margins), "line_spacing": self.line_spacing,
                "ruling": self.ruling, "pen_width": self.pen_width, "number": number,
                "pages": pages, "first_baseline": self.first_baseline, "rows": self.rows}


def _mm(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def page_size(size: str) -> tuple[float, float]:
    """``(width, height)`` in mm of a size's name or of ``WIDTHxHEIGHT`` in mm."""
    name = size.strip().lower()
    if name in PAPER_SIZES:
        return PAPER_SIZES[name]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)(?:\s*mm)?", name)
    if match is None:
        raise WritesmoothError(f"unknown page size '{size}' (use {', '.join(PAPER_SIZES)}, or "
                               f"WIDTHxHEIGHT in mm such as 148x105)")
    return float(match.group(1)), float(match.group(2))


def parse_margins(margins: str | float | Sequence[float]) -> tuple[float, float, float, float]:
    """Margins in mm from one number, ``vertical,horizontal`` or ``top,right,bottom,left``."""
    if isinstance(margins, str):
        try:
            values = [float(v) for v in margins.replace(" ", "").split(",")]
        except ValueError:
            values = []
    elif isinstance(margins, (int, float)):
        values = [float(margins)]
    else:
        values = [float(v) for v in margins]
    if len(values) == 1:
        values *= 4
    elif len(values) == 2:
        values *= 2
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise WritesmoothError(f"margins: give one number, or top,right,bottom,left in mm, "
                               f"got '{margins}'")
    return values[0], values[1], values[2], values[3]


def chars_per_line(paper: Paper, letter_width: float = LETTER_WIDTH) -> int:
    """How many characters to wrap the text at so that a line fits the text width, for
    writing whose letters are ``letter_width`` x-heights wide (spaces included)."""
    if not letter_width > 0:
        raise WritesmoothError(f"letter width must be more than 0, got {letter_width:g}")
    return max(1, int(paper.text_width / (letter_width * paper.x_height_mm)))


def is_page(ink: Ink) -> bool:
    """Whether ``ink`` is a page laid out on paper (it has ``meta["paper"]``)."""
    return isinstance(ink.meta.get("paper"), dict)


def x_height_of(lines: Sequence[Ink]) -> float:
    """The lines' common x-height: the median of hand_stats's, or of their heights for
    lines too flat for it (a zig-zag drawn by a test, a row of dashes)."""
    measured = [hand_stats(ink)["x_height"] for ink in lines]
    good = [v for v in measured if math.isfinite(v) and v > 0]
    if good:
        return float(np.median(good))
    heights = [b[3] - b[1] for b in (ink.bounds() for ink in lines)]
    return float(np.median(heights)) or 1.0


@dataclass
class _Sheet:
    strokes: list[np.ndarray] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def lay_out(lines: Sequence[Ink], paper: Paper) -> list[Ink]:
    """Put written lines on pages of ``paper``, one line per row, in order.

    All lines are scaled by one factor, so that their median x-height is the paper's; each
    starts at the left margin with its baseline on its row; a line wider than the text width
    is scaled down alone to fit. An empty line is a paragraph break: a blank row (none at the
    top of a page). Returns one :class:`Ink` per page in mm on the sheet (module doc)."""
    written = [ink for ink in lines if not ink.is_empty()]
    if not written:
        raise WritesmoothError("nothing to lay out: no line has any ink")
    factor = paper.x_height_mm / x_height_of(written)
    left = paper.margins[3]
    sheets = [_Sheet()]
    row = 0
    for ink in lines:
        if ink.is_empty():
            # a paragraph break at the top of a page needs no blank row
            if sheets[-1].texts and row < paper.rows:
                sheets[-1].texts.append(ink.text)
                row += 1
            continue
        if row == paper.rows:
            sheets.append(_Sheet())
            row = 0
        sheet = sheets[-1]
        x0, _, x1, _ = ink.bounds()
        scale = factor * min(1.0, paper.text_width / max((x1 - x0) * factor, 1e-9))
        y = paper.first_baseline + row * paper.line_spacing
        base = baseline(ink)
        sheet.strokes.extend(((s.astype(np.float64) - (x0, base)) * scale + (left, y))
                             .astype(np.float32) for s in ink.strokes)
        sheet.texts.append(ink.text)
        row += 1
    pages = []
    for number, sheet in enumerate(sheets, 1):
        while sheet.texts and not sheet.texts[-1]:  # a trailing break is no row of the page
            sheet.texts.pop()
        strokes = sheet.strokes + (_page_number(paper, number) if paper.page_numbers else [])
        pages.append(Ink(strokes=strokes, text="\n".join(sheet.texts),
                         meta={"paper": paper.describe(number, len(sheets))}))
    return pages


def _page_number(paper: Paper, number: int) -> list[np.ndarray]:
    """The strokes of ``number`` centred in the bottom margin, in the core's stroke font."""
    from .glyphs import set_text

    # digits are two x-heights of the font tall: a little shorter than the writing's capitals,
    # and within the middle third of the bottom margin when that is narrow
    size = min(PAGE_NUMBER_SIZE * paper.x_height_mm, paper.margins[2] / 6) or paper.x_height_mm
    digits = set_text(str(number), x_height=size, seed=number)
    if digits.is_empty():
        return []
    x0, _, x1, _ = digits.bounds()
    dx = (paper.width - (x1 - x0)) / 2 - x0
    dy = paper.height - paper.margins[2] / 2 + size  # centred on the margin's middle
    return [s + np.array([dx, dy], np.float32) for s in digits.strokes]


def ruling_lines(page: Ink) -> list[np.ndarray]:
    """The rules of a page's paper as ``(2, 2)`` segments in mm: none on plain paper; on
    ruled paper one under each row across the text width; on squared paper a grid of
    ``line_spacing / 2`` squares over the text area, its lines through the baselines."""
    info = page.meta["paper"]
    top, right, bottom, left = info["margins"]
    width, height, step = info["width"], info["height"], info["line_spacing"]
    first, rows = info["first_baseline"], info.get("rows", 0)
    x1 = width - right
    if info["ruling"] == "ruled":
        return [np.array([[left, y], [x1, y]], np.float32)
                for y in first + step * np.arange(rows)]
    if info["ruling"] != "squared":
        return []
    square = step / SQUARES_PER_LINE
    eps = 1e-6
    k0 = math.ceil((top - first) / square - eps)
    k1 = math.floor((height - bottom - first) / square + eps)
    ys = first + square * np.arange(k0, k1 + 1)
    xs = left + square * np.arange(math.floor((x1 - left) / square + eps) + 1)
    if len(ys) < 2 or len(xs) < 2:
        return []
    lines = [np.array([[xs[0], y], [xs[-1], y]], np.float32) for y in ys]
    lines += [np.array([[x, ys[0]], [x, ys[-1]]], np.float32) for x in xs]
    return lines


def as_pages(inks: Sequence[Ink], paper: Paper | None = None) -> list[Ink]:
    """Pages for a renderer that draws on paper: pages (:func:`is_page`) as they are; the
    other inks (a figure's rows: lines, or lines stacked) together on one page of ``paper``
    (default: plain A4), one row under another, scaled to fit inside the margins."""
    rest = [ink for ink in inks if not is_page(ink)]
    if not rest:
        return list(inks)
    figure = _figure_page(rest, paper or Paper())
    out: list[Ink] = []
    for ink in inks:
        if is_page(ink):
            out.append(ink)
        elif ink is rest[0]:
            out.append(figure)
    return out


def _figure_page(rows: Sequence[Ink], paper: Paper) -> Ink:
    boxes = [ink.bounds() for ink in rows if not ink.is_empty()]
    if not boxes:
        raise WritesmoothError("nothing to draw: the ink has no points")
    heights = [b[3] - b[1] for b in boxes]
    gap = 0.1 * max(heights)
    tall = sum(heights) + gap * (len(boxes) - 1)
    wide = max(b[2] - b[0] for b in boxes)
    top, right, bottom, left = paper.margins
    scale = min(paper.text_width / max(wide, 1e-9),
                (paper.height - top - bottom) / max(tall, 1e-9))
    strokes, y = [], 0.0
    for ink in (ink for ink in rows if not ink.is_empty()):
        x0, y0, _, y1 = ink.bounds()
        shift = np.array([-x0, y - y0])
        strokes += [((s.astype(np.float64) + shift) * scale + (left, top)).astype(np.float32)
                    for s in ink.strokes]
        y += (y1 - y0) + gap
    return Ink(strokes=strokes, text="\n".join(ink.text for ink in rows),
               meta={"paper": paper.describe()})
