"""JSON lines: one ink per line, ``{"id", "text", "strokes": [[[x, y], ...], ...]}``.

An optional ``"writer"`` is kept, and an optional ``"meta"`` object (how a line was made:
``seed``, ``bias``, ``candidates``... or a dataset line's ``form``) of plain JSON values. A
``.json`` file may also hold one such object or a list of them. Coordinates are written as
integers where they are integral, otherwise as the shortest decimal that reads back as the same
float32, so a file read back equals what was written.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import InkFormatError
from ..ink import Ink
from .iam_xml import point_numbers


def read_jsonl(data: bytes, name: str | Path) -> list[Ink]:
    """The inks of a JSON-lines (or JSON) document; raises :class:`InkFormatError`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InkFormatError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    records = _whole_document(text)
    if records is None:
        records = []
        for number, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 is text
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InkFormatError(f"{name}: line {number}: not JSON ({exc.msg})") from None
    inks = [_ink(record, f"{name}: line {number}", name) for number, record in records]
    if not inks:
        raise InkFormatError(f"{name}: holds no handwriting")
    return inks


def _whole_document(text: str) -> list[tuple[int, Any]] | None:
    """A ``.json`` document that is one object or a list of them; ``None`` for JSON lines."""
    if not text.lstrip().startswith(("[", "{")):
        return None
    try:  # JSON lines with two or more records fail here after the first ("extra data")
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    items = value if isinstance(value, list) else [value]
    return [(i + 1, item) for i, item in enumerate(items)]


def _ink(record: Any, where: str, name: str | Path) -> Ink:
    if not isinstance(record, dict):
        raise InkFormatError(f"{where}: expected an object with \"strokes\"")
    strokes = record.get("strokes")
    if not isinstance(strokes, list):
        raise InkFormatError(f"{where}: \"strokes\" must be a list of strokes")
    arrays = []
    for s, stroke in enumerate(strokes, 1):
        arr = _stroke_array(stroke)
        if arr is None:
            raise InkFormatError(f"{where}: stroke {s} must be a list of [x, y] numbers")
        if len(arr):
            arrays.append(arr)
    for field in ("id", "text", "writer"):
        if record.get(field) is not None and not isinstance(record[field], str):
            raise InkFormatError(f"{where}: \"{field}\" must be a string")
    meta = record.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise InkFormatError(f"{where}: \"meta\" must be an object")
    return Ink(strokes=arrays, text=record.get("text") or "", id=record.get("id") or "",
               writer=record.get("writer"), source=str(name), meta=dict(meta or {}))


def _stroke_array(stroke: Any) -> np.ndarray | None:
    """``(N, 2)`` float32 points, or ``None`` if ``stroke`` is not a list of ``[x, y]``
    numbers. One numpy conversion per stroke rather than a check per number: strings, nulls
    and ragged points all give an array whose type or shape is wrong."""
    if not isinstance(stroke, list):
        return None
    if not stroke:
        return np.zeros((0, 2), np.float32)
    try:
        arr = np.array(stroke)
    except (ValueError, TypeError):  # ragged
        return None
    if arr.dtype.kind not in "iuf" or arr.ndim != 2 or arr.shape[1] != 2:
        return None
    arr = arr.astype(np.float32)
    return arr if np.isfinite(arr).all() else None


def plain_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``meta`` that JSON holds as they are: strings, booleans, finite numbers
    (numpy scalars as Python ones), ``None``, and lists of those. Anything else (arrays, objects)
    is left out rather than written in a form that would read back as something else."""
    def plain(value: Any) -> tuple[bool, Any]:
        if isinstance(value, np.generic):
            value = value.item()
        if value is None or isinstance(value, (str, bool, int)):
            return True, value
        if isinstance(value, float):
            return math.isfinite(value), value
        if isinstance(value, (list, tuple)):
            items = [plain(v) for v in value]
            return all(ok for ok, _ in items), [v for _, v in items]
        return False, None

    kept = {}
    for key, value in meta.items():
        ok, value = plain(value)
        if ok and isinstance(key, str):
            kept[key] = value
    return kept


def ink_record(ink: Ink) -> dict[str, Any]:
    record: dict[str, Any] = {"id": ink.id, "text": ink.text}
    if ink.writer is not None:
        record["writer"] = ink.writer
    meta = plain_meta(ink.meta)
    if meta:
        record["meta"] = meta
    record["strokes"] = [point_numbers(s) for s in ink.strokes]
    return record


def jsonl_lines(inks: Iterable[Ink]) -> Iterable[str]:
    """One line of JSON per ink (without the line end)."""
    for ink in inks:
        yield json.dumps(ink_record(ink), ensure_ascii=False, separators=(",", ":"))


def write_jsonl(inks: Iterable[Ink], path: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for line in jsonl_lines(inks):
                fh.write(line + "\n")
    except UnicodeEncodeError:  # a lone surrogate, which only a broken reader can produce
        raise InkFormatError(f"{path}: a text holds characters that UTF-8 cannot hold") from None
