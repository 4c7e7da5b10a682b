"""When a drawn line (or word) is finished (docs/writing.md, "When a line ends").

Graves' rule: the window has moved past the last character, i.e. ``phi`` at position ``U`` (the
padded slot one past the text) exceeds ``phi`` at every real position. The pen usually is still
in the last letter at that moment, so the line runs on until the pen next lifts (at most
:data:`LIFT_GRACE` more points), and a short stroke after that lift that goes back over the line
(the cross of a final ``t``) is kept too. The window has also passed the end when ``phi``
underflows to zero at every position 0..U: ``kappa`` only grows, so every component that carries
weight has then moved far beyond the text. No rule looks at the components' positions
themselves: a trained network keeps spare components running far ahead of the reading one, with
as much weight (``alpha``) as it.
"""
from __future__ import annotations

import numpy as np

from .convert import Normaliser

POINTS_PER_CHAR_CAP = 40  # IAM-OnDB writes about 21 points per character (5-95 %: 13-30)
CAP_BASE = 100            # ... plus a margin, so one short word is not cut while it starts
LIFT_GRACE = 40           # after the window passed the end: points allowed until the pen lifts
DELAYED_STROKES = 2       # after that lift, strokes kept that start back over the line (the cross
DELAYED_POINTS = 30       # of a final t or x, a dot), each of at most this many points, when the
DELAYED_LETTERS = frozenset("tixjfAEFHIJT")  # last word has a letter writers cross or dot late
UNDERFLOW = 1e-12         # phi below this at every position: the window has left the text


def step_cap(n_chars: int) -> int:
    """The most points a line of ``n_chars`` characters may take."""
    return POINTS_PER_CHAR_CAP * n_chars + CAP_BASE


def ends_late(text: str) -> bool:
    """Whether the text's last word has a letter that writers often cross or dot after its
    body (:data:`DELAYED_LETTERS`): only then are strokes after the line's last lift kept."""
    words = text.split()
    return bool(words) and not DELAYED_LETTERS.isdisjoint(words[-1])


def zero_move(norm: Normaliser) -> float:
    """A move of zero in normalised units: a ``dx`` below it goes back to the left."""
    return -norm.mean[0] / norm.std[0]


class StopTracker:
    """Per line: the step the window passed the end, the step it ended, whether the cap cut it.

    The line ends on the first pen lift from the point *before* the window passed: the window
    is computed from the previous point, and a trained network moves it past the end just as
    the pen lifts after the last letter. Looking for a lift only from the passing step on let
    it write a stroke more (an extra "n" or "u" after "dog") before the next lift.

    Writers cross a final ``t`` or ``x`` (and dot an ``i``) after the letter's body, so that
    lift can come before the line is done: with ``back`` (the normalised ``dx`` of a move of
    zero, :func:`zero_move`), a stroke after it that starts to the left of where the pen lifted,
    going back over the line, is kept too when it ends within :data:`DELAYED_POINTS` points, up
    to :data:`DELAYED_STROKES` of them, on lines whose ``delayed`` flag is set (their last word
    has a letter in :data:`DELAYED_LETTERS`). A new letter starts to the right, and is not
    kept; a line whose last word has nothing to cross or dot keeps nothing after the lift."""

    def __init__(self, caps: list[int], back: float | None = None,
                 delayed: list[bool] | None = None) -> None:
        self.caps = caps
        self.back = back
        self.delayed = delayed or [True] * len(caps)  # per line: may it keep delayed strokes
        self.passed: list[int | None] = [None] * len(caps)
        self.end: list[int | None] = [None] * len(caps)
        self.hit_cap = [False] * len(caps)
        # per line: (the lift the line ends on so far, delayed strokes kept) until it is done
        self.cut: list[tuple[int, int] | None] = [None] * len(caps)
        T = max(caps, default=0)
        self.dx = np.zeros((T, len(caps)), np.float32)
        self.eos = np.zeros((T, len(caps)), np.float32)
        self.seen = 0  # rows of dx/eos filled: every scan's rows, kept for the later ones

    def update(self, past: np.ndarray, eos: np.ndarray, t0: int,
               dx: np.ndarray | None = None) -> bool:
        """Scan steps ``t0 ..`` (rows of ``past``/``eos``/``dx``, ``(n, B)``); True when all
        ended."""
        n = min(len(eos), len(self.eos) - t0)
        self.eos[t0:t0 + n] = eos[:n]
        if dx is not None:
            self.dx[t0:t0 + n] = dx[:n]
        self.seen = t0 + n
        for b, cap in enumerate(self.caps):
            if self.end[b] is not None:
                continue
            if self.cut[b] is not None:
                self._delayed(b)
                continue
            lim = min(len(past), cap - t0)  # rows of this scan that lie within the line's cap
            if self.passed[b] is None:
                hits = np.flatnonzero(past[:lim, b])
                if len(hits):
                    self.passed[b] = t0 + int(hits[0])
            if self.passed[b] is not None:
                # from step passed - 1 (or the previous scan's last step; there is no step -1)
                start = max(self.passed[b], t0, 1) - 1
                lifts = np.flatnonzero(self.eos[start:t0 + lim, b] > 0.5)
                if len(lifts):
                    lift = start + int(lifts[0])
                    if self.back is None or not self.delayed[b]:
                        self.end[b] = lift
                    else:
                        self.cut[b] = (lift, 0)
                        self._delayed(b)
                        continue
                elif t0 + lim - 1 >= self.passed[b] + LIFT_GRACE:
                    self.end[b] = self.passed[b] + LIFT_GRACE
            if self.end[b] is None and t0 + lim >= cap:
                self.end[b] = cap - 1
                self.hit_cap[b] = self.passed[b] is None  # the cap cut it before the end
        return all(e is not None for e in self.end)

    def _delayed(self, b: int) -> None:
        """Keep the strokes after line ``b``'s lift that go back over the line, while they can
        be told; end the line once one cannot be kept (or the last allowed one is)."""
        while self.end[b] is None:
            lift, kept = self.cut[b]  # type: ignore[misc]
            first = lift + 1  # the next stroke's first point; its dx is the move there
            if kept == DELAYED_STROKES or first >= self.caps[b]:
                self.end[b] = lift
                return
            if first >= self.seen:
                return  # not drawn yet
            if self.dx[first, b] >= self.back:  # type: ignore[operator]
                self.end[b] = lift  # it starts to the right: a new letter, not kept
                return
            limit = min(first + DELAYED_POINTS, self.caps[b])  # where the stroke must end by
            lifts = np.flatnonzero(self.eos[first:min(limit, self.seen), b] > 0.5)
            if len(lifts):
                self.cut[b] = (first + int(lifts[0]), kept + 1)
            elif self.seen >= limit:
                self.end[b] = lift  # too long for a cross or a dot, or cut at the cap
                return
            else:
                return  # its end is not drawn yet
