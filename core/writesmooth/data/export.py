"""Writing a dataset's lines out as JSON lines, InkML or IAM line files."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import WritesmoothError
from ..files import atomic_write
from ..ink import Ink
from .iam_xml import iam_line_bytes
from .inkml import inkml_bytes
from .jsonl import jsonl_lines

FORMATS = ("jsonl", "inkml", "iam")
_BY_SUFFIX = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".inkml": "inkml",
              ".xml": "iam"}
_UNSAFE = re.compile(r"[^\w.@+-]")


def export_inks(inks: list[Ink], out: Path, fmt: str | None = None, *,
                name: str = "lines") -> tuple[str, Path]:
    """Write ``inks`` to ``out`` and return ``(format, path written)``.

    ``fmt`` defaults to what ``out``'s suffix says, and to ``jsonl`` for a folder. JSON lines
    go to one file (``out/<name>.jsonl`` for a folder); InkML to one file if ``out`` ends in
    ``.inkml``, else one file per line in the folder ``out``; IAM line files, which hold one line
    each, always to one file per line.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    is_folder = out.is_dir() or suffix not in _BY_SUFFIX
    fmt = fmt or ("jsonl" if is_folder else _BY_SUFFIX[suffix])
    if fmt not in FORMATS:
        raise WritesmoothError(f"unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
    if fmt == "jsonl":
        target = out / f"{name}.jsonl" if is_folder else out
        try:
            data = "".join(line + "\n" for line in jsonl_lines(inks)).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, which only a broken reader produces
            raise WritesmoothError("a text holds characters that UTF-8 cannot hold") from None
        atomic_write(target, data)
        return fmt, target
    if fmt == "inkml" and not is_folder:
        atomic_write(out, inkml_bytes(inks))
        return fmt, out
    if not is_folder:
        raise WritesmoothError(f"{out}: an IAM line file holds one line; give a folder to "
                               f"export {len(inks)} lines as IAM line files")
    out.mkdir(parents=True, exist_ok=True)
    write = (lambda ink: inkml_bytes([ink])) if fmt == "inkml" else iam_line_bytes
    suffix = ".inkml" if fmt == "inkml" else ".xml"
    used: set[str] = set()
    for i, ink in enumerate(inks):
        stem = _UNSAFE.sub("_", ink.id) or f"line-{i:05d}"
        while stem in used:  # two lines with one id must not overwrite each other
            stem += "_"
        used.add(stem)
        (out / (stem + suffix)).write_bytes(write(ink))
    return fmt, out
