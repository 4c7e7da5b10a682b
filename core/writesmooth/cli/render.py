"""``writesmooth render``: draw a handwriting file (IAM XML, InkML, JSON) to SVG, PNG, ..."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..data.io import read_inks
from . import options as o


def render(
    ink_file: Path = typer.Argument(..., help="Handwriting file: IAM line XML, InkML or JSON lines."),
    out: Path = typer.Option(..., "-o", "--out", help="Output file; its suffix picks the renderer."),
    stroke_width: float = o.STROKE_WIDTH,
    color: str = o.COLOR,
    background: str = o.BACKGROUND,
    height: Optional[int] = o.HEIGHT,
) -> None:
    """Draw a handwriting file; every line it holds becomes one row of the figure."""
    from ..plugins import get_toolkit

    get_toolkit().renderer_for(out)  # an unknown suffix fails before any reading
    inks = read_inks(ink_file)
    o.draw(inks, out, stroke_width=stroke_width, color=color, background=background,
           height=height)
