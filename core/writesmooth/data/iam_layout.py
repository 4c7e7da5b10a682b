"""The transcript of a single IAM-OnDB line file found where the distribution keeps it.

A line file ``<root>/lineStrokes/a05/a05-275/a05-275z-08.xml`` has its form's transcript at
``<root>/ascii/a05/a05-275/a05-275z.txt`` (``lineStrokes-all`` and ``ascii-all`` likewise).
The form's line files in the folder, sorted by number, are paired in order with the CSR lines
of that file, as the dataset layer pairs them; a form with more or fewer line files than CSR
lines cannot be paired, and gives no text.
"""
from __future__ import annotations

import re
from pathlib import Path

from .iam_ondb import _csr_lines

_LINE = re.compile(r"^(?P<form>[a-z]\d\d-\d\d\d[a-z]?)-(?P<n>\d\d)$")
_FOLDERS = {"lineStrokes": "ascii", "lineStrokes-all": "ascii-all"}


def is_line_file(path: str | Path) -> bool:
    """Whether ``path`` is named as an IAM-OnDB line file (``a01-000u-01.xml``): one line of
    writing, by the distribution's own segmentation."""
    return Path(path).suffix.lower() == ".xml" and _LINE.match(Path(path).stem) is not None


def ascii_path(path: Path) -> Path | None:
    """Where the form's ascii file of line file ``path`` is in the distribution's layout (the
    archives unpack as ``lineStrokes-all/lineStrokes/...`` and ``ascii-all/ascii/...``): the
    first that exists, with every ``lineStrokes`` folder above it named ``ascii``, else with
    one of them; ``None`` where there is none."""
    m = _LINE.match(path.stem)
    if m is None:
        return None
    parts = list(path.resolve().parent.parts)
    at = [i for i, p in enumerate(parts) if p in _FOLDERS]
    tries = [at] + [[i] for i in reversed(at)] if at else []
    for swap in tries:
        folder = [_FOLDERS[p] if i in swap else p for i, p in enumerate(parts)]
        candidate = Path(*folder, f"{m['form']}.txt")
        if candidate.is_file():
            return candidate
    return None


def layout_transcript(path: Path) -> tuple[str, Path] | None:
    """The text of IAM-OnDB line file ``path`` from its form's transcript, and that file; or
    ``None`` where the file is not in the layout or cannot be paired (module doc)."""
    where = ascii_path(Path(path))
    if where is None:
        return None
    form = _LINE.match(Path(path).stem)["form"]
    siblings = sorted((int(m["n"]), p) for p in Path(path).resolve().parent.iterdir()
                      if p.suffix.lower() == ".xml" and (m := _LINE.match(p.stem))
                      and m["form"] == form)
    lines, _ = _csr_lines(where.read_bytes())
    if lines is None or len(lines) != len(siblings):
        return None
    mine = [p for _, p in siblings].index(Path(path).resolve())
    return untokenised(lines[mine]), where


def untokenised(text: str) -> str:
    """An IAM-OnDB transcript line as it was written: its CSR text has a space before each
    full stop, comma and other mark, and around the apostrophe of "Foot ' s"."""
    text = re.sub(r"\s+([.,;:!?)])", r"\1", " ".join(text.split()))
    text = re.sub(r"\(\s+", "(", text)
    return re.sub(r"\s+'\s+(s|t|d|ll|re|ve|m)\b", r"'\1", text)


def extract_forms(root: Path, forms: set[str], dest: Path) -> list[Path]:
    """Unpack the line files and transcripts of ``forms`` from the distribution's archives at
    ``root`` (``lineStrokes-all.tar.gz``, ``ascii-all.tar.gz``) into ``dest``, in the same
    layout; returns the line files, sorted. Members are written only under ``dest`` (tar's
    ``data`` filter), and only those of the forms asked for."""
    import tarfile

    def form_of(name: str) -> str | None:
        stem = Path(name).stem
        m = _LINE.match(stem)
        return m["form"] if m else stem

    lines = []
    for archive, suffix in (("lineStrokes-all.tar.gz", ".xml"), ("ascii-all.tar.gz", ".txt")):
        with tarfile.open(Path(root) / archive, "r|gz") as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(suffix) and \
                        form_of(member.name) in forms:
                    tar.extract(member, dest, filter="data")
                    if suffix == ".xml":
                        lines.append(Path(dest) / member.name)
    return sorted(lines)
