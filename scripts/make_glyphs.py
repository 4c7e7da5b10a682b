"""Make ``core/writesmooth/fonts/glyphs.json``, the single-stroke font of ``writesmooth.glyphs``
(a maintainer's script).

The shapes are the Hershey fonts. The Hershey Fonts were originally created by Dr. A. V. Hershey
while working at the U. S. National Bureau of Standards. vpype ships them, converted by the
axi project, as pickles (``vpype/fonts/*.pickle``: per character from space to DEL, its left and
right side and its polylines, in Hershey units with the baseline at y = 9 and y downwards). This
script is the only place they are unpickled; what it writes is plain JSON, and the runtime reads
only that.

Which Hershey font, chosen by rendering them beside handwriting:

* lowercase letters: **Script Simplex** (``scripts``). It is a school cursive whose letters join
  at their entry and exit strokes, as a handwritten word does, and every lowercase letter reads
  at once. Its built-in lean (1 in 3) is taken out, so that at ``slant=0`` the font is upright
  and the caller's slant alone sets the lean; the shear pivots on the height where the letters
  join, so joins stay joins.
* capitals, digits and symbols: **Roman Simplex** (``rowmans``; ``^`` from ``futural``, whose
  ``rowmans`` slot holds an up arrow). Script Simplex's capitals are ornate copperplate: its Q
  reads as a 2, its I and J, F and T are hard to tell apart, and these are exactly the characters
  most likely to be drawn from the font. Plain capitals are what most people print by hand.
  Capitals and digits are :data:`CAP` x-heights tall; the small punctuation (``. , : ; -``) is
  scaled by Roman Simplex's own x-height, so that it sits where handwriting puts it.

Letters without a decomposition (ß æ Æ ø Ø ð Ð þ Þ œ Œ ł Ł đ Đ ħ Ħ) are put together here from
the fonts' strokes and a few points drawn by hand; accented letters are not stored, the runtime
composes them from a base letter and a mark of :data:`MARKS`. Polylines are rounded with two
rounds of Chaikin's corner cutting that keep sharp corners (turns over :data:`CORNER` degrees).

Units of the JSON: baseline y = 0, y downwards, the x-height 1.0, each glyph's origin (left edge)
at x = 0 and its advance width given. Per letter, ``above`` and ``below`` are the x over which a
mark above, or under which a mark below, is centred.

    python scripts/make_glyphs.py        # needs vpype installed
"""
from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np

ATTRIBUTION = ("The Hershey Fonts were originally created by Dr. A. V. Hershey while working at "
               "the U. S. National Bureau of Standards.")
OUT = Path(__file__).resolve().parents[1] / "core" / "writesmooth" / "fonts" / "glyphs.json"
BASE, JOIN = 9, 4   # Hershey baseline, and the height where Script Simplex letters join
SCRIPT = 1 / 9      # Script Simplex: its x-height is 9 units
LEAN = 1 / 3        # Script Simplex's built-in lean, taken out
CAP = 2.0           # capitals and digits, in x-heights
ROMAN = CAP / 21    # Roman Simplex capitals are 21 units tall
SMALL = 1 / 14      # Roman Simplex's x-height: for the small punctuation
CORNER = 50.0       # degrees of turn at a vertex kept as a corner when rounding
SMALL_PUNCT = ".,:;-"


def hershey(name: str) -> list:
    import vpype  # only here: the runtime never needs vpype

    with open(Path(vpype.__file__).parent / "fonts" / f"{name}.pickle", "rb") as fp:
        return pickle.load(fp)


def arr(points) -> np.ndarray:
    return np.asarray(points, np.float64).reshape(-1, 2)


def from_script(lines, lt: float, rt: float) -> dict:
    out = []
    for line in lines:
        p = arr(line)
        if len(p):
            x = p[:, 0] - lt + (p[:, 1] - JOIN) * LEAN
            out.append(np.stack([x, p[:, 1] - BASE], 1) * SCRIPT)
    return {"strokes": out, "advance": (rt - lt) * SCRIPT}


def from_roman(lines, lt: float, rt: float, scale: float = ROMAN) -> dict:
    out = [np.stack([arr(l)[:, 0] - lt, arr(l)[:, 1] - BASE], 1) * scale for l in lines if len(l)]
    return {"strokes": out, "advance": (rt - lt) * scale}


def with_lines(g: dict, *lines, grid=None) -> dict:
    """``g`` plus ``lines`` (in font units, or in ``grid``: (lt, rt, converter) of the font)."""
    extra = [arr(l) for l in lines]
    if grid:
        extra = grid[2](extra, grid[0], grid[1])["strokes"]
    return {**g, "strokes": g["strokes"] + extra}


def moved(g: dict, dx: float = 0.0, dy: float = 0.0, scale: float = 1.0) -> dict:
    return {"strokes": [s * scale + (dx, dy) for s in g["strokes"]], "advance": g["advance"] * scale}


def rotated180(g: dict, dy: float) -> dict:
    return {"strokes": [(g["advance"], dy) - s for s in g["strokes"]], "advance": g["advance"]}


def joined(*parts: tuple[dict, float]) -> dict:
    """Glyphs side by side, each at an offset (font units), the advance of the last one's end."""
    strokes = [s + (dx, 0.0) for g, dx in parts for s in g["strokes"]]
    return {"strokes": strokes, "advance": parts[-1][1] + parts[-1][0]["advance"]}


def box(g: dict) -> tuple[float, float, float, float]:
    p = np.concatenate(g["strokes"])
    return p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()


def circle(cx: float, cy: float, r: float, n: int = 16) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n + 1)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)


def build() -> dict[str, dict]:
    script, roman, futura = hershey("scripts"), hershey("rowmans"), hershey("futural")

    def s(ch):
        lt, rt, lines = script[ord(ch) - 32]
        return from_script(lines, lt, rt)

    def r(ch, scale=ROMAN):
        lt, rt, lines = roman[ord(ch) - 32]
        return from_roman(lines, lt, rt, scale)

    def sgrid(ch):
        lt, rt, _ = script[ord(ch) - 32]
        return lt, rt, lambda lines, a, b: from_script(lines, a, b)

    def rgrid(ch):
        lt, rt, _ = roman[ord(ch) - 32]
        return lt, rt, lambda lines, a, b: from_roman(lines, a, b)

    g: dict[str, dict] = {}
    for code in range(0x21, 0x7F):
        ch = chr(code)
        g[ch] = s(ch) if ch.islower() else r(ch, SMALL if ch in SMALL_PUNCT else ROMAN)
    lt, rt, lines = futura[ord("^") - 32]
    g["^"] = from_roman(lines, lt, rt)
    g[" "] = {"strokes": [], "advance": 0.6}
    g["\u00a0"] = g[" "]
    for dotless, ch in (("\u0131", "i"), ("\u0237", "j")):   # ı ȷ: the dot is the small stroke
        g[dotless] = {**g[ch], "strokes": [t for t in g[ch]["strokes"] if np.ptp(t[:, 1]) > 0.3]}

    # letters without a decomposition
    lt, rt, lines = script[ord("p") - 32]
    g["þ"] = from_script([[(-0.5, -12), (-11, 21)]] + lines[1:], lt, rt)
    g["Þ"] = from_roman([[(-7, -12), (-7, 9)], [(-7, -7), (2, -7), (5, -6), (6, -5), (7, -3),
                                                  (7, 0), (6, 2), (5, 3), (2, 4), (-7, 4)]], -11, 10)
    g["ß"] = from_script([[(-5, 9), (-1, -3), (0, -6), (1, -9), (3, -11), (5, -12), (7, -12),
                           (8, -11), (8, -9), (7, -7), (5, -5), (3, -4), (5, -3), (6, -1), (6, 2),
                           (5, 5), (3, 7), (1, 8), (-2, 8.5)]], -6, 9)
    g["ð"] = from_script([[(2, 1), (0, 0), (-2, 0), (-4, 1), (-5, 2), (-6, 4), (-6, 6), (-5, 8),
                           (-3, 9), (-1, 9), (1, 8), (2, 7), (3, 5), (4, 2), (4, -2), (3, -6),
                           (1, -9), (-2, -11)], [(-1, -6), (6, -9)]], -7, 7)
    g["Ð"] = with_lines(r("D"), [(-10, -1.5), (-2, -1.5)], grid=rgrid("D"))
    g["Đ"] = g["Ð"]
    g["đ"] = with_lines(s("d"), [(3, -5), (8.5, -5)], grid=sgrid("d"))
    g["ħ"] = with_lines(s("h"), [(-6.5, -3), (0.5, -3)], grid=sgrid("h"))
    g["Ħ"] = with_lines(r("H"), [(-10, -7), (10, -7)], grid=rgrid("H"))
    g["ł"] = with_lines(s("l"), [(-5, 1), (3, -4)], grid=sgrid("l"))
    g["Ł"] = with_lines(r("L"), [(-10, 0), (-1, -5)], grid=rgrid("L"))
    g["ø"] = with_lines(s("o"), [(-8, 10), (5, -1)], grid=sgrid("o"))
    g["Ø"] = with_lines(r("O"), [(-8, 10), (8, -13)], grid=rgrid("O"))
    a, e, o = s("a"), s("e"), s("o")
    g["æ"] = joined((a, 0.0), (e, a["advance"] - 4 * SCRIPT))
    g["œ"] = joined((o, 0.0), (e, o["advance"] - 4 * SCRIPT))
    g["Æ"] = from_roman([[(-10, 9), (0, -12), (10, -12)], [(0, -12), (0, 9), (10, 9)],
                         [(-5.24, -1), (8, -1)]], -13, 13)
    g["Œ"] = from_roman([[(10, -12), (0, -12), (0, 9), (10, 9)], [(0, -2), (8, -2)],
                         [(0, -12), (-2, -12), (-4, -11), (-6, -9), (-7, -7), (-8, -4), (-8, 1),
                          (-7, 4), (-6, 6), (-4, 8), (-2, 9), (0, 9)]], -11, 13)

    # Latin-1 signs and a few common typographic ones
    g["¡"] = rotated180(g["!"], -1.2)
    g["¿"] = rotated180(g["?"], -1.2)
    lt, rt, lines = roman[95]
    g["°"] = from_roman(lines, lt, rt)
    for ch, digit in (("¹", "1"), ("²", "2"), ("³", "3")):
        g[ch] = moved(g[digit], 0.0, -CAP * 0.45, 0.55)
    x0, y0, x1, y1 = box(r("c", SMALL))
    g["¢"] = with_lines(r("c", SMALL), [((x0 + x1) / 2, y0 - 0.25), ((x0 + x1) / 2, y1 + 0.25)])
    g["¥"] = with_lines(r("Y"), [(0.3, -0.8), (1.4, -0.8)], [(0.3, -0.5), (1.4, -0.5)])
    u = r("u", SMALL)
    x0 = box(u)[0]
    g["µ"] = with_lines(u, [(x0, -0.2), (x0, 0.55)])
    x0, y0, x1, y1 = box(g["+"])
    g["±"] = with_lines(moved(g["+"], 0, -0.25), [(x0, y1 + 0.05), (x1, y1 + 0.05)])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rot = np.array([[1, -1], [1, 1]]) / math.sqrt(2) * 0.8
    g["×"] = {"strokes": [(t - (cx, cy)) @ rot.T + (cx, cy) for t in g["+"]["strokes"]],
              "advance": g["+"]["advance"]}
    dot = g["."]["strokes"][0] - box(g["."])[:2]
    mid = (box(g["-"])[1] + box(g["-"])[3]) / 2
    g["·"] = {"strokes": [dot + (0.25, -0.55)], "advance": 0.6}
    g["÷"] = with_lines(r("-"), dot + (cx - 0.05, -1.55), dot + (cx - 0.05, -0.35))
    g["¬"] = {"strokes": [arr([(0.15, -0.75), (1.05, -0.75), (1.05, -0.45)])], "advance": 1.2}
    bar = g["|"]["strokes"][0]
    yb = (bar[:, 1].min() + bar[:, 1].max()) / 2
    g["¦"] = {"strokes": [arr([(bar[0, 0], bar[:, 1].min()), (bar[0, 0], yb - 0.15)]),
                          arr([(bar[0, 0], yb + 0.15), (bar[0, 0], bar[:, 1].max())])],
              "advance": g["|"]["advance"]}
    chevron = arr([(0.3, -0.85), (0.05, -0.5), (0.3, -0.15)])
    g["«"] = {"strokes": [chevron, chevron + (0.3, 0)], "advance": 0.85}
    g["»"] = {"strokes": [(0.8, 0) + chevron * (-1, 1), (0.5, 0) + chevron * (-1, 1)],
              "advance": 0.85}
    g["©"] = with_lines(moved(r("C"), 0.55, -0.55, 0.45), circle(1.0, -1.0, 1.0, 24))
    g["©"]["advance"] = 2.3
    g["®"] = with_lines(moved(r("R"), 0.55, -0.55, 0.45), circle(1.0, -1.0, 1.0, 24))
    g["®"]["advance"] = 2.3
    small_s = r("s", SMALL)
    g["§"] = {"strokes": [*moved(small_s, 0, -0.8)["strokes"], *small_s["strokes"]],
              "advance": small_s["advance"]}
    g["£"] = from_roman([[(6, -9), (5, -11), (3, -12), (0, -12), (-2, -11), (-3, -9), (-3, 4),
                          (-4, 7), (-7, 9), (7, 9)], [(-7, -2), (3, -2)]], -10, 10)
    apo = g["'"]
    g["\u2019"] = apo
    g["\u2018"] = rotated180(apo, 2 * box(apo)[1] + (box(apo)[3] - box(apo)[1]))
    g["\u201d"] = joined((apo, 0.0), (apo, 0.3))
    g["\u201c"] = joined((g["\u2018"], 0.0), (g["\u2018"], 0.3))
    g["\u2013"] = {"strokes": [arr([(0.15, mid), (1.15, mid)])], "advance": 1.3}
    g["\u2014"] = {"strokes": [arr([(0.15, mid), (2.15, mid)])], "advance": 2.3}
    period = g["."]
    g["\u2026"] = joined((period, 0.0), (period, 0.45), (period, 0.9))
    return g


def dot_mark(x: float, y: float) -> np.ndarray:
    return circle(x, y, 0.045, 6)


# Marks in x-heights, centred on x = 0 (the ogonek hangs right of the middle, where it
# joins a letter); above: lowest point at y = 0, below: hanging from y = 0.
MARKS = {
    "acute": [[(-0.12, 0.0), (0.12, -0.3)]],
    "grave": [[(0.12, 0.0), (-0.12, -0.3)]],
    "circumflex": [[(-0.2, 0.0), (0.0, -0.26), (0.2, 0.0)]],
    "caron": [[(-0.2, -0.26), (0.0, 0.0), (0.2, -0.26)]],
    "tilde": [[(-0.26, -0.02), (-0.2, -0.14), (-0.12, -0.19), (-0.04, -0.15), (0.04, -0.07),
               (0.12, -0.03), (0.2, -0.08), (0.26, -0.2)]],
    "macron": [[(-0.22, 0.0), (0.22, 0.0)]],
    "breve": [[(-0.2, -0.25), (-0.15, -0.09), (-0.06, -0.01), (0.06, -0.01), (0.15, -0.09),
               (0.2, -0.25)]],
    "ring": [circle(0.0, -0.13, 0.13, 12)],
    "dot": [dot_mark(0.0, -0.045)],
    "diaeresis": [dot_mark(-0.17, -0.045), dot_mark(0.17, -0.045)],
    "double_acute": [[(-0.22, 0.0), (-0.06, -0.3)], [(0.06, 0.0), (0.22, -0.3)]],
    "cedilla": [[(0.0, 0.0), (0.0, 0.1), (0.1, 0.13), (0.15, 0.2), (0.12, 0.28), (0.02, 0.31),
                 (-0.1, 0.3)]],
    "ogonek": [[(0.3, 0.0), (0.2, 0.1), (0.16, 0.22), (0.2, 0.3), (0.3, 0.32), (0.38, 0.28)]],
    "comma_below": [[(0.04, 0.1), (0.02, 0.14), (0.05, 0.16), (0.07, 0.13), (0.06, 0.2),
                     (-0.03, 0.34)]],
    "dot_below": [dot_mark(0.0, 0.15)],
}


def rounded(p: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Chaikin's corner cutting of a polyline, keeping its ends and turns over CORNER degrees
    (all turns are rounded in a small closed stroke: a dot)."""
    p = p[np.r_[True, np.any(np.diff(p, axis=0) != 0, axis=1)]]
    if len(p) < 3:
        return p
    small = np.ptp(p, axis=0).max() < 0.2
    d = np.diff(p, axis=0)
    a = np.arctan2(d[:, 1], d[:, 0])
    turn = np.degrees(np.abs((np.diff(a) + math.pi) % (2 * math.pi) - math.pi))
    cuts = [0, *(np.nonzero(turn > CORNER)[0] + 1 if not small else []), len(p) - 1]
    out = [p[:1]]
    for i, j in zip(cuts, cuts[1:]):
        q = p[i:j + 1]
        for _ in range(rounds):
            if len(q) < 3:
                break
            pairs = np.stack([q[:-1] * 0.75 + q[1:] * 0.25, q[:-1] * 0.25 + q[1:] * 0.75], 1)
            q = np.concatenate([q[:1], pairs.reshape(-1, 2)[1:-1], q[-1:]])
        out.append(q[1:])
    return np.concatenate(out)


def anchors(strokes: list[np.ndarray]) -> tuple[float, float]:
    """Where marks go: the middle of the top of the letter's body (entry and exit strokes,
    which end at the joining height, left out), and of its bottom."""
    p = np.concatenate(strokes)
    top = p[p[:, 1] <= p[:, 1].min() + 0.4]
    bottom = p[p[:, 1] >= min(p[:, 1].max(), 0.0) - 0.4]
    return (float(top[:, 0].min() + top[:, 0].max()) / 2,
            float(bottom[:, 0].min() + bottom[:, 0].max()) / 2)


def flat(p: np.ndarray) -> list[float]:
    return [round(float(v), 3) + 0.0 for v in p.reshape(-1)]


def main() -> None:
    glyphs = {}
    for ch, g in sorted(build().items()):
        strokes = [rounded(arr(t)) for t in g["strokes"]]
        entry = {"advance": round(float(g["advance"]), 3), "strokes": [flat(t) for t in strokes]}
        if ch.isalpha() and strokes:
            entry["above"], entry["below"] = (round(v, 3) for v in anchors(strokes))
        glyphs[ch] = entry
    marks = {name: {"strokes": [flat(rounded(arr(t))) for t in lines]}
             for name, lines in MARKS.items()}
    data = {"name": "writesmooth single-stroke glyphs", "attribution": ATTRIBUTION,
            "source": "Hershey Script Simplex (lowercase letters) and Roman Simplex (capitals, "
                      "digits, symbols), from the copies shipped with vpype; made by "
                      "scripts/make_glyphs.py",
            "units": "baseline y = 0, y downwards, x-height 1.0, origin (left edge) x = 0",
            "glyphs": glyphs, "marks": marks}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(glyphs)} glyphs, {len(marks)} marks, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
