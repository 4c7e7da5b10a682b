"""A 5x7 bitmap font, with two descender rows, for labels in raster figures (PNG has no text
of its own)."""
from __future__ import annotations

import numpy as np

# Each glyph: rows of 5 bits, most significant bit on the left. Row 6 sits on the baseline;
# glyphs with descenders (g j p q y , ;) give two more rows below it, the others are padded.
# Without real descenders g/q read as 9 and p as P, which makes labels ambiguous.
_GLYPHS: dict[str, tuple[int, ...]] = {
    " ": (0, 0, 0, 0, 0, 0, 0),
    "0": (14, 17, 19, 21, 25, 17, 14), "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31), "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2), "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14), "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14), "9": (14, 17, 17, 15, 1, 2, 12),
    "a": (0, 0, 14, 1, 15, 17, 15), "b": (16, 16, 22, 25, 17, 17, 30),
    "c": (0, 0, 14, 16, 16, 17, 14), "d": (1, 1, 13, 19, 17, 17, 15),
    "e": (0, 0, 14, 17, 31, 16, 14), "f": (6, 9, 8, 28, 8, 8, 8),
    "g": (0, 0, 15, 17, 17, 17, 15, 1, 14), "h": (16, 16, 22, 25, 17, 17, 17),
    "i": (4, 0, 12, 4, 4, 4, 14), "j": (2, 0, 6, 2, 2, 2, 2, 18, 12),
    "k": (16, 16, 18, 20, 24, 20, 18), "l": (12, 4, 4, 4, 4, 4, 14),
    "m": (0, 0, 26, 21, 21, 17, 17), "n": (0, 0, 22, 25, 17, 17, 17),
    "o": (0, 0, 14, 17, 17, 17, 14), "p": (0, 0, 30, 17, 17, 17, 30, 16, 16),
    "q": (0, 0, 15, 17, 17, 17, 15, 1, 1), "r": (0, 0, 22, 25, 16, 16, 16),
    "s": (0, 0, 15, 16, 14, 1, 30), "t": (8, 8, 28, 8, 8, 9, 6),
    "u": (0, 0, 17, 17, 17, 19, 13), "v": (0, 0, 17, 17, 17, 10, 4),
    "w": (0, 0, 17, 17, 21, 21, 10), "x": (0, 0, 17, 10, 4, 10, 17),
    "y": (0, 0, 17, 17, 17, 17, 15, 1, 14), "z": (0, 0, 31, 2, 4, 8, 31),
    ".": (0, 0, 0, 0, 0, 12, 12), ",": (0, 0, 0, 0, 0, 12, 12, 4, 8),
    ":": (0, 12, 12, 0, 12, 12, 0), ";": (0, 0, 12, 12, 0, 12, 12, 4, 8),
    "-": (0, 0, 0, 31, 0, 0, 0), "=": (0, 0, 31, 0, 31, 0, 0),
    "+": (0, 4, 4, 31, 4, 4, 0), "*": (0, 4, 21, 14, 21, 4, 0),
    "/": (1, 1, 2, 4, 8, 16, 16), "_": (0, 0, 0, 0, 0, 0, 0, 0, 31),
    "(": (2, 4, 8, 8, 8, 4, 2), ")": (8, 4, 2, 2, 2, 4, 8),
    "[": (14, 8, 8, 8, 8, 8, 14), "]": (14, 2, 2, 2, 2, 2, 14),
    "<": (2, 4, 8, 16, 8, 4, 2), ">": (8, 4, 2, 1, 2, 4, 8),
    "?": (14, 17, 1, 2, 4, 0, 4), "!": (4, 4, 4, 4, 4, 0, 4),
    "'": (4, 4, 8, 0, 0, 0, 0), '"': (10, 10, 10, 0, 0, 0, 0),
    "%": (24, 25, 2, 4, 8, 19, 3), "#": (10, 10, 31, 10, 31, 10, 10),
    "&": (12, 18, 20, 8, 21, 18, 13), "@": (14, 17, 23, 21, 23, 16, 14),
}
WIDTH, ADVANCE = 5, 6
ASCENT, DESCENT = 7, 2          # rows above (and on) the baseline, rows below it
HEIGHT = ASCENT + DESCENT
_UNKNOWN = (31, 17, 17, 17, 17, 17, 31)  # an unknown character shows as a box


def _glyph(ch: str) -> tuple[int, ...]:
    if ch in _GLYPHS:
        return _GLYPHS[ch]
    if ch.lower() in _GLYPHS:  # capitals drawn as small letters: labels stay readable
        return _GLYPHS[ch.lower()]
    return _UNKNOWN


def text_mask(text: str) -> np.ndarray:
    """Boolean ``(9, 6 * len(text))`` mask of ``text``; row 6 is the baseline."""
    mask = np.zeros((HEIGHT, ADVANCE * max(len(text), 1)), bool)
    for i, ch in enumerate(text):
        for row, bits in enumerate(_glyph(ch)):
            for col in range(WIDTH):
                if bits & (1 << (WIDTH - 1 - col)):
                    mask[row, i * ADVANCE + col] = True
    return mask


def stamp(coverage: np.ndarray, text: str, x: float, baseline: float, scale: int = 1) -> None:
    """Draw ``text`` into ``coverage`` (in place) with its baseline at ``baseline``, each font
    pixel ``scale`` output pixels wide."""
    mask = text_mask(text)
    if scale > 1:
        mask = np.kron(mask, np.ones((scale, scale), bool))
    h, w = coverage.shape
    top, left = int(round(baseline)) - ASCENT * scale, int(round(x))
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + mask.shape[0], h), min(left + mask.shape[1], w)
    if y1 <= y0 or x1 <= x0:
        return
    sub = mask[y0 - top:y1 - top, x0 - left:x1 - left]
    region = coverage[y0:y1, x0:x1]
    region[sub] = np.maximum(region[sub], 0.75)
