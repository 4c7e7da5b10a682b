"""Figure layout shared by the renderers: inks stacked in rows, fitted to a pixel height.

Each ink of the list becomes one row, drawn at a common scale so rows compare; an ink's
``meta["label"]`` (if any) is written at the left of its row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import WritesmoothError
from ..ink import Ink

ROW_PX = 160          # default pixel height per row when no height is asked for
MAX_SIDE = 8000       # refuse absurd canvases rather than eat the memory
LABEL_PX = 10         # label font size per 100 px of row height, 4 steps at most: 7 px capitals
LABEL_X = 4           # where labels start
LABEL_GAP_PX = 12     # between the label column and the ink


@dataclass
class Layout:
    width: int
    height: int
    strokes: list[np.ndarray]          # in pixels, y downwards
    labels: list[tuple[float, float, str]]  # (x, baseline y, text)
    scale: float                       # pixels per source unit
    label_size: int = LABEL_PX         # label font size in pixels (see label_font)


def label_font(size: int):
    """Pillow's own scalable font (Aileron, shipped inside Pillow, so a figure looks the same on
    every machine) at ``size`` pixels: the PNG draws labels with it and the layout measures them
    with it. A new font object each call (it costs microseconds), so renderers running in
    several threads never share a FreeType face."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def layout(inks: list[Ink], *, height: int | None = None, margin: float = 0.06) -> Layout:
    if not inks or all(ink.is_empty() for ink in inks):
        raise WritesmoothError("nothing to draw: the ink has no points")
    boxes = [None if ink.is_empty() else ink.bounds() for ink in inks]
    row_w = max(b[2] - b[0] for b in boxes if b) or 1.0
    # a flat ink (a dash, a single point) has no height to scale by: give it a band at least
    # 1/50 of its width, or its width would be blown up past any canvas
    row_h = max(max(b[3] - b[1] for b in boxes if b), row_w / 50) or 1.0
    pad = margin * row_h + 1e-6
    n = len(inks)
    src_h = n * row_h + (n + 1) * pad
    if height is None:
        height = min(ROW_PX * n, 2400)
    if height <= 0:
        raise WritesmoothError(f"height must be positive, got {height}")
    scale = height / src_h
    labels = [str(ink.meta.get("label", "")) for ink in inks]
    # a 10-pixel label beside a 400-pixel row is unreadable; grow it with the row
    label_size = LABEL_PX * int(min(max(height / n // 100 + 1, 1), 4))
    label_w, cap = 0.0, 0.0
    if any(labels):
        font = label_font(label_size)
        label_w = float(np.ceil(max(font.getlength(t) for t in labels)))
        cap = -font.getbbox("H", anchor="ls")[1]
    label_px = (LABEL_X + label_w + LABEL_GAP_PX) if label_w else 0
    width = int(np.ceil((row_w + 2 * pad) * scale + label_px))
    if width > MAX_SIDE or height > MAX_SIDE:
        raise WritesmoothError(f"figure of {width}x{height} pixels is too large; "
                               f"ask for a smaller --height")
    out: list[np.ndarray] = []
    placed: list[tuple[float, float, str]] = []
    for row, (ink, box) in enumerate(zip(inks, boxes)):
        top = pad + row * (row_h + pad)
        if labels[row]:
            # the capitals centred on the row: (x, baseline)
            placed.append((float(LABEL_X), (top + row_h / 2) * scale + cap / 2, labels[row]))
        if box is None:
            continue
        x0, y0, _, y1 = box
        # centre each row vertically in its band, left-align horizontally
        dy = top + (row_h - (y1 - y0)) / 2 - y0
        dx = pad - x0
        for s in ink.strokes:
            p = (s + np.array([dx, dy], np.float32)) * np.float32(scale)
            p[:, 0] += label_px
            out.append(p)
    return Layout(width=max(width, 1), height=int(height), strokes=out, labels=placed,
                  scale=scale, label_size=label_size)


NAMED_COLOURS = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (200, 30, 30), "green": (20, 140, 40),
    "blue": (20, 60, 200), "navy": (0, 0, 128), "grey": (128, 128, 128), "gray": (128, 128, 128),
    "darkblue": (0, 0, 139), "purple": (110, 30, 150), "brown": (120, 70, 20),
}


def parse_colour(colour: str) -> tuple[int, int, int]:
    """``#rrggbb``, ``#rgb`` or a few common names."""
    c = colour.strip().lower()
    if c in NAMED_COLOURS:
        return NAMED_COLOURS[c]
    if c.startswith("#") and len(c) in (4, 7):
        h = c[1:]
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        try:
            return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
        except ValueError:
            pass
    raise WritesmoothError(f"unknown colour '{colour}' (use #rrggbb or one of "
                           f"{', '.join(sorted(NAMED_COLOURS))})")


def check_background(background: str) -> str:
    if background not in ("white", "transparent"):
        raise WritesmoothError(f"background must be 'white' or 'transparent', got '{background}'")
    return background
