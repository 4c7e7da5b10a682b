"""The page flags of ``writesmooth write`` (``--page``, ``--margins``, ``--line-spacing``,
``--paper``, ``--page-numbers``, ``--pen-width``), the :class:`~writesmooth.paper.Paper` they
make, and writing the laid-out pages: one file, or one file per page (docs/outputs.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import WritesmoothError
from ..ink import Ink
from ..paper import (DEFAULT_LINE_SPACING, DEFAULT_MARGIN, DEFAULT_PEN_WIDTH, PAPER_SIZES,
                     RULINGS, Paper)
from ..plugins import get_toolkit
from . import options as o

DEFAULT_PAGE = "a4"  # for outputs that are always pages, when no --page is given

PAGE = typer.Option(
    None, "--page", metavar="SIZE", show_default=False,
    help=f"Write the text on pages of this size: {', '.join(PAPER_SIZES)}, or WIDTHxHEIGHT in "
         f"mm (148x105). Always on, {DEFAULT_PAGE} unless given, for outputs that are pages "
         f"(.pdf, plotter files); .png and .svg then hold one page per file.")
MARGINS = typer.Option(
    None, "--margins", metavar="MM", show_default=False,
    help=f"Page margins in mm: one number, or top,right,bottom,left (default "
         f"{DEFAULT_MARGIN:g}).")
LINE_SPACING = typer.Option(
    None, "--line-spacing", metavar="MM", show_default=False,
    help=f"Millimetres between the lines of a page (default {DEFAULT_LINE_SPACING:g}); the "
         f"writing is sized to it.")
PAPER = typer.Option(
    None, "--paper", metavar="KIND", show_default=False,
    help=f"The paper drawn under the writing: {', '.join(RULINGS)} (default plain). Plotter "
         f"outputs never draw it.")
PAGE_NUMBERS = typer.Option(
    None, "--page-numbers/--no-page-numbers", show_default=False,
    help="Number the pages at the foot (default: not).")
PEN_WIDTH = typer.Option(
    None, "--pen-width", metavar="MM", show_default=False,
    help=f"Width of the pen on a page in mm (default {DEFAULT_PEN_WIDTH:g}); --stroke-width "
         f"is for figures.")


def paper_from(out: Path, page: Optional[str] = None, *, margins: Optional[str] = None,
               line_spacing: Optional[float] = None, paper: Optional[str] = None,
               page_numbers: Optional[bool] = None,
               pen_width: Optional[float] = None) -> Paper | None:
    """The paper to lay the text out on for ``out``, from the page flags (``None``: not
    given); ``None`` when the output is a figure: no ``--page`` and a renderer that does not
    need pages. A bad value raises :class:`WritesmoothError` with one clear line."""
    given = {"--margins": margins, "--line-spacing": line_spacing, "--paper": paper,
             "--page-numbers": page_numbers, "--pen-width": pen_width}
    tk = get_toolkit()
    suffix = out.suffix.lower()
    entry = tk.renderers.get(suffix)
    if entry is None:
        if page is not None or any(v is not None for v in given.values()):
            raise WritesmoothError(f"--page and the page flags are for drawn outputs "
                                   f"({', '.join(sorted(tk.renderers))}), not {out.name}")
        return None
    if page is None and not entry.obj.needs_pages:
        used = [flag for flag, value in given.items() if value is not None]
        if used:
            raise WritesmoothError(f"{', '.join(used)}: {suffix} is a figure unless it is a "
                                   f"page; add --page SIZE (e.g. --page {DEFAULT_PAGE})")
        return None
    chosen = {"margins": margins, "line_spacing": line_spacing, "ruling": paper,
              "page_numbers": page_numbers, "pen_width": pen_width}
    return Paper.parse(page or DEFAULT_PAGE,  # the flags left out keep Paper.parse's defaults
                       **{k: v for k, v in chosen.items() if v is not None})


def page_paths(out: Path, pages: int, multi_page: bool) -> list[Path]:
    """Where ``pages`` pages go: ``out`` when one file holds them all or there is one, else
    ``out``'s name numbered from 1 (``letter-1.png``, ``letter-2.png``, ...)."""
    if multi_page or pages == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{n}{out.suffix}") for n in range(1, pages + 1)]


def save_pages(pages: list[Ink], out: Path, **draw: Any) -> list[Path]:
    """Write laid-out pages with the renderer for ``out``'s suffix (``draw``: its options),
    saying ``wrote <path>`` for each file; returns the files."""
    out = Path(out)
    renderer = get_toolkit().renderer_for(out)
    paths = page_paths(out, len(pages), renderer.multi_page)
    groups = [pages] if len(paths) == 1 else [[page] for page in pages]
    for path, group in zip(paths, groups):
        o.draw(group, path, **draw)
    return paths
