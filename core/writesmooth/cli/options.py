"""Drawing options shared by the commands that write figures (render, write, smooth, compare)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..ink import Ink
from ..plugins import get_toolkit
from .console import console, log

STROKE_WIDTH = typer.Option(2.0, "--stroke-width", min=0.1, help="Stroke width in output pixels.")
COLOR = typer.Option("black", "--color", help="Stroke colour: #rrggbb or a common name.")
BACKGROUND = typer.Option("white", "--background", help="white or transparent.")
HEIGHT = typer.Option(None, "--height", min=1, help="Figure height in pixels (default: 160 per row).")


def draw(inks: list[Ink], out: Path, *, quiet: bool = False, **options: Any) -> None:
    """Draw ``inks`` with the renderer (or ink writer) registered for ``out``'s suffix."""
    tk = get_toolkit()
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    renderer = tk.renderer_for(out)
    renderer.render(inks, out, **{k: v for k, v in options.items() if v is not None})
    log.info("wrote %s (%d line%s) with %s", out, len(inks), "" if len(inks) == 1 else "s",
             type(renderer).__name__)
    if not quiet:
        console.print(f"wrote {out}")
