"""The module named by the ``writesmooth`` entry point: the plotter renderers. It imports only
writesmooth and the option declarations; vpype is imported when a file is written."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import writesmooth

from .options import GcodeOptions, HpglOptions


class GcodeRenderer(writesmooth.Renderer):
    """A page as G-code: absolute mm, pen lifted by Z or a servo command (GcodeOptions)."""

    name = "gcode"
    suffixes = (".gcode", ".nc")
    options = GcodeOptions
    needs_pages = True
    multi_page = False

    def render(self, inks: list[writesmooth.Ink], path: Path, *, options: Any = None,
               **_: Any) -> None:
        # stroke_width, color, background and height mean nothing to a pen: ignored
        from .gcode import write_gcode
        from .sheet import one_page

        write_gcode(one_page(inks, "G-code"), path, options)


class HpglRenderer(writesmooth.Renderer):
    """A page as HPGL for a plotter of vpype's configuration (HpglOptions)."""

    name = "hpgl"
    suffixes = (".hpgl",)
    options = HpglOptions
    needs_pages = True
    multi_page = False

    def render(self, inks: list[writesmooth.Ink], path: Path, *, options: Any = None,
               **_: Any) -> None:
        from .hpgl import write_hpgl
        from .sheet import one_page

        write_hpgl(one_page(inks, "HPGL"), path, options)


@writesmooth.hookimpl
def register_renderers(register):
    register(GcodeRenderer)
    register(HpglRenderer)
