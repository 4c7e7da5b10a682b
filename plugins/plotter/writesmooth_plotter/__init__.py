"""writesmooth-plotter: handwriting for pen plotters. Renderers of pages as HPGL (``.hpgl``)
and G-code (``.gcode``, ``.nc``) through vpype and vpype-gcode, the ``vpype writesmooth``
command, and :func:`travel`, the pen-up travel of a page before and after ordering its strokes.

Importing this package imports nothing heavy; vpype is imported where a page is drawn.
"""
from __future__ import annotations

from typing import Any


def travel(page: Any, start_mm: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float]:
    """Pen-up travel of ``page`` (an ``Ink`` in mm with ``meta["paper"]``) in mm:
    ``(in writing order, after ordering with vpype's linesort)``, the pen starting at
    ``start_mm`` on the sheet (default its top-left corner)."""
    from .sheet import travel as measure

    return measure(page, start_mm)


__all__ = ["travel"]
