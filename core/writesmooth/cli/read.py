"""``writesmooth read``: what the bundled reader reads in a handwriting sample, a line of text
per line of writing (a page is split into its lines first)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..data.iam_layout import is_line_file
from ..data.io import read_inks
from ..pages import split_sample
from .common import DEVICE, load_model
from .console import console


def load_reader(name: Optional[str], device: str = "cpu"):
    """The reader model ``name`` (default: the first that can read, with bundled weights)."""
    return load_model(name, None, "read", device, {})[0]


def sample_lines(samples: list[Path]):
    """Every line of writing of the sample files, in order (a page split into its lines)."""
    lines = []
    for path in samples:
        lines += split_sample(read_inks(path), str(path),
                              is_line=lambda ink: is_line_file(ink.source or ""))
    return lines


def read(
    samples: list[Path] = typer.Argument(..., help="Handwriting: IAM line XML, InkML or JSON "
                                                    "(several files: one page, in order)."),
    reader: Optional[str] = typer.Option(None, "--reader",
                                         help="Model that reads (default: the bundled reader)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    device: str = DEVICE,
) -> None:
    """Print what the reader reads in a sample: one line of text per line of writing."""
    lines = sample_lines(samples)
    texts = load_reader(reader, device).read(lines)
    if as_json:
        console.print_json(json.dumps({"lines": [
            {"source": ink.source, "id": ink.id, "read": t} for ink, t in zip(lines, texts)]}))
        return
    for text in texts:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
