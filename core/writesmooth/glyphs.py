"""A single-stroke font, for characters a model never learned and for page numbers.

The shapes are the Hershey fonts (the lowercase letters from Script Simplex, the rest from Roman
Simplex), kept as plain JSON in ``fonts/glyphs.json`` and made by ``scripts/make_glyphs.py``,
which says how they were chosen. The Hershey Fonts were originally created by Dr. A. V. Hershey
while working at the U. S. National Bureau of Standards.

Font units: the baseline at y = 0, y downwards (as in :class:`~writesmooth.ink.Ink`), the
x-height 1.0 (a lowercase "x" spans y in [-1, 0]; capitals and digits are 2.0 tall), each
glyph's origin (left edge) at x = 0 and its advance width given. The font is upright; a slant is
applied when drawing.

Accented letters are composed: the base letter of the character's canonical decomposition plus
its marks (:func:`accent`), above the letter (``i`` and ``j`` lose their dot under a mark) or,
for a cedilla, an ogonek and the like, below it. Only numpy is imported.
"""
from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from .errors import WritesmoothError
from .ink import Ink

__all__ = ["BELOW", "GLYPH_CHARS", "Glyph", "accent", "accent_of", "draw", "fit", "glyph",
           "has_glyph", "set_text"]

MARK_NAMES = {
    "\u0300": "grave", "\u0301": "acute", "\u0302": "circumflex", "\u0303": "tilde",
    "\u0304": "macron", "\u0306": "breve", "\u0307": "dot", "\u0308": "diaeresis",
    "\u030a": "ring", "\u030b": "double_acute", "\u030c": "caron", "\u0323": "dot_below",
    "\u0326": "comma_below", "\u0327": "cedilla", "\u0328": "ogonek",
}
BELOW = frozenset({"cedilla", "ogonek", "comma_below", "dot_below"})
DOTLESS = {"i": "\u0131", "j": "\u0237"}
MARK_GAP = 0.25   # between a letter's top and the mark over it, in x-heights
STACK_GAP = 0.08  # between two marks stacked over one letter
# where composed letters are looked for: Latin-1, Latin Extended-A and -B, Latin Extended Additional
COMPOSED_RANGES = ((0xC0, 0x250), (0x1E00, 0x1F00))


@dataclass(frozen=True)
class Glyph:
    """One character's strokes in font units (module doc), its advance and its top."""

    strokes: tuple[np.ndarray, ...]  # each (N, 2) float32, read-only
    advance: float                   # to the next glyph's origin
    top: float                       # min y of the strokes (negative: above the baseline)


def _stroke(flat: list[float]) -> np.ndarray:
    p = np.asarray(flat, np.float32).reshape(-1, 2)
    p.setflags(write=False)
    return p


def _make(strokes: list[np.ndarray], advance: float) -> Glyph:
    top = min((float(s[:, 1].min()) for s in strokes), default=0.0)
    return Glyph(strokes=tuple(strokes), advance=float(advance), top=top)


@lru_cache(maxsize=1)
def _font() -> dict[str, Any]:
    text = resources.files("writesmooth").joinpath("fonts/glyphs.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _stored(ch: str) -> Glyph:
    entry = _font()["glyphs"][ch]
    return _make([_stroke(s) for s in entry["strokes"]], entry["advance"])


def accent_of(ch: str) -> tuple[str, list[str]] | None:
    """``(base letter, mark names)`` of an accented character (``'é'`` -> ``('e', ['acute'])``,
    ``'ç'`` -> ``('c', ['cedilla'])``); None for a character without marks, or with a mark this
    font does not draw."""
    if len(ch) != 1:
        return None
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) < 2 or any(m not in MARK_NAMES for m in parts[1:]):
        return None
    return parts[0], [MARK_NAMES[m] for m in parts[1:]]


@lru_cache(maxsize=None)
def accent(name: str) -> Glyph:
    """A mark alone (names: :data:`MARK_NAMES`' values), centred on x = 0: a mark above has its
    lowest point at y = 0 and goes up; a mark below (cedilla, ogonek, ...) hangs from y = 0 down."""
    marks = _font()["marks"]
    if name not in marks:
        raise WritesmoothError(f"no accent mark named {name!r} (known: {', '.join(sorted(marks))})")
    return _make([_stroke(s) for s in marks[name]["strokes"]], 0.0)


def _composable(ch: str) -> bool:
    found = accent_of(ch)
    return found is not None and found[0] in _font()["glyphs"]


@lru_cache(maxsize=1)
def _glyph_set() -> frozenset[str]:
    chars = set(_font()["glyphs"])
    chars.update(c for lo, hi in COMPOSED_RANGES for c in map(chr, range(lo, hi))
                 if c not in chars and _composable(c))
    return frozenset(chars)


@lru_cache(maxsize=1)
def _glyph_chars() -> str:
    return "".join(sorted(_glyph_set()))


def __getattr__(name: str) -> Any:
    # GLYPH_CHARS is read from the font on first use, not when the module is imported
    if name == "GLYPH_CHARS":
        return _glyph_chars()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def has_glyph(ch: str) -> bool:
    """Whether :func:`glyph` draws ``ch`` (a single character)."""
    return ch in _glyph_set()


def _missing(chars: list[str]) -> WritesmoothError:
    named = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars)
    return WritesmoothError(f"the single-stroke font has no glyph for {named}")


@lru_cache(maxsize=None)
def glyph(ch: str) -> Glyph:
    """The whole character in font units (accented letters composed); raises
    :class:`~writesmooth.errors.WritesmoothError` naming ``ch`` when the font has none."""
    glyphs = _font()["glyphs"]
    if len(ch) == 1 and ch in glyphs:
        return _stored(ch)
    if len(ch) != 1:
        raise WritesmoothError(f"a glyph is one character, not {ch!r}")
    if not has_glyph(ch):
        raise _missing([ch])
    base, marks = accent_of(ch)
    if base in DOTLESS and any(m not in BELOW for m in marks):
        base = DOTLESS[base]
    letter, entry = _stored(base), glyphs[base]
    strokes = list(letter.strokes)
    top = letter.top
    for k, name in enumerate(marks):
        mark = accent(name)
        if name in BELOW:
            at = (entry.get("below", letter.advance / 2), 0.0)
        else:
            at = (entry.get("above", letter.advance / 2), top - (MARK_GAP if k == 0 else STACK_GAP))
            top = at[1] + mark.top
        strokes += [_frozen(s + np.asarray(at, np.float32)) for s in mark.strokes]
    return _make(strokes, letter.advance)


def _frozen(p: np.ndarray) -> np.ndarray:
    p = np.ascontiguousarray(p, np.float32)
    p.setflags(write=False)
    return p


def _vary(points: np.ndarray, advance: float, rng: np.random.Generator,
          variation: float) -> tuple[np.ndarray, float]:
    """A size change, a small rotation about the glyph's middle and a smooth wobble (waves
    longer than the glyph), all of relative magnitude about ``variation``."""
    size = 1.0 + variation * float(np.clip(rng.standard_normal(), -2.5, 2.5))
    angle = variation * float(np.clip(rng.standard_normal(), -2.5, 2.5))
    direction = rng.uniform(0, 2 * math.pi, (2, 2))
    wavelength = rng.uniform(1.5, 3.0, (2, 2))
    phase = rng.uniform(0, 2 * math.pi, (2, 2))
    amplitude = 0.5 * variation * rng.standard_normal((2, 2))
    centre = np.array([advance / 2, -0.5])
    c, s = math.cos(angle), math.sin(angle)
    p = (points - centre) @ np.array([[c, s], [-s, c]]) * size + centre
    wobble = np.zeros_like(p)
    for axis in range(2):
        for k in range(2):
            u = np.array([math.cos(direction[axis, k]), math.sin(direction[axis, k])])
            wobble[:, axis] += amplitude[axis, k] * np.sin(
                2 * math.pi * (points @ u) / wavelength[axis, k] + phase[axis, k])
    return p + wobble, advance * size


def draw(ch: str, *, x_height: float, slant: float = 0.0, rng: np.random.Generator | None = None,
         variation: float = 0.05) -> tuple[list[np.ndarray], float]:
    """``ch`` at ``x_height`` (the caller's units), leaning ``slant`` degrees to the right (a
    shear ``x -= y * tan(slant)``, y being downwards), origin at x = 0 on the baseline y = 0.
    With ``rng``, a little variation (:func:`_vary`) so that repeated letters do not look
    stamped. Returns ``(strokes, advance)`` in the caller's units, strokes float32."""
    return fit(glyph(ch), x_height=x_height, slant=slant, rng=rng, variation=variation)


def fit(g: Glyph, *, x_height: float, slant: float = 0.0,
        rng: np.random.Generator | None = None, variation: float = 0.05
        ) -> tuple[list[np.ndarray], float]:
    """A glyph (or a mark: :func:`accent`) as :func:`draw` draws a character."""
    if not g.strokes:
        return [], g.advance * x_height
    lengths = [len(s) for s in g.strokes]
    points = np.concatenate(g.strokes).astype(np.float64)
    advance = g.advance
    if rng is not None and variation > 0:
        points, advance = _vary(points, advance, rng, variation)
    points[:, 0] -= points[:, 1] * math.tan(math.radians(slant))
    points *= x_height
    pieces = np.split(points.astype(np.float32), np.cumsum(lengths)[:-1])
    return list(pieces), advance * x_height


def set_text(text: str, *, x_height: float, slant: float = 0.0, seed: int | None = None,
             variation: float = 0.05) -> Ink:
    """A line of ``text`` set in the font, baseline y = 0 and starting at x = 0, as an
    :class:`~writesmooth.ink.Ink` (its text ``text``). With a ``seed``, each glyph varies a
    little (:func:`draw`) and the same seed gives the same line; without one the glyphs are
    drawn as they are. Raises :class:`~writesmooth.errors.WritesmoothError` naming every
    character that has no glyph."""
    missing = sorted({c for c in text if not has_glyph(c)})
    if missing:
        raise _missing(missing)
    rng = np.random.default_rng(seed) if seed is not None else None
    strokes: list[np.ndarray] = []
    x = 0.0
    for ch in text:
        pieces, advance = draw(ch, x_height=x_height, slant=slant, rng=rng, variation=variation)
        strokes += [p + np.array([x, 0.0], np.float32) for p in pieces]
        x += advance
    return Ink(strokes=strokes, text=text)
