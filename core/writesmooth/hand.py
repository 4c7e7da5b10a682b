"""A few simple measures of a hand, to tell whether smoothing kept the writer's: how much the
writing leans, how tall its small letters are, and how wide a letter is on average.

- **slant**: the mean angle from the vertical of the pen-down segments that run within 45° of
  it, weighted by their length, in degrees; positive leans right (y grows downwards).
- **x-height**: from the baseline (the 80th percentile of the points' heights) up to the 25th
  percentile: most points of handwriting lie between the two, and ascenders and descenders
  move these percentiles little.
- **letter width**: the line's width over its number of characters (spaces included).
"""
from __future__ import annotations

import math

import numpy as np

from .ink import Ink

STATS = ("slant", "x_height", "letter_width")


def hand_stats(ink: Ink) -> dict[str, float]:
    """The measures of one line of writing with its text (module doc); NaN where there is not
    enough ink."""
    out = {k: math.nan for k in STATS}
    if ink.n_points < 2:
        return out
    seg = [np.diff(s.astype(np.float64), axis=0) for s in ink.strokes if len(s) > 1]
    if seg:
        d = np.concatenate(seg)
        length = np.hypot(d[:, 0], d[:, 1])
        upright = (np.abs(d[:, 1]) >= np.abs(d[:, 0])) & (length > 0)
        if upright.any():
            # a segment going down (dy > 0) that moves left (dx < 0) leans right
            angle = np.degrees(np.arctan(-d[upright, 0] / d[upright, 1]))
            out["slant"] = float(np.average(angle, weights=length[upright]))
    y = ink.points()[:, 1].astype(np.float64)
    out["x_height"] = float(np.percentile(y, 80) - np.percentile(y, 25))
    x0, _, x1, _ = ink.bounds()
    if ink.text:
        out["letter_width"] = float((x1 - x0) / len(ink.text))
    return out


def distance(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """How far hand ``a`` is from hand ``b``: degrees apart for the slant, and the factor
    apart (|log ratio|, 0.1 is about 10 %) for the sizes."""
    return {"slant": abs(a["slant"] - b["slant"]),
            "x_height": abs(math.log(a["x_height"] / b["x_height"])),
            "letter_width": abs(math.log(a["letter_width"] / b["letter_width"]))}
