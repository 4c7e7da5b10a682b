"""A page of handwriting split into its lines by where the pen wrote.

Each stroke's core, the middle 60 % of its points' heights, says which line it belongs to:
ascenders, descenders and capitals reach into the next line's band far more often than the
middle of a stroke does. Cores that overlap make one band; a band with little ink of its own
(an i's dot, an accent or a stray mark above a line) joins the band nearest to it. Lines are
returned top to bottom, each stroke in its written order.
"""
from __future__ import annotations

import numpy as np

from .ink import Ink

SMALL_BAND = 0.15  # a band with less than this share of the largest band's ink joins another


def _length(stroke: np.ndarray) -> float:
    return float(np.hypot(*np.diff(stroke, axis=0).T).sum()) if len(stroke) > 1 else 0.0


def split_lines(ink: Ink) -> list[Ink]:
    """The lines of ``ink``, top to bottom (an ink with no strokes: no lines). Each keeps the
    page's coordinates, and ``meta["line"]`` its number from 0."""
    strokes = [s for s in ink.strokes if len(s)]
    if not strokes:
        return []
    cores = np.array([np.percentile(s[:, 1], [20, 80]) for s in strokes], np.float64)
    order = np.argsort(cores[:, 0], kind="stable")
    bands: list[list[int]] = []
    top, bottom = [], []
    for k in order:
        lo, hi = cores[k]
        if bands and lo <= bottom[-1]:
            bands[-1].append(int(k))
            bottom[-1] = max(bottom[-1], hi)
        else:
            bands.append([int(k)])
            top.append(lo)
            bottom.append(hi)
    ink_in = np.array([sum(_length(strokes[k]) + 1.0 for k in b) for b in bands])
    centre = np.array([(t + b) / 2 for t, b in zip(top, bottom)])
    big = ink_in >= SMALL_BAND * ink_in.max()
    lines: dict[int, list[int]] = {int(i): list(bands[i]) for i in np.flatnonzero(big)}
    for i in np.flatnonzero(~big):
        near = min(lines, key=lambda j: abs(centre[j] - centre[i]))
        lines[near].extend(bands[i])
    out = []
    for n, i in enumerate(sorted(lines, key=lambda j: centre[j])):
        keep = sorted(lines[i])  # written order
        out.append(Ink(strokes=[strokes[k] for k in keep], text="", writer=ink.writer,
                       source=ink.source, meta={"line": n}))
    return out
