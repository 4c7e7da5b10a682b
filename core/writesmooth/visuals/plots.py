"""Training plots and attention heatmaps, drawn with matplotlib into PNG files.

matplotlib is an optional extra (``pip install 'writesmooth[plots]'``): writing and smoothing
never need it. It is imported when a figure is drawn, and always through its Agg canvas on a
``Figure`` of its own, never pyplot: no display is needed and the process's pyplot backend and
state are left alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import WritesmoothError

NEED_MATPLOTLIB = "training plots need matplotlib: pip install 'writesmooth[plots]'"
DPI = 100  # figure sizes are given in pixels: inches * DPI
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _figure(width: int, height: int):
    """A matplotlib ``Figure`` of ``width`` x ``height`` pixels on an Agg canvas."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise WritesmoothError(NEED_MATPLOTLIB) from None
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=DPI)
    tmp.replace(path)  # a viewer never sees half a figure
    return path


def _colour(c):
    """An ``(r, g, b)`` of 0-255 values as matplotlib's 0-1 floats; anything else as it is."""
    if isinstance(c, (tuple, list)) and len(c) in (3, 4) and max(c) > 1:
        return tuple(v / 255 for v in c)
    return c


def moving_average(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < 2:
        return y
    window = min(window, len(y))
    c = np.cumsum(np.insert(np.asarray(y, np.float64), 0, 0.0))
    end = np.arange(1, len(y) + 1)
    start = np.maximum(0, end - window)  # a trailing mean; the first points average what exists
    return (c[end] - c[start]) / (end - start)


def line_plot(path: str | Path, series: list[tuple[str, Sequence[float], Sequence[float]]], *,
              title: str, xlabel: str, ylabel: str, width: int = 800, height: int = 450,
              colours: list | None = None, clip_quantile: float | None = None,
              integer_x: bool = False, markers: bool = False) -> Path:
    """``series``: ``(label, xs, ys)``; non-finite values are left out. ``colours``: matplotlib
    colours or ``(r, g, b)`` tuples of 0-255, one per series. ``clip_quantile`` caps the y range
    at that quantile so the first batches' huge losses do not flatten the rest. Series of 30
    points or fewer (validation per epoch), or all with ``markers``, show their points."""
    fig = _figure(width, height)
    from matplotlib.ticker import MaxNLocator

    colours = [_colour(c) for c in (colours or PALETTE)]
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    shown = []
    for i, (label, xs, ys) in enumerate(series):
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        ok = np.isfinite(xs) & np.isfinite(ys)
        xs, ys = xs[ok], ys[ok]
        if len(xs) == 0:
            continue
        dots = markers or len(xs) <= 30
        ax.plot(xs, ys, color=colours[i % len(colours)], label=label,
                linewidth=1.8 if dots else 1.2, marker="o" if dots else None, markersize=4)
        shown.append(ys)
    if not shown:
        ax.text(0.5, 0.5, "no data yet", transform=ax.transAxes, ha="center", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        ally = np.concatenate(shown)
        top = float(np.quantile(ally, clip_quantile)) if clip_quantile else float(ally.max())
        low = float(ally.min())
        pad = 0.05 * (top - low) if top > low else 0.5
        ax.set_ylim(low - pad, top + pad)
        ax.legend(loc="upper right", frameon=True, framealpha=0.9)
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return _save(fig, path)


def _normalised(matrix: np.ndarray) -> np.ndarray:
    """``(T, R)`` -> ``(R, T)`` divided by its largest magnitude, so weak and strong steps of
    one panel compare."""
    m = np.nan_to_num(np.asarray(matrix, np.float64)).T
    peak = np.abs(m).max() if m.size else 0.0
    return m / peak if peak > 0 else m


def _row_labels(ax, labels: list[str], row_px: float) -> None:
    """One tick per row, named by its character (a space as '_'); every other row where the
    rows are too low for a label each."""
    step = 1 if row_px >= 12 else 2
    rows = list(range(0, len(labels), step))
    ax.set_yticks(rows)
    ax.set_yticklabels([labels[r] if labels[r].strip() else "_" for r in rows],
                       fontsize=7, family="monospace")
    ax.tick_params(axis="y", length=0)


def attention_plot(path: str | Path, phi: np.ndarray, window: np.ndarray, text: str,
                   alphabet: str, *, title: str, max_width: int = 1000) -> Path:
    """phi over time x the characters of ``text`` (top), and the window vector over time x the
    alphabet (bottom); rows are labelled with their character."""
    T = max(phi.shape[0], 1)
    plot_w = int(min(max(T, 600), max_width))
    row_phi = 12 if phi.shape[1] <= 60 else 6
    row_w = 9
    phi_h, win_h = max(phi.shape[1], 1) * row_phi, max(window.shape[1], 1) * row_w
    left, right, top, gap, bottom = 50, 90, 64, 60, 50
    width, height = left + plot_w + right, top + phi_h + gap + win_h + bottom
    fig = _figure(width, height)
    fig.suptitle(title)
    # axes placed in pixels, so every row keeps its height whatever the text's length
    ax_phi = fig.add_axes((left / width, (bottom + win_h + gap) / height, plot_w / width,
                           phi_h / height))
    ax_win = fig.add_axes((left / width, bottom / height, plot_w / width, win_h / height),
                          sharex=ax_phi)
    chars = list(text[:phi.shape[1]]) + ["?"] * max(phi.shape[1] - len(text), 0)
    classes = ["?"] + list(alphabet)  # class 0 is the unknown class
    classes += ["?"] * max(window.shape[1] - len(classes), 0)
    image = None
    for ax, matrix, labels, row_px, name in (
            (ax_phi, phi, chars, row_phi, "phi: attention over the text"),
            (ax_win, window, classes[:window.shape[1]], row_w,
             "w: window vector over the alphabet")):
        m = _normalised(matrix)
        if m.size:
            image = ax.imshow(m, aspect="auto", interpolation="nearest", cmap="viridis",
                              vmin=0.0, vmax=1.0,
                              extent=(0, T, m.shape[0] - 0.5, -0.5))
        _row_labels(ax, labels, row_px)
        ax.set_title(name, fontsize=9, loc="left")
    ax_phi.tick_params(axis="x", labelbottom=False)
    ax_win.set_xlabel(f"time: {T} steps")
    if image is not None:
        cax = fig.add_axes(((left + plot_w + 20) / width, bottom / height, 12 / width,
                            (phi_h + gap + win_h) / height))
        fig.colorbar(image, cax=cax, label="share of the panel's peak")
    return _save(fig, path)
