"""Line plots and heatmaps drawn with numpy into PNG (no plotting library is a dependency).

Lines go through the core rasteriser (render/raster.py), text through the 5x7 label font
(render/font.py); a figure is a float RGB canvas, composed layer by layer, then written once.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from ..render.font import ADVANCE, ASCENT, stamp
from ..render.raster import coverage, write_png

WHITE = np.array([255.0, 255.0, 255.0])
INK = (30, 30, 30)
GRID = (225, 225, 225)
PALETTE = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]
# viridis at five stops: perceptually even, readable in grey
VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
                   np.float64)


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = int(width), int(height)
        self.rgb = np.tile(WHITE, (self.h, self.w, 1))

    def paint(self, cov: np.ndarray, colour: Sequence[float]) -> None:
        c = cov[..., None]
        self.rgb = self.rgb * (1 - c) + np.asarray(colour, np.float64) * c

    def lines(self, polylines: list[np.ndarray], colour, width: float = 1.5) -> None:
        polylines = [p for p in polylines if len(p)]
        if polylines:
            self.paint(coverage(polylines, self.w, self.h, width), colour)

    def text(self, text: str, x: float, baseline: float, colour=INK, scale: int = 1,
             anchor: str = "left") -> None:
        if anchor != "left":
            width = len(text) * ADVANCE * scale
            x -= width if anchor == "right" else width / 2
        cov = np.zeros((self.h, self.w), np.float32)
        stamp(cov, text, x, baseline, scale)
        self.paint(cov / 0.75, colour)  # stamp marks text at 0.75; draw it solid

    def image(self, rgb: np.ndarray, x: int, y: int) -> None:
        h, w = rgb.shape[:2]
        self.rgb[y:y + h, x:x + w] = rgb

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        rgba = np.empty((self.h, self.w, 4), np.uint8)
        rgba[..., :3] = np.clip(np.round(self.rgb), 0, 255)
        rgba[..., 3] = 255
        tmp = path.with_name(f".{path.name}.tmp")
        write_png(tmp, rgba)
        tmp.replace(path)  # a viewer never sees half a figure
        return path


def nice_ticks(lo: float, hi: float, count: int = 6, integer: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    if integer:
        raw = max(raw, 1.0)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 and float(v).is_integer():
        return f"{int(v):,}"
    if abs(v) >= 1e6 or abs(v) < 0.01:
        return f"{v:.1e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}" if abs(v) >= 1 else f"{v:.2g}"


def downsample(x: np.ndarray, y: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``bins`` points: the mean of each bin (a 100,000-batch history drawn as is would
    be one solid block and slow to rasterise)."""
    if len(x) <= bins:
        return x, y
    edges = np.linspace(0, len(x), bins + 1).astype(int)
    xs = np.array([x[a:b].mean() for a, b in zip(edges[:-1], edges[1:]) if b > a])
    ys = np.array([y[a:b].mean() for a, b in zip(edges[:-1], edges[1:]) if b > a])
    return xs, ys


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < 2:
        return y
    window = min(window, len(y))
    c = np.cumsum(np.insert(y.astype(np.float64), 0, 0.0))
    end = np.arange(1, len(y) + 1)
    start = np.maximum(0, end - window)  # a trailing mean; the first points average what exists
    return (c[end] - c[start]) / (end - start)


def line_plot(path: str | Path, series: list[tuple[str, Sequence[float], Sequence[float]]], *,
              title: str, xlabel: str, ylabel: str, width: int = 800, height: int = 450,
              colours: list | None = None, clip_quantile: float | None = None,
              integer_x: bool = False, markers: bool = False) -> Path:
    """``series``: ``(label, xs, ys)``; non-finite values are left out. ``clip_quantile`` caps
    the y range at that quantile so the first batches' huge losses do not flatten the rest."""
    colours = colours or PALETTE
    left, right, top, bottom = 78, 24, 40, 52
    cv = Canvas(width, height)
    pw, ph = width - left - right, height - top - bottom
    data = []
    for label, xs, ys in series:
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        ok = np.isfinite(xs) & np.isfinite(ys)
        data.append((label, xs[ok], ys[ok]))
    allx = np.concatenate([d[1] for d in data] + [np.zeros(0)])
    ally = np.concatenate([d[2] for d in data] + [np.zeros(0)])
    _title(cv, title)
    if len(ally) == 0:
        cv.text("no data yet", width / 2, height / 2, anchor="centre")
        return cv.save(path)
    x0, x1 = float(allx.min()), float(allx.max())
    y0 = float(ally.min())
    y1 = float(np.quantile(ally, clip_quantile)) if clip_quantile else float(ally.max())
    if x1 <= x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = 0.05 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad
    sx = lambda v: left + (v - x0) / (x1 - x0) * pw  # noqa: E731
    sy = lambda v: top + (y1 - np.clip(v, y0, y1)) / (y1 - y0) * ph  # noqa: E731
    for t in nice_ticks(y0, y1):
        cv.lines([np.array([[left, sy(t)], [left + pw, sy(t)]])], GRID, 1.0)
        cv.text(_label(t), left - 6, sy(t) + ASCENT / 2, anchor="right")
    for t in nice_ticks(x0, x1, 8, integer_x):
        cv.lines([np.array([[sx(t), top + ph], [sx(t), top + ph + 5]])], INK, 1.0)
        cv.text(_label(t), sx(t), top + ph + 18, anchor="centre")
    for i, (label, xs, ys) in enumerate(data):
        xs, ys = downsample(xs, ys, 2 * pw)
        pts = np.stack([sx(xs), sy(ys)], axis=1)
        colour = colours[i % len(colours)]
        if markers or len(pts) <= 30:  # sparse series (validation) show their points
            cv.lines([p[None] for p in pts], colour, 6.0)
        cv.lines([pts], colour, 1.8)
        lx = left + pw - 150
        ly = top + 16 + 16 * i
        cv.lines([np.array([[lx, ly - 3], [lx + 20, ly - 3]])], colour, 3.0)
        cv.text(label, lx + 26, ly, colour=INK)
    box = np.array([[left, top], [left + pw, top], [left + pw, top + ph], [left, top + ph],
                    [left, top]], np.float64)
    cv.lines([box], INK, 1.0)
    cv.text(xlabel, left + pw / 2, height - 10, anchor="centre")
    cv.text(ylabel, 8, top - 10)
    return cv.save(path)


def _title(cv: Canvas, title: str) -> None:
    scale = 2 if len(title) * ADVANCE * 2 <= cv.w - 20 else 1
    cv.text(title, cv.w / 2, 22, scale=scale, anchor="centre")


def colourmap(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> RGB floats through VIRIDIS."""
    v = np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(VIRIDIS) - 1)
    i = np.minimum(v.astype(int), len(VIRIDIS) - 2)
    f = (v - i)[..., None]
    return VIRIDIS[i] * (1 - f) + VIRIDIS[i + 1] * f


def _heat_block(matrix: np.ndarray, cols: int, row_px: int) -> np.ndarray:
    """``(T, R)`` matrix -> image rows R (top to bottom) by ``cols`` pixel columns, each row
    normalised by the matrix's maximum so weak and strong steps compare."""
    m = np.asarray(matrix, np.float64).T  # (R, T)
    peak = np.nanmax(np.abs(m)) if m.size else 0.0
    m = m / peak if peak > 0 else m
    t_index = np.minimum((np.arange(cols) * m.shape[1] / cols).astype(int), m.shape[1] - 1)
    img = colourmap(m[:, t_index])  # (R, cols, 3)
    return np.repeat(img, row_px, axis=0)


def attention_plot(path: str | Path, phi: np.ndarray, window: np.ndarray, text: str,
                   alphabet: str, *, title: str, max_width: int = 1000) -> Path:
    """phi over time x the characters of ``text`` (top), and the window vector over time x the
    alphabet (bottom); rows are labelled with their character."""
    T = max(phi.shape[0], 1)
    cols = int(min(max(T, 600), max_width))
    left, top, gap = 40, 40, 46
    row_phi = 12 if phi.shape[1] <= 60 else 6
    rows_w = [i for i in range(window.shape[1])]
    row_w = 9
    h = top + phi.shape[1] * row_phi + gap + len(rows_w) * row_w + 36
    cv = Canvas(left + cols + 16, h)
    _title(cv, title)
    cv.image(_heat_block(phi, cols, row_phi), left, top)
    labels = ["?"] + list(alphabet)  # class 0 is the unknown class
    for u, ch in enumerate(text[:phi.shape[1]]):
        if row_phi >= 9 or u % 2 == 0:
            cv.text(ch if ch.strip() else "_", left - 10, top + u * row_phi + row_phi - 2,
                    anchor="right")
    y2 = top + phi.shape[1] * row_phi + gap
    cv.text("phi: attention over the text", left, y2 - 26)
    cv.text("w: window vector over the alphabet", left, y2 - 8)
    cv.image(_heat_block(window, cols, row_w), left, y2)
    for v in rows_w:
        ch = labels[v] if v < len(labels) else "?"
        if v % 2 == 0 or row_w >= 9:
            cv.text(ch if ch.strip() else "_", left - 10, y2 + v * row_w + row_w - 1, anchor="right")
    cv.text(f"time: {T} steps", left + cols / 2, h - 10, anchor="centre")
    return cv.save(path)
