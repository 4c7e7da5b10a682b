"""Lines of handwriting as the bytes of an output file, for front ends that answer with a file
rather than write one (a web server): any registered renderer or writable ink format.

The renderers and ink formats write to paths, so the file is made in a private temporary
folder under a name chosen here (``out`` and the suffix, checked against the registries) and
removed before this returns; nothing the caller passes becomes a path.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .errors import WritesmoothError
from .ink import Ink, stack_lines


def output_suffixes() -> list[str]:
    """Every suffix an output can have: the renderers' and the writable ink formats'."""
    from .plugins import get_toolkit

    tk = get_toolkit()
    ink = {s for f in tk.ink_formats() if f.can_write for s in f.suffixes}
    return sorted(set(tk.renderers) | ink)


def render_bytes(lines: list[Ink], suffix: str, **options: Any) -> bytes:
    """``lines`` as one output file of type ``suffix`` (``".svg"``, ``".png"``, ...): a figure
    of the lines stacked as a page (``options`` as a :class:`Renderer` takes them), or the lines
    as ink records."""
    from .plugins import get_toolkit

    suffix = suffix.lower()
    if suffix not in output_suffixes():
        raise WritesmoothError(f"unknown output format '{suffix}' "
                               f"(known: {', '.join(output_suffixes())})")
    tk = get_toolkit()
    with tempfile.TemporaryDirectory(prefix="writesmooth-") as tmp:
        path = Path(tmp) / f"out{suffix}"
        if suffix in tk.renderers:
            page = stack_lines(lines)
            tk.renderer_for(path).render([page], path, **{k: v for k, v in options.items()
                                                          if v is not None})
        else:
            from .data.io import write_inks

            write_inks([ink.replace(id=ink.id or f"line-{n}") for n, ink in
                        enumerate(lines, 1)], path)
        return path.read_bytes()
