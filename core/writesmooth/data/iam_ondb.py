"""An IAM-OnDB location read into a :class:`~.store.LineStore`: line files paired with their
transcripts, and everything that could not be paired reported with its reason.

A form's transcript is the ``CSR:`` section of ``ascii/.../<form>.txt``: one text line per
line file of the form, in order. The line files are sorted by their number and paired with the
CSR lines one to one; when the counts differ nobody can tell which line is missing, so the whole
form is skipped and reported rather than guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import WritesmoothError
from .iam_parse import ParsedShare, parse_source
from .iam_sources import Source, find_sources, read_splits, split_files
from .store import LineStore

_LINE_NAME = re.compile(r"(.+)-(\d+)$")  # a01-000u-01 -> form a01-000u, line 1


@dataclass
class Transcript:
    source: str              # report name of the ascii file
    lines: list[str] | None  # the CSR lines, or None
    problem: str | None = None


def read_transcripts(source: Source | None) -> dict[str, Transcript]:
    """Form id -> its CSR lines, from every ``.txt`` of the transcript source."""
    found: dict[str, Transcript] = {}
    if source is None:
        return found
    for member, data, problem in source.members():
        name = source.name_of(member)
        if data is None:
            found[_stem(member) or name] = Transcript(name, None, problem)
            continue
        form = _stem(member)
        found[form] = Transcript(name, *_csr_lines(data))
    return found


def _csr_lines(data: bytes) -> tuple[list[str] | None, str | None]:
    """The CSR lines of an ascii file (ISO-8859-1), kept exactly but for the line ends."""
    lines = data.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip() == "CSR:":
            body = lines[i + 1:]
            while body and not body[0].strip():  # the blank line after the heading
                body.pop(0)
            while body and not body[-1].strip():
                body.pop()
            return body, None
    return None, "no CSR: section"


def _stem(member: str) -> str:
    return member.rsplit("/", 1)[-1].rsplit(".", 1)[0]


@dataclass
class _LineFile:
    form: str
    number: int
    member: str     # name inside its source
    name: str       # report name
    share: int
    index: int      # position among the share's parsed lines, or -1
    problem: str | None


def load_iam(root: Path, *, workers: int | None = None,
             on_fraction: Callable[[float], None] | None = None) -> LineStore:
    """Read the IAM-OnDB location ``root``; its splits come from ``task1/``."""
    lines_source, ascii_source = find_sources(root)
    if lines_source is None:
        raise WritesmoothError(f"{root}: no lineStrokes-all/ or lineStrokes/ folder and no "
                               "lineStrokes-all.tar.gz")
    if ascii_source is None:  # every line would be skipped: say why once
        raise WritesmoothError(f"{root}: no transcripts: no ascii-all/ or ascii/ folder and no "
                               "ascii-all.tar.gz beside the line files")
    transcripts = read_transcripts(ascii_source)
    shares = parse_source(lines_source, workers=workers, on_fraction=on_fraction)
    files, skipped = _line_files(lines_source, shares)
    order: list[tuple[_LineFile, str]] = []  # (line file, its text), in the dataset's order
    by_form: dict[str, list[_LineFile]] = {}
    for f in files:
        by_form.setdefault(f.form, []).append(f)
    for form in sorted(by_form):
        group = sorted(by_form[form], key=lambda f: f.number)
        transcript = transcripts.get(form)
        if transcript is None:
            skipped.append((_expected_transcript(group[0], ascii_source),
                            f"no transcript for form {form}: its {len(group)} line file(s) "
                            "skipped"))
            continue
        if transcript.lines is None:
            skipped.append((transcript.source, f"{transcript.problem}: form {form} "
                            f"({len(group)} line file(s)) skipped"))
            continue
        if len(transcript.lines) != len(group):
            skipped.append((transcript.source,
                            f"form {form} has {len(group)} line files but {len(transcript.lines)}"
                            " CSR lines: not paired (which line is missing cannot be told)"))
            continue
        for f, text in zip(group, transcript.lines):
            if f.problem is not None:
                skipped.append((f.name, f.problem))
            else:
                order.append((f, text))
    splits = read_splits(split_files(root))
    return _assemble(order, shares, skipped, splits, location=str(root),
                     line_files=len(files))


def _expected_transcript(line: _LineFile, ascii_source: Source | None) -> str:
    """Where the distribution keeps the form's ascii file: ``lineStrokes`` becomes ``ascii``
    in the line file's path (``.../lineStrokes/a01/a01-000/`` -> ``.../ascii/a01/a01-000/``)."""
    folder = line.member.rsplit("/", 1)[0] if "/" in line.member else ""
    member = (folder.replace("lineStrokes", "ascii") + "/" if folder else "") + f"{line.form}.txt"
    if ascii_source is None:
        return f"ascii/{member}"
    return ascii_source.name_of(member)


def _line_files(source: Source, shares: list[ParsedShare]
                ) -> tuple[list[_LineFile], list[tuple[str, str]]]:
    """Every line file of every share, with its form and number; bad names are reported."""
    files, skipped, seen = [], [], set()
    for s, share in enumerate(shares):
        parsed = -1
        for member, problem in zip(share.names, share.problems):
            index = -1
            if problem is None:
                parsed += 1
                index = parsed
            if not member:  # the archive itself is damaged
                skipped.append((source.label, problem or "damaged archive"))
                continue
            name = source.name_of(member)
            match = _LINE_NAME.match(_stem(member))
            if match is None:
                skipped.append((name, "not a line file name (<form>-<number>.xml)"))
                continue
            line_id = _stem(member)
            if line_id in seen:
                skipped.append((name, f"a second line file {line_id}"))
                continue
            seen.add(line_id)
            files.append(_LineFile(match.group(1), int(match.group(2)), member, name, s, index,
                                   problem))
    return files, skipped


def _assemble(order: list[tuple[_LineFile, str]], shares: list[ParsedShare],
              skipped: list[tuple[str, str]], splits: dict[str, set[str]], *,
              location: str, line_files: int) -> LineStore:
    """Gather the paired lines' arrays from the shares into one store, in ``order``."""
    offsets = []  # per share: first stroke and first point of each parsed line
    for share in shares:
        first_stroke = np.concatenate([[0], np.cumsum(share.line_strokes, dtype=np.int64)])
        stroke_ends = np.concatenate([[0], np.cumsum(share.stroke_lengths, dtype=np.int64)])
        offsets.append((first_stroke, stroke_ends[first_stroke]))
    stroke_parts, point_parts = [], []
    for f, _ in order:
        first_stroke, first_point = offsets[f.share]
        share = shares[f.share]
        s0, s1 = first_stroke[f.index], first_stroke[f.index + 1]
        stroke_parts.append(share.stroke_lengths[s0:s1])
        point_parts.append(share.points[first_point[f.index]:first_point[f.index + 1]])
    points = np.concatenate(point_parts) if point_parts else np.zeros((0, 2), np.float32)
    return LineStore(
        ids=[_stem(f.name) for f, _ in order],
        texts=[text for _, text in order],
        writers=[shares[f.share].writers[f.index] for f, _ in order],
        forms=[f.form for f, _ in order],
        sources=[f.name for f, _ in order],
        line_strokes=np.array([shares[f.share].line_strokes[f.index] for f, _ in order],
                              np.int32),
        stroke_lengths=(np.concatenate(stroke_parts).astype(np.int32) if stroke_parts
                        else np.zeros(0, np.int32)),
        load_points=lambda: points, location=location, skipped=skipped, splits=splits,
        line_files=line_files)
