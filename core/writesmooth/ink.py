"""The one data type that flows through writesmooth: :class:`Ink`.

An ``Ink`` is a handwriting sample: strokes (pen down to pen up), each an ``(N, 2)`` float32
array of absolute points, x to the right and y downwards in the source's units, plus its text
and metadata. Readers produce it, datasets hold it, models consume and produce it, renderers
draw it. Only numpy is imported here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np


def _as_stroke(points: Any) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"a stroke must be an (N, 2) array of points, got shape {arr.shape}")
    return arr


@dataclass(eq=False)
class Ink:
    """A handwriting sample: strokes of absolute ``(x, y)`` points plus text and metadata."""

    strokes: list[np.ndarray]
    text: str = ""
    id: str = ""
    source: str | None = None  # file (or archive member) it was read from
    writer: str | None = None  # writer id where the source knows it
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.strokes = [_as_stroke(s) for s in self.strokes]

    # --- size -----------------------------------------------------------------------
    @property
    def n_strokes(self) -> int:
        return len(self.strokes)

    @property
    def n_points(self) -> int:
        return int(sum(len(s) for s in self.strokes))

    def is_empty(self) -> bool:
        return self.n_points == 0

    def points(self) -> np.ndarray:
        """All points as one ``(P, 2)`` array, strokes concatenated in order."""
        if not self.strokes:
            return np.zeros((0, 2), np.float32)
        return np.concatenate(self.strokes, axis=0)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_x, min_y, max_x, max_y)``; raises ``ValueError`` on an empty ink."""
        pts = self.points()
        if len(pts) == 0:
            raise ValueError("an empty ink has no bounds")
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    # --- flat form (caches, JSON, models) ----------------------------------------------
    def to_flat(self) -> tuple[np.ndarray, np.ndarray]:
        """``(points (P, 2), stroke_lengths (S,))``: the compact form used by caches."""
        lengths = np.fromiter((len(s) for s in self.strokes), dtype=np.int64, count=len(self.strokes))
        return self.points(), lengths

    @classmethod
    def from_flat(cls, points: np.ndarray, lengths: Sequence[int], **fields: Any) -> "Ink":
        """Inverse of :meth:`to_flat`."""
        cuts = np.cumsum(np.asarray(lengths, dtype=np.int64))[:-1]
        strokes = np.split(np.asarray(points, dtype=np.float32), cuts) if len(lengths) else []
        return cls(strokes=list(strokes), **fields)

    # --- geometry ---------------------------------------------------------------------
    def translated(self, dx: float, dy: float) -> "Ink":
        shift = np.array([dx, dy], np.float32)
        return self.replace(strokes=[s + shift for s in self.strokes])

    def scaled(self, factor: float) -> "Ink":
        return self.replace(strokes=[s * np.float32(factor) for s in self.strokes])

    def replace(self, **changes: Any) -> "Ink":
        data = dict(strokes=self.strokes, text=self.text, id=self.id, source=self.source,
                    writer=self.writer, meta=dict(self.meta))
        data.update(changes)
        return Ink(**data)

    def same_as(self, other: "Ink", *, atol: float = 0.0) -> bool:
        """Equal strokes (within ``atol``) and equal text."""
        if self.text != other.text or len(self.strokes) != len(other.strokes):
            return False
        return all(a.shape == b.shape and np.allclose(a, b, atol=atol, rtol=0)
                   for a, b in zip(self.strokes, other.strokes))

    def __repr__(self) -> str:
        return (f"Ink(id={self.id!r}, text={self.text!r}, strokes={self.n_strokes}, "
                f"points={self.n_points})")


def baseline(ink: Ink) -> float:
    """Where an ink's letters sit: the 80th percentile of its points' y (y grows downwards).

    Most points of handwriting lie between the x-height and the baseline; ascenders, capitals
    and the few descenders move this percentile much less than they move the bounding box.
    """
    return float(np.percentile(np.concatenate([s[:, 1] for s in ink.strokes]).astype(np.float64), 80))


def stack_lines(inks: Iterable[Ink], *, gap: float | None = None) -> Ink:
    """Lay lines out one under another, left-aligned, on evenly spaced baselines.

    ``gap`` is the vertical distance between consecutive baselines (see :func:`baseline`); by
    default 1.3 times the tallest line. Lines are aligned by baseline rather than by their tops,
    so a line with a capital or an ascender does not sit lower than one without. The result's
    top is at y = 0. An empty ink keeps its place in the layout (a blank line).
    """
    inks = list(inks)
    bounds = [None if ink.is_empty() else ink.bounds() for ink in inks]
    heights = [0.0 if b is None else b[3] - b[1] for b in bounds]
    step = gap if gap is not None else 1.3 * max(heights + [1.0])
    strokes: list[np.ndarray] = []
    for row, (ink, b) in enumerate(zip(inks, bounds)):
        if b is None:
            continue
        shift = np.array([-b[0], row * step - baseline(ink)])  # float64 sums
        strokes.extend(s.astype(np.float64) + shift for s in ink.strokes)
    if strokes:  # then the highest point to y = 0
        y0 = min(float(s[:, 1].min()) for s in strokes)
        strokes = [(s - np.array([0.0, y0])).astype(np.float32) for s in strokes]
    text = "\n".join(ink.text for ink in inks)
    return Ink(strokes=strokes, text=text, meta={"lines": len(inks), "line_step": step})
