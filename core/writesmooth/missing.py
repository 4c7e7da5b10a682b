"""Characters a model never learned, drawn at their place in a line it writes
(docs/outputs.md, "Every character").

A model with the capability ``"positions"`` records which character of its text it was writing
at each point (:data:`~writesmooth.api.POSITIONS`). The line is given to it with each such
character replaced (:func:`plan_line`):

- an accented letter whose base letter the model knows by that letter (``é`` -> ``e``): the
  network writes the letter and the accent is drawn over the points it wrote for it;
- any other character of the single-stroke font (:mod:`writesmooth.glyphs`) by a known letter
  of about its width (``Q`` -> ``q``, ``%`` -> ``o``): the network writes the whole line, its
  attention stepping over that place as over any letter, and the points written there are
  replaced by the font's glyph, fitted to the line's x-height and slant with a little variation,
  the writing after it moved along to make room (:func:`draw_missing`);
- a character without a glyph by the model's own closest spelling (``€`` -> ``EUR``), where it
  has one.

Model-agnostic: it uses :meth:`Model.unknown_chars`, :meth:`Model.replace_unknown`,
:meth:`Model.write_stream` and the positions a model records.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from .api import POSITIONS, Model, unknown_characters
from .errors import NotImplementedCapability
from .glyphs import BELOW, accent, accent_of, draw, fit, glyph, has_glyph
from .hand import hand_stats
from .ink import Ink, baseline

PLACEHOLDER = "o"   # written where a glyph goes when the model knows no letter closer to it
GAP = 0.15          # space around a glyph, in x-heights
ACCENT_GAP = 0.4    # between a letter's top and its accent, in x-heights
VARIATION = 0.05    # of a drawn glyph's size, angle and shape (glyphs.draw)
FRAGMENT_POINTS = 8  # a piece left of a cut stroke with fewer points, or smaller than
FRAGMENT_SIZE = 0.5  # this many x-heights, is dropped
SHORT = frozenset("acemnorsuvwxz")  # letters that span the x-height: they measure it
TALL = frozenset("ABCDEFGHIKLMNRTUVWbdhklt0123456789")  # ... and the capital height
FONT_CAP = 2.0      # the font's capital height in x-heights (glyphs.py)
NEAR, REACH = 3, 6  # a glyph sits on the feet of the 3 nearest short letters within 6 places


@dataclass
class LinePlan:
    """One line: ``text`` as asked, ``net`` as the model is given it, and what is drawn:
    ``draws`` of ``(position in net, character, "glyph" | "accent")``."""

    text: str
    net: str
    draws: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def drawn(self) -> list[str]:
        return [ch for _, ch, _ in self.draws]


def can_draw(model: Model) -> bool:
    """Whether the model records positions, so that missing characters can be drawn."""
    return "positions" in type(model).capabilities


def plan_line(model: Model, text: str) -> LinePlan:
    """What the model writes for ``text`` and what is drawn over it (module doc); raises the
    unknown-characters error naming what can be neither written, drawn nor spelt."""
    unknown = model.unknown_chars(text)
    if not unknown:
        return LinePlan(text, text)
    net: list[str] = []
    draws: list[tuple[int, str, str]] = []
    refused: set[str] = set()
    at = 0
    for ch in text:
        if ch not in unknown:
            piece = ch
        elif (marks := accent_of(ch)) is not None and not model.unknown_chars(marks[0]) \
                and not ch.isspace():
            piece = marks[0]
            draws.append((at, ch, "accent"))
        elif has_glyph(ch):
            piece = _placeholder(model, ch)
            draws.append((at, ch, "glyph"))
        else:
            piece = model.replace_unknown(ch)
            if (not piece.strip() and not ch.isspace()) or model.unknown_chars(piece):
                refused.add(ch)
        net.append(piece)
        at += len(piece)
    if refused:
        raise unknown_characters(model.name, sorted(refused))
    return LinePlan(text, "".join(net), draws)


def _placeholder(model: Model, ch: str) -> str:
    near = model.replace_unknown(ch)
    if len(near) == 1 and near.strip() and not model.unknown_chars(near):
        return near
    for c in (PLACEHOLDER, "a", "n", "x"):
        if not model.unknown_chars(c):
            return c
    return model.replace_unknown(ch)[:1] or " "


def write_lines(model: Model, texts: Sequence[str], *, strict: bool = False,
                **kwargs: Any) -> Iterator[tuple[int, Ink]]:
    """:meth:`Model.write_stream` of ``texts`` with every character the model has no class
    for drawn from the font at its place (module doc); with ``strict``, or a model that does
    not record positions, such characters are refused as before. The text is checked before
    this returns: what cannot be written raises one error naming the characters."""
    if strict or not can_draw(model):
        missing = sorted({ch for t in texts for ch in model.unknown_chars(t)})
        if missing:
            error = unknown_characters(model.name, missing)
            if not strict:
                error = NotImplementedCapability(
                    f"{error}; model '{model.name}' cannot have them drawn in place (it does "
                    f"not record positions)")
            raise error
        return model.write_stream(list(texts), **kwargs)
    plans = [plan_line(model, t) for t in texts]
    return ((i, draw_missing(ink, plans[i]))
            for i, ink in model.write_stream([p.net for p in plans], **kwargs))


# --- drawing into the line -----------------------------------------------------------------
def draw_missing(ink: Ink, line: LinePlan, seed: int | None = None) -> Ink:
    """``ink`` (written for ``line.net``) with ``line``'s characters drawn (module doc), its
    text ``line.text``; the positions are dropped from its meta. ``seed`` (default: the line's
    ``meta["seed"]``) makes the glyphs' variation repeatable."""
    positions = ink.meta.pop(POSITIONS, None)
    if not line.draws:
        return ink.replace(text=line.text)
    meta = dict(ink.meta, font_characters=line.drawn)
    strokes = [s for s in ink.strokes if len(s)]
    n = sum(len(s) for s in strokes)
    if positions is None or len(positions) != n or not n:
        return ink.replace(text=line.text, meta=meta)
    pts = np.concatenate(strokes).astype(np.float64)
    which = np.repeat(np.arange(len(strokes)), [len(s) for s in strokes])
    pos = np.asarray(positions, np.int64)
    keep = np.ones(n, bool)
    slant = hand_stats(ink)["slant"]
    slant = slant if math.isfinite(slant) else 0.0
    xh, cap, feet = _measure(ink, pts, pos, line.net)
    rng = np.random.default_rng(meta.get("seed") if seed is None else seed)
    spaces = np.array([ch == " " for ch in line.net] + [True])  # past the end: no letter
    extra: list[tuple[float, np.ndarray]] = []  # (where in the writing order, stroke)
    for p, ch, kind in sorted(line.draws):
        here = (pos == p) & keep
        order = float(np.argmax(pos >= p)) if (pos >= p).any() else float(n)
        if kind == "accent":
            # a word's last letter is finished while the window already reads the space after
            # it: those points of its strokes are the letter's too
            if spaces[p + 1]:
                here |= (pos == p + 1) & np.isin(which, which[here]) & keep
            marks = _accent(ch, pts[here], pts[keep & (pos < p)], _baseline_at(p, feet), xh,
                            slant)
            extra += [(order + 0.5, m) for m in marks]
            continue
        # where the stand-in began, but never into the letters before it
        before = pts[keep & (pos < p), 0]
        left = float(pts[here, 0].min() if here.any() else pts[:, 0].min())
        if len(before):
            left = max(left, float(before.max()) + GAP * xh)
        right_old = float(pts[here, 0].max()) if here.any() else left
        keep &= ~(here | _ticks(pts, pos, which, keep, p, line.net, xh))
        # a glyph as tall as a capital is fitted to the line's capitals, a small one to its
        # x-height
        size = cap / FONT_CAP if glyph(ch).top < -1.5 else xh
        shapes, advance = draw(ch, x_height=size, slant=slant, rng=rng, variation=VARIATION)
        extra += [(order - 0.5, g + np.array([left, _baseline_at(p, feet)])) for g in shapes]
        # the writing after it moves by what the glyph is wider than what it replaces, so the
        # spacing after it stays the writer's
        pts[keep & (pos > p), 0] += (left + advance + GAP * xh) - right_old
    cut = set(which[~keep].tolist())
    # what is left of a stroke the placeholder was cut out of (its lead-in or its exit, read
    # while the window was already on a neighbour) is a stray tick beside the glyph, and a
    # piece written while it read a space belongs to no letter: dropped
    pieces = [(k, q) for k, q in _pieces(pts, which, keep)
              if which[int(k)] not in cut
              or not (_small(q, xh) or spaces[pos[int(k):int(k) + len(q)]].all())]
    ordered = sorted(pieces + extra, key=lambda e: e[0])
    return Ink(strokes=[s.astype(np.float32) for _, s in ordered], text=line.text,
               writer=ink.writer, source=ink.source, id=ink.id, meta=meta)


def _measure(ink: Ink, pts: np.ndarray, pos: np.ndarray, net: str
             ) -> tuple[float, float, dict[int, float]]:
    """The line's x-height and capital height, and the lowest point of each letter without
    ascenders or descenders the model wrote (by position: its positions say which points are
    whose). The x-height is the median height of those letters (:data:`SHORT`), the capital
    height the upper quartile of the capitals', digits' and ascenders' (:data:`TALL`; none:
    :data:`FONT_CAP` x-heights); a line without short letters is measured whole
    (:func:`writesmooth.hand.hand_stats`)."""
    spans: dict[bool, list[tuple[int, float, float]]] = {False: [], True: []}
    for k, ch in enumerate(net):
        mine = pts[pos == k, 1]
        if (ch in SHORT or ch in TALL) and len(mine) >= 3:
            # most of a tall letter's points are below its top: its highest point is the top
            top, bottom = np.percentile(mine, [0 if ch in TALL else 5, 95])
            spans[ch in TALL].append((k, float(top), float(bottom)))
    if spans[False]:
        _, tops, bottoms = np.array(spans[False]).T
        xh, base = float(np.median(bottoms - tops)), float(np.median(bottoms))
        feet = {k: bottom for k, _, bottom in spans[False]}
    else:
        xh, base, feet = hand_stats(ink)["x_height"], float(baseline(ink)), {}
    if not xh > 0:
        xh = max(float(np.ptp(pts[:, 1])) / 2, 1e-3)
    feet.setdefault(-1, base)  # the whole line's, where no short letter is near
    # each over the baseline where it stands (a line's drifts); the taller of them, since
    # ascenders and capitals outgrow digits and a short "t"
    cap = float(np.percentile([_baseline_at(k, feet) - top for k, top, _ in spans[True]], 75)) \
        if spans[True] else 0.0
    return xh, cap if cap > xh else FONT_CAP * xh, feet


def _baseline_at(p: int, feet: dict[int, float]) -> float:
    """The baseline at position ``p``: the median foot of the :data:`NEAR` short letters
    nearest it within :data:`REACH` positions (a line's baseline drifts), else the line's."""
    near = sorted((abs(k - p), y) for k, y in feet.items() if k >= 0 and abs(k - p) <= REACH)
    return float(np.median([y for _, y in near[:NEAR]])) if near else feet[-1]


def _ticks(pts: np.ndarray, pos: np.ndarray, which: np.ndarray, keep: np.ndarray, p: int,
           net: str, xh: float) -> np.ndarray:
    """The points of tiny strokes written while the window read a space beside position
    ``p``: a space has no strokes of its own, so they are the stand-in's lead-in or exit."""
    out = np.zeros(len(pts), bool)
    for q in (p - 1, p + 1):
        if not (0 <= q < len(net) and net[q] == " "):
            continue
        for k in set(which[keep & (pos == q)].tolist()):
            mine = which == k
            if (pos[mine] == q).all() and _small(pts[mine], xh):
                out |= mine
    return out


def _small(stroke: np.ndarray, xh: float) -> bool:
    return (len(stroke) < FRAGMENT_POINTS
            or float(np.ptp(stroke, axis=0).max()) < FRAGMENT_SIZE * xh)


def _pieces(pts: np.ndarray, which: np.ndarray, keep: np.ndarray
            ) -> list[tuple[float, np.ndarray]]:
    """The kept points as strokes: a stroke is cut where points were taken out of it."""
    out: list[tuple[float, np.ndarray]] = []
    start = None
    for k in range(len(pts) + 1):
        end = k == len(pts) or not keep[k] or (start is not None and which[k] != which[start])
        if start is not None and end:
            out.append((float(start), pts[start:k]))
            start = None
        if k < len(pts) and keep[k] and start is None:
            start = k
    return out


def _accent(ch: str, letter: np.ndarray, before: np.ndarray, base: float, xh: float,
            slant: float) -> list[np.ndarray]:
    """The marks of ``ch`` placed over (a cedilla: under) the points written for its base
    letter (``letter``; none: just after the writing ``before``)."""
    _, marks = accent_of(ch)
    lean = math.tan(math.radians(slant))
    if len(letter):
        lo, hi = np.percentile(letter[:, 0], [20, 80])
        centre, mid = float(lo + hi) / 2, float(np.median(letter[:, 1]))
        top = min(float(np.percentile(letter[:, 1], 3)), base - xh)
    else:
        centre = (float(before[:, 0].max()) if len(before) else 0.0) + 0.5 * xh
        mid, top = base - xh / 2, base - xh
    out: list[np.ndarray] = []
    for name in marks:
        mark = accent(name)
        y = base if name in BELOW else top - ACCENT_GAP * xh
        x = centre + (mid - y) * lean  # along the letter's slant
        shapes, _ = fit(mark, x_height=xh, slant=slant)
        out += [q + np.array([x, y]) for q in shapes]
        top = y - xh * max(0.0, -mark.top)
    return out
