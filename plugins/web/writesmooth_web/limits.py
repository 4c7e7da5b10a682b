"""What one request may ask of the server (docs/web.md, "Limits"); ``writesmooth serve`` sets
each with a flag."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    text: int = 600           # characters of text to write (about ten lines of 60)
    lines: int = 12           # lines of text once wrapped, or lines of ink on a page
    width: int = 60           # characters per written line before wrapping
    points: int = 20_000      # points of ink in a request (a page written on the canvas)
    strokes: int = 2_000      # strokes of ink in a request
    body: int = 1_000_000     # bytes of a request body
    queue: int = 32           # requests waiting for the model; more are answered 503
    seconds: float = 120.0    # time a request may take, waiting included
    coordinate: float = 1e6   # largest absolute coordinate of a point
    bias: float = 10.0        # largest bias (neatness) asked for
    gather: float = 0.02      # seconds the worker waits for more requests to batch with
