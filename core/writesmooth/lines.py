"""A page of handwriting split into its lines by where the pen wrote.

Each stroke stands at its median height, weighted by its length. The page's slant is found
first: of slopes from -0.12 to 0.12, the one under which those heights bunch most tightly (the
sum of the squared density below) straightens the lines. The heights, straightened, are then
smoothed into a density with a Gaussian of :data:`SPREAD` times the typical stroke height (the
median of the strokes' 10-90 % heights); each peak at least :data:`SEPARATION` stroke heights
from a higher one, and at least :data:`FLOOR` of the highest, is a line, and strokes go to the
peak between whose neighbouring valleys they stand. Lines are returned top to bottom, each
stroke in its written order.

On the 192 testset_v forms of IAM-OnDB given as pages (``python benchmarks/smooth_pages.py``)
this finds 97.6 % of the forms' lines in their order, each line holding at least 90 % of its
own ink and of the ink put in it; a written line drifting up or down across the page is what
the slant search is for (without it, 76 %).
"""
from __future__ import annotations

import numpy as np

from .ink import Ink

SPREAD = 0.9       # the density's Gaussian, in typical stroke heights
SEPARATION = 1.5   # the least distance between two lines, in typical stroke heights
FLOOR = 0.1        # a peak lower than this share of the highest is no line
SLOPES = np.linspace(-0.12, 0.12, 25)


def _density(heights: np.ndarray, weights: np.ndarray, size: float):
    grid = np.arange(heights.min() - 3 * size, heights.max() + 3 * size, size / 10)
    sigma = SPREAD * size
    dens = (weights[None, :] * np.exp(-((grid[:, None] - heights[None, :]) ** 2)
                                      / (2 * sigma ** 2))).sum(1)
    return grid, dens


def split_lines(ink: Ink) -> list[Ink]:
    """The lines of ``ink``, top to bottom (an ink with no strokes: no lines). Each keeps the
    page's coordinates, and ``meta["line"]`` its number from 0."""
    kept_strokes = [s for s in ink.strokes if len(s)]
    strokes = [s.astype(np.float64) for s in kept_strokes]
    if not strokes:
        return []
    mid_y = np.array([np.median(s[:, 1]) for s in strokes])
    mid_x = np.array([np.median(s[:, 0]) for s in strokes])
    mid_x -= mid_x.mean()
    weight = np.array([np.hypot(*np.diff(s, axis=0).T).sum() + 1.0 for s in strokes])
    tall = [np.percentile(s[:, 1], 90) - np.percentile(s[:, 1], 10) for s in strokes
            if len(s) > 2]
    size = max(float(np.median(tall)) if tall else 1.0, 1e-6)

    def sharpness(slope: float) -> float:
        _, dens = _density(mid_y - slope * mid_x, weight, size)
        return float((dens ** 2).sum())

    slope = max(SLOPES, key=sharpness)
    heights = mid_y - slope * mid_x
    grid, dens = _density(heights, weight, size)
    peaks = [i for i in range(1, len(grid) - 1) if dens[i - 1] <= dens[i] > dens[i + 1]]
    peaks.sort(key=lambda i: -dens[i])
    lines: list[int] = []
    for i in peaks:
        if dens[i] >= FLOOR * dens[peaks[0]] and all(
                abs(grid[i] - grid[j]) >= SEPARATION * size for j in lines):
            lines.append(i)
    lines.sort()
    valleys = [grid[a + int(np.argmin(dens[a:b + 1]))] for a, b in zip(lines, lines[1:])]
    row = np.searchsorted(valleys, heights)
    out = []
    for n in range(max(len(lines), 1)):
        mine = [kept_strokes[k] for k in range(len(strokes)) if row[k] == n]
        if mine:
            out.append(Ink(strokes=mine, text="", writer=ink.writer, source=ink.source,
                           meta={"line": len(out)}))
    return out
