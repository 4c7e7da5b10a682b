"""A dataset's lines as a few flat arrays, and their ``.npz`` file (the cache).

Eleven thousand lines with 280 thousand strokes are cheap as flat arrays and expensive as
Python objects, so a dataset keeps them flat and makes :class:`~writesmooth.Ink` objects only
when asked. The ``.npz`` file holds nothing but numbers and UTF-8 bytes, so it loads with
``allow_pickle=False``.
"""
from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import WritesmoothError
from ..files import atomic_write
from ..ink import Ink

FORMAT = "writesmooth-dataset"
VERSION = 1  # bump when the arrays change meaning; older caches are then re-read from source


@dataclass
class LineStore:
    """Lines as flat arrays: line ``i`` has ``line_strokes[i]`` strokes, whose lengths follow one
    another in ``stroke_lengths``, whose points follow one another in ``points``."""

    ids: list[str]
    texts: list[str]
    writers: list[str | None]
    forms: list[str]
    sources: list[str]                 # file or "archive:member", relative to ``location``
    line_strokes: np.ndarray           # int32 (L,)
    stroke_lengths: np.ndarray         # int32 (S,)
    load_points: Callable[[], np.ndarray]  # float32 (P, 2), read when first needed
    location: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    splits: dict[str, set[str]] = field(default_factory=dict)     # name -> form ids
    line_files: int = 0                # line files seen, paired or not
    _points: np.ndarray | None = None

    @property
    def points(self) -> np.ndarray:
        if self._points is None:
            self._points = self.load_points()
        return self._points

    def __len__(self) -> int:
        return len(self.ids)

    def line_points(self) -> np.ndarray:
        """Points per line, int64 (L,)."""
        ends = np.cumsum(self.line_strokes, dtype=np.int64)
        per_stroke = np.concatenate([[0], np.cumsum(self.stroke_lengths, dtype=np.int64)])
        return np.diff(np.concatenate([[0], per_stroke[ends]]))

    def source_path(self, rel: str) -> str:
        return os.path.join(self.location, rel) if self.location else rel

    def inks(self, indices: list[int] | None = None) -> list[Ink]:
        """The lines (all, or those at ``indices``) as :class:`Ink`; strokes are views of one
        float32 array, not copies."""
        points = self.points
        first_stroke = np.concatenate([[0], np.cumsum(self.line_strokes, dtype=np.int64)])
        stroke_ends = np.concatenate([[0], np.cumsum(self.stroke_lengths, dtype=np.int64)])
        wanted = range(len(self.ids)) if indices is None else indices
        out = []
        for i in wanted:
            ends = stroke_ends[first_stroke[i]:first_stroke[i + 1] + 1]
            strokes = [points[a:b] for a, b in zip(ends[:-1].tolist(), ends[1:].tolist())]
            out.append(Ink(strokes=strokes, text=self.texts[i], id=self.ids[i],
                           source=self.source_path(self.sources[i]), writer=self.writers[i],
                           meta={"form": self.forms[i]}))
        return out

    @classmethod
    def from_inks(cls, inks: list[Ink], *, location: str = "", forms: list[str] | None = None,
                  sources: list[str] | None = None) -> "LineStore":
        flat = [ink.to_flat() for ink in inks]
        points = (np.concatenate([p for p, _ in flat]).astype(np.float32) if flat
                  else np.zeros((0, 2), np.float32))
        return cls(ids=[ink.id for ink in inks], texts=[ink.text for ink in inks],
                   writers=[ink.writer for ink in inks],
                   forms=forms or [ink.meta.get("form") or ink.id for ink in inks],
                   sources=sources or [ink.source or "" for ink in inks],
                   line_strokes=np.array([ink.n_strokes for ink in inks], np.int32),
                   stroke_lengths=(np.concatenate([n for _, n in flat]).astype(np.int32)
                                   if flat else np.zeros(0, np.int32)),
                   load_points=lambda: points, location=location)


# --- the .npz file -----------------------------------------------------------------------------
def save_store(store: LineStore, path: Path, *, key: str = "") -> None:
    """Write ``store`` to ``path`` atomically (a temporary file renamed into place)."""
    arrays = dict(format=np.array(FORMAT), version=np.array(VERSION), key=np.array(key),
                  location=np.array(store.location), line_files=np.array(store.line_files),
                  line_strokes=store.line_strokes.astype(np.int32),
                  stroke_lengths=store.stroke_lengths.astype(np.int32))
    arrays.update(_encode_points(store.points))
    for name in ("ids", "texts", "forms", "sources"):
        arrays.update(_pack(name, getattr(store, name)))
    arrays.update(_pack("writers", [w or "" for w in store.writers]))
    arrays["writer_known"] = np.array([w is not None for w in store.writers], bool)
    arrays.update(_pack("skipped_sources", [s for s, _ in store.skipped]))
    arrays.update(_pack("skipped_reasons", [r for _, r in store.skipped]))
    names = sorted(store.splits)
    arrays.update(_pack("split_names", names))
    arrays.update(_pack("split_forms", [f for n in names for f in sorted(store.splits[n])]))
    arrays["split_sizes"] = np.array([len(store.splits[n]) for n in names], np.int64)
    atomic_write(Path(path), lambda fh: _savez(fh, arrays))


def _savez(fh, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` at zlib level 1: level 6 took 4 s on the IAM-OnDB's points for a
    file only 2% smaller. The result is an ordinary .npz."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, array in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def load_store(path: Path, *, key: str | None = None) -> LineStore | None:
    """The store in ``path``; ``None`` if ``key`` is given and differs (a stale cache). Raises
    :class:`WritesmoothError` if the file is not a dataset file of this version."""
    try:
        npz = np.load(path, allow_pickle=False)
        if str(npz["format"]) != FORMAT or int(npz["version"]) != VERSION:
            raise ValueError("not a writesmooth dataset file of this version")
        if key is not None and str(npz["key"]) != key:
            return None
        writers = _unpack(npz, "writers")
        known = npz["writer_known"]
        split_forms, sizes = _unpack(npz, "split_forms"), npz["split_sizes"]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        splits = {name: set(split_forms[bounds[i]:bounds[i + 1]])
                  for i, name in enumerate(_unpack(npz, "split_names"))}
        store = LineStore(
            ids=_unpack(npz, "ids"), texts=_unpack(npz, "texts"),
            writers=[w if k else None for w, k in zip(writers, known)],
            forms=_unpack(npz, "forms"), sources=_unpack(npz, "sources"),
            line_strokes=npz["line_strokes"], stroke_lengths=npz["stroke_lengths"],
            load_points=lambda: _read_points(npz), location=str(npz["location"]),
            skipped=list(zip(_unpack(npz, "skipped_sources"), _unpack(npz, "skipped_reasons"))),
            splits=splits, line_files=int(npz["line_files"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise WritesmoothError(f"{path}: not a readable writesmooth dataset file ({exc})") from None
    return store


def _encode_points(points: np.ndarray) -> dict[str, np.ndarray]:
    """Points as int16 steps where that is lossless (IAM coordinates are integers and a step
    between two points fits easily; steps also compress far better), else as float32."""
    finite = np.isfinite(points).all() and (len(points) == 0 or np.abs(points).max() < 2**30)
    ints = points.astype(np.int32) if finite else None
    if ints is not None and np.array_equal(ints, points):
        steps = np.empty_like(ints)
        steps[:1] = ints[:1]
        np.subtract(ints[1:], ints[:-1], out=steps[1:])
        if len(steps) == 0 or (steps.min() >= -32768 and steps.max() <= 32767):
            return {"points": steps.astype(np.int16), "points_encoding": np.array("int16-steps")}
    return {"points": points.astype(np.float32), "points_encoding": np.array("float32")}


def _read_points(npz) -> np.ndarray:
    data = npz["points"]
    if str(npz["points_encoding"]) == "int16-steps":
        data = np.cumsum(data, axis=0, dtype=np.int32)
    npz.close()
    return data.astype(np.float32).reshape(-1, 2)


def _pack(name: str, strings: list[str]) -> dict[str, np.ndarray]:
    """Strings as one UTF-8 byte array and their ends in characters: exact for any text (numpy's
    fixed-width unicode arrays drop trailing NULs and take four bytes a character)."""
    joined = "".join(strings)
    return {name: np.frombuffer(joined.encode("utf-8", "surrogatepass"), np.uint8),
            name + "_ends": np.cumsum([len(s) for s in strings], dtype=np.int64)}


def _unpack(npz, name: str) -> list[str]:
    joined = npz[name].tobytes().decode("utf-8", "surrogatepass")
    ends = npz[name + "_ends"].tolist()
    starts = [0] + ends[:-1]
    return [joined[a:b] for a, b in zip(starts, ends)]
