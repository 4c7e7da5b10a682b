"""The plugin module named by the entry point: a model and a renderer, registered by two hooks.

Everything here uses only the public contract (``writesmooth.Model``, ``writesmooth.option``,
``writesmooth.Renderer``, ``writesmooth.Ink``, ``writesmooth.hookimpl``), so it keeps working as
writesmooth grows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

import writesmooth


@dataclass
class SmoothOptions:
    """The extra option ``smooth`` takes: ``writesmooth smooth`` shows it as ``--window``."""

    window: Optional[int] = writesmooth.option(
        None, min=1, help="Points averaged for each point (default: 3 + 2 x the bias).")


class ExampleModel(writesmooth.Model):
    """Smooths a sample by averaging each point with its neighbours: no training, no weights."""

    name = "example-model"
    capabilities = frozenset({"smooth"})
    description = "example plugin: moving-average smoothing (docs/writing-plugins.md)"
    smooth_options = SmoothOptions

    def smooth(self, sample, *, bias=writesmooth.DEFAULT_BIAS, seed=None, options=None):
        # A larger bias means a neater result, as for the real models: a wider window.
        window = (options.window if options is not None and options.window
                  else 3 + 2 * int(round(max(bias, 0.0))))
        kernel = np.ones(window, np.float32) / window
        strokes = []
        for stroke in sample.strokes:
            if len(stroke) < window:
                strokes.append(stroke)
                continue
            padded = np.pad(stroke, ((window // 2, window // 2), (0, 0)), mode="edge")
            strokes.append(np.stack([np.convolve(padded[:, i], kernel, mode="valid")
                                     for i in (0, 1)], axis=1))
        return sample.replace(strokes=strokes, meta={**sample.meta, "smoothed_by": self.name})


class XyzRenderer(writesmooth.Renderer):
    """Writes every point as ``x y pen`` (pen 0 on a stroke's last point), lines separated by a
    blank line: a format simple enough to read with any tool."""

    name = "xyz"
    suffixes = (".xyz",)

    def render(self, inks, path, **options):
        # stroke_width, color, background and height mean nothing for a point list: ignored.
        out = ["# writesmooth-example xyz: x y pen"]
        for ink in inks:
            out.append(f"# line {ink.id or '-'} {ink.text!r}")
            for stroke in ink.strokes:
                last = len(stroke) - 1
                out.extend(f"{x:g} {y:g} {0 if i == last else 1}"
                           for i, (x, y) in enumerate(stroke.tolist()))
            out.append("")
        Path(path).write_text("\n".join(out), encoding="utf-8")


@writesmooth.hookimpl
def register_models(register):
    register(ExampleModel)


@writesmooth.hookimpl
def register_renderers(register):
    register(XyzRenderer)
