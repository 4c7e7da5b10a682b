"""A person's handwriting sample, made ready to prime the network (Graves 2013, section 5.5).

The sample is converted exactly as the training lines were (:func:`convert.ink_to_offsets`,
then the bundle's :class:`Normaliser`); only a sample in clearly different units is first
brought to the training data's scale, because the network has only ever seen IAM-OnDB
whiteboard units and its sampling density (about 21 points per character).

The scale heuristic uses the bundle's own offset statistics, so it follows whatever data the
weights were trained on. Measured on 600 IAM-OnDB lines (geometric mean of the x and y offset
std, ``s``, is about 40 units there):

* line width per character is about ``4.35 s`` (5-95 %: 122-260 units for 172 median), and
* the median pen-down step is about ``0.46 s`` (5-95 %: 13-27 units for 18 median).

A sample whose width per character is within a factor of two of ``4.35 s`` is left exactly as
it is (every IAM line is); otherwise it is scaled to ``4.35 s`` per character. Then, if its median
pen-down step is not within a factor of two of ``0.46 s`` (a tablet that records five times as
densely, say), each stroke is resampled along its length at ``0.46 s`` spacing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from writesmooth import Ink, WritesmoothError

from . import convert

CHAR_WIDTH_PER_STD = 4.35   # IAM-OnDB: median line width per character / offset std
STEP_PER_STD = 0.46         # IAM-OnDB: median pen-down step / offset std
TOLERANCE = 2.0             # within this factor of the training statistics, leave it alone


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks too) one space."""
    return " ".join(text.split())


def check_sample(ink: Ink, what: str = "sample") -> None:
    """One clear error for a sample that cannot prime: no points, or no transcript."""
    name = ink.source or ink.id or what
    if ink.n_points < 2:
        raise WritesmoothError(f"{name}: the {what} has no handwriting (fewer than two points)")
    if not ink.text.strip():
        raise WritesmoothError(f"{name}: the {what} has no text (priming needs its transcript)")


def _median_step(ink: Ink) -> float:
    steps = [np.hypot(*np.diff(s, axis=0).T) for s in ink.strokes if len(s) > 1]
    steps = np.concatenate(steps) if steps else np.zeros(0)
    steps = steps[steps > 0]
    return float(np.median(steps)) if len(steps) else 0.0


def _resample(stroke: np.ndarray, spacing: float) -> np.ndarray:
    if len(stroke) < 2:
        return stroke
    d = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
    if d[-1] <= 0:
        return stroke[:1]
    n = max(2, int(math.ceil(d[-1] / spacing)) + 1)
    at = np.linspace(0.0, d[-1], n)
    return np.stack([np.interp(at, d, stroke[:, 0]), np.interp(at, d, stroke[:, 1])], 1)


def to_training_units(ink: Ink, norm: convert.Normaliser) -> tuple[Ink, dict]:
    """The sample in the training data's units and density (see the module doc)."""
    ref = math.sqrt(abs(norm.std[0] * norm.std[1])) or 1.0
    info = {"scale": 1.0, "resampled": False}
    x0, _, x1, _ = ink.bounds()
    chars = max(len(ink.text.strip()), 1)
    width = (x1 - x0) / chars
    if width > 0:
        factor = CHAR_WIDTH_PER_STD * ref / width
        if not (1 / TOLERANCE <= factor <= TOLERANCE):
            ink = ink.scaled(factor)
            info["scale"] = float(factor)
    step = _median_step(ink)
    target = STEP_PER_STD * ref
    if step > 0 and not (1 / TOLERANCE <= step / target <= TOLERANCE):
        ink = ink.replace(strokes=[_resample(s, target) for s in ink.strokes])
        info["resampled"] = True
    return ink, info


def prime_offsets(ink: Ink, norm: convert.Normaliser) -> tuple[np.ndarray, dict]:
    """``(P - 1, 3)`` normalised offsets of the sample, as the training targets were made, and
    what was done to its scale. The network is fed ``[(0, 0, 1)] + offsets[:-1]`` and then
    ``offsets[-1]``, exactly as in training (the last offset ends a stroke, so the continuation
    starts with a pen-up move)."""
    check_sample(ink)
    ink, info = to_training_units(ink, norm)
    offsets = convert.ink_to_offsets(ink)
    if len(offsets) == 0:
        raise WritesmoothError(f"{ink.source or 'sample'}: the sample has no handwriting")
    info["points"] = int(len(offsets) + 1)
    return norm.apply(offsets), info


@dataclass
class Prime:
    """A handwriting sample ready to be fed: its text and normalised offsets ``(P-1, 3)``."""

    text: str
    offsets: torch.Tensor
    info: dict  # what was done to its scale: ``scale``, ``resampled``, ``points``


def make_prime(sample: Ink, norm: convert.Normaliser, device: torch.device) -> Prime:
    """``sample`` (with its transcript) made ready to prime the network on ``device``."""
    check_sample(sample)
    text = one_line(sample.text)
    offsets, info = prime_offsets(sample.replace(text=text), norm)
    return Prime(text, torch.from_numpy(offsets).to(device), info)
