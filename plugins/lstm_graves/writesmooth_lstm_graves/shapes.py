"""Shape checks of drawn letters that the reader cannot be trusted with.

The reader (``reader.py``) reads "fo" and a hook, or "fo" and a stroke like "(", as "fox" as
readily as "fo" and a crossed ``x``: in IAM-OnDB's lines an ``x`` often is a short stroke after
an "o", and the pen moves say little about its shape. A person reads the crossed one. So a
letter in :data:`CROSSED` counts as written only when the ink drawn while the attention window
was on it has two strokes that cross at a clear angle, with ink well past the crossing on all
four sides (:func:`crossing_arms`): a short stroke that nicks the end of a hook is no ``x``.
The window tells which points are that letter's (``Drawn.window``), so the "o" before it is not
looked at. The check is stricter than real writers are: it passes about half of the words with
an ``x`` in IAM-OnDB's testset_v (docs/writing.md, "Word by word").
"""
from __future__ import annotations

import numpy as np

CROSSED = frozenset("x")  # letters that must be drawn with two strokes crossing
MIN_SINE = 0.5            # the crossing's angle at least 30 degrees: two strokes, not a retrace
MIN_TILT = 15.0           # degrees: each of an x's strokes at least this far from horizontal,
                          # leaning the other way from the other one; a t-like cross has a
                          # horizontal bar, a "+" two strokes leaning the same way or upright
MIN_BALANCE = 0.15        # the crossing's shortest arm at least this part of its longest:
                          # clear x's score 0.17-0.31, hooks 0.10 or less (docs/writing.md)


def crossing_arms(points: np.ndarray, lifts: np.ndarray) -> float:
    """How clearly two strokes cross as in an ``x``: over every pair of pen-down segments of
    *different* strokes that cross at an angle of at least 30 degrees, the strokes leaning
    apart (:func:`_lean_apart`: not a ``t``'s bar or a "+"), the best balance of the crossing's
    four arms (the ink on each side of it along each stroke, as far as its points get from the
    crossing point): the shortest arm over the longest, 0 without such a crossing. A perfect
    "X" scores 1, drawn ``x``s 0.15-0.5, a stroke that just nicks the end of another near 0.
    Crossings within one stroke are not counted: the loop of an "o" closed while the window
    was already on the next letter crosses itself too. ``points`` ``(N, 2)`` absolute,
    ``lifts[i]`` true where the pen lifts after point ``i`` (no segment from it to the next)."""
    if len(points) < 4:
        return 0.0
    stroke = np.concatenate([[0], np.cumsum(lifts[:-1])])  # which stroke each point is in
    a, b = points[:-1], points[1:]
    idx = np.flatnonzero(~np.asarray(lifts[:-1], bool) & np.any(a != b, axis=1))
    if len(idx) < 2:
        return 0.0
    a, b = a[idx], b[idx]
    d = b - a
    cross = lambda u, v: u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]  # noqa: E731
    # every pair (i, j): the ends of j on opposite sides of i, and the ends of i of j
    side_j = cross(d[:, None], a[None] - a[:, None]) * cross(d[:, None], b[None] - a[:, None])
    length = np.linalg.norm(d, axis=1)
    sine = np.abs(cross(d[:, None], d[None])) / (length[:, None] * length[None])
    later = stroke[idx][None] > stroke[idx][:, None]  # each pair once, in different strokes
    pairs = np.argwhere((side_j < 0) & (side_j.T < 0) & later & (sine >= MIN_SINE))
    best = 0.0
    for i, j in pairs:
        si, sj = idx[i], idx[j]  # segment s runs from point s to point s + 1
        if not _lean_apart(_tilt(points, stroke, si), _tilt(points, stroke, sj)):
            continue
        at = a[i] + cross(a[j] - a[i], d[j]) / cross(d[i], d[j]) * d[i]
        arms = [_reach(points, stroke, at, si, -1), _reach(points, stroke, at, si + 1, 1),
                _reach(points, stroke, at, sj, -1), _reach(points, stroke, at, sj + 1, 1)]
        best = max(best, min(arms) / max(arms))
    return best


def _tilt(points: np.ndarray, stroke: np.ndarray, s: int) -> float:
    """The direction of the stroke that point ``s`` is in, from its first point to its last
    among ``points`` (a letter's: its part of a stroke that began in the letter before), in
    degrees from the horizontal (0-180, counter-clockwise on the page, where y points down)."""
    run = np.flatnonzero(stroke == stroke[s])
    dx, dy = points[run[-1]] - points[run[0]]
    return float(np.degrees(np.arctan2(-dy, dx)) % 180.0)


def _lean_apart(a: float, b: float) -> bool:
    """Whether two stroke directions (:func:`_tilt`) make an ``x``: one rising to the right and
    one falling, both at least :data:`MIN_TILT` from the horizontal."""
    low, high = sorted((a, b))
    return MIN_TILT < low < 90.0 < high < 180.0 - MIN_TILT


def _reach(points: np.ndarray, stroke: np.ndarray, at: np.ndarray, start: int,
           step: int) -> float:
    """How far from ``at`` the ink gets from point ``start`` on, in direction ``step`` along its
    stroke."""
    run = np.flatnonzero(stroke == stroke[start])
    part = run[run <= start] if step < 0 else run[run >= start]
    return float(np.linalg.norm(points[part] - at, axis=1).max())


def letter_points(window: np.ndarray, position: int, last: bool) -> np.ndarray:
    """The indices of the points drawn while the window read ``position`` (and, for the last
    letter of what was drawn, everything after: its cross may come after the window moved
    on)."""
    return np.flatnonzero(window >= position if last else window == position)


def letter_score(offsets: np.ndarray, window: np.ndarray, position: int, last: bool) -> float:
    """:func:`crossing_arms` of the points drawn for the letter at ``position``
    (:func:`letter_points`; ``offsets`` un-normalised ``(T, 3)``, ``window`` per point); 0 where
    the window never read it."""
    own = letter_points(window, position, last)
    if not len(own):
        return 0.0
    # from the letter's first point on: the move into it belongs to the letter before
    lo, hi = int(own[0]), int(own[-1]) + 1
    points = np.cumsum(offsets[:hi, :2], axis=0)[lo:]
    return crossing_arms(points, offsets[lo:hi, 2] > 0.5)


def uncrossed(offsets: np.ndarray, window: np.ndarray, text: str, begin: int, end: int) -> int:
    """How many letters of :data:`CROSSED` in ``text[begin:end]`` (the stretch ``offsets`` drew,
    un-normalised ``(T, 3)``, ``window`` per point) are not drawn crossed."""
    return sum(letter_score(offsets, window, u, last=u == end - 1) < MIN_BALANCE
               for u in range(begin, end) if text[u] in CROSSED)


def reads_as(reading: str, text: str) -> bool:
    """Whether the reader's ``reading`` is ``text``, but for the letters of :data:`CROSSED`,
    which the shape check judges instead: the reader reads a clear crossed ``x`` as "n" at
    times ("fon"), as it reads a hook as "x"."""
    return len(reading) == len(text) and all(
        r == t or t in CROSSED for r, t in zip(reading, text))
