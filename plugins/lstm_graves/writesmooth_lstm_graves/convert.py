"""Ink <-> the network's input form: offsets ``[dx, dy, end_of_stroke]``, standardised.

This is the only place that converts; training, evaluation, priming and sampling all use it,
so a user's sample is fed exactly as the training data were.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from writesmooth import Ink


def ink_to_offsets(ink: Ink) -> np.ndarray:
    """``(P - 1, 3)`` float32: offsets between consecutive points; the third column is 1 where
    the pen lifts after the point the offset leads to. The first point only anchors the line."""
    pts, lengths = ink.to_flat()
    if len(pts) < 2:
        return np.zeros((0, 3), np.float32)
    eos = np.zeros(len(pts), np.float32)
    eos[np.cumsum(lengths) - 1] = 1.0
    out = np.empty((len(pts) - 1, 3), np.float32)
    out[:, :2] = np.diff(pts, axis=0)
    out[:, 2] = eos[1:]
    return out


def offsets_to_ink(offsets: np.ndarray, *, text: str = "", start=(0.0, 0.0), **fields) -> Ink:
    """Inverse of :func:`ink_to_offsets` (up to the starting point)."""
    offsets = np.asarray(offsets, np.float32)
    pts = np.vstack([np.asarray(start, np.float32)[None], np.cumsum(offsets[:, :2], axis=0)
                     + np.asarray(start, np.float32)])
    ends = np.flatnonzero(offsets[:, 2] > 0.5) + 1  # index of the point after which pen lifts
    cuts = [0] + [int(e) + 1 for e in ends if e + 1 < len(pts)] + [len(pts)]
    strokes = [pts[a:b] for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    return Ink(strokes=strokes, text=text, **fields)


@dataclass
class Normaliser:
    """Standardisation of ``dx, dy`` with training-set statistics, saved beside the weights."""

    mean: tuple[float, float]
    std: tuple[float, float]

    @classmethod
    def fit(cls, sequences: list[np.ndarray]) -> "Normaliser":
        xy = np.concatenate([s[:, :2] for s in sequences if len(s)], axis=0).astype(np.float64)
        std = xy.std(axis=0)
        std[std == 0] = 1.0
        return cls(tuple(map(float, xy.mean(axis=0))), tuple(map(float, std)))

    def apply(self, offsets: np.ndarray) -> np.ndarray:
        out = offsets.astype(np.float32, copy=True)
        out[:, :2] = (out[:, :2] - np.float32(self.mean)) / np.float32(self.std)
        return out

    def invert(self, offsets: np.ndarray) -> np.ndarray:
        out = np.asarray(offsets, np.float32).copy()
        out[:, :2] = out[:, :2] * np.float32(self.std) + np.float32(self.mean)
        return out

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, data: dict) -> "Normaliser":
        return cls(tuple(data["mean"]), tuple(data["std"]))
