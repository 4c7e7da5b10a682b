"""Datasets: handwriting lines with their transcripts, splits and a report of what was skipped.

``load_dataset(path)`` accepts

- an IAM-OnDB location: a folder with ``lineStrokes-all/`` (or ``lineStrokes/``) and
  ``ascii-all/`` (or ``ascii/``), or with the archives ``lineStrokes-all.tar.gz`` and
  ``ascii-all.tar.gz`` (read as streams, never unpacked), optionally with ``task1/*.txt`` splits;
- a dataset ``.npz`` file, such as the cache that a first load leaves behind (copy it to a
  machine without the archives and load it there);
- any other registered dataset layout;
- a handwriting file (IAM line XML, InkML, JSON lines) or a folder of them.

The first load of an IAM-OnDB location writes a cache keyed by the names, sizes and modification
times of its files, so the next load takes a fraction of a second and a changed file is re-read.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..api import DatasetLayout
from ..errors import InkFormatError, WritesmoothError
from ..ink import Ink
from .iam_sources import find_sources, split_files
from .store import VERSION, LineStore, load_store, save_store

log = logging.getLogger("writesmooth")


@dataclass(frozen=True)
class Skipped:
    """A file (or form) that is not in the dataset, and why."""

    source: str
    reason: str


class Dataset:
    """Paired lines, the splits of their forms, and what was skipped.

    ``lines`` are made from flat arrays when first used; ``store`` gives the arrays themselves.
    """

    def __init__(self, store: LineStore, *, cache: str = "off",
                 cache_path: Path | None = None) -> None:
        self.store = store
        self.location = store.location
        self.skipped = [Skipped(store.source_path(s), r) for s, r in store.skipped]
        self.splits: dict[str, set[str]] = store.splits
        self.cache = cache              # "hit", "written", "off", "file" or "not written: ..."
        self.cache_path = cache_path
        self._lines: list[Ink] | None = None

    @property
    def lines(self) -> list[Ink]:
        if self._lines is None:
            self._lines = self.store.inks()
        return self._lines

    def __len__(self) -> int:
        return len(self.store)

    def indices(self, split: str | None) -> list[int]:
        """Positions in :attr:`lines` of the lines in ``split`` (``None``: all); ``a+b`` is the
        union of splits ``a`` and ``b``."""
        if split is None:
            return list(range(len(self.store)))
        forms: set[str] = set()
        for name in (part.strip() for part in split.split("+")):
            if name not in self.splits:
                raise WritesmoothError(self._unknown_split(name))
            forms |= self.splits[name]
        return [i for i, form in enumerate(self.store.forms) if form in forms]

    def select(self, split: str | None) -> list[Ink]:
        """The lines of ``split`` (``None``: all), e.g. ``"trainset+testset_t+testset_f"``."""
        chosen = self.indices(split)
        if self._lines is None and split is not None:  # make only the lines asked for
            return self.store.inks(chosen)
        lines = self.lines
        return [lines[i] for i in chosen]

    def _unknown_split(self, name: str) -> str:
        if not self.splits:
            return (f"no split '{name}': {self.location or 'this dataset'} has no split lists "
                    "(task1/*.txt); leave the split out to use every line")
        valid = ", ".join(sorted(self.splits))
        return (f"unknown split '{name}' (valid: {valid}; join them with '+', e.g. "
                f"{'+'.join(sorted(self.splits)[:2])})")

    def __repr__(self) -> str:
        return (f"Dataset({self.location!r}, lines={len(self)}, skipped={len(self.skipped)}, "
                f"splits={sorted(self.splits)})")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/writesmooth``, else ``~/.cache/writesmooth``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "writesmooth"


def load_dataset(path: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None,
                 use_cache: bool = True, progress: bool = False,
                 workers: int | None = None) -> Dataset:
    """Load the dataset at ``path`` (see the module's docstring for what it may be).

    Raises :class:`WritesmoothError` with one clear message when ``path`` does not exist, is not
    a dataset, or has no usable line.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise WritesmoothError(f"{path}: no such file or folder")
    if path.is_file() and path.suffix.lower() == ".npz":
        return _checked(Dataset(load_store(path), cache="file", cache_path=path), path)
    options = dict(cache_dir=cache_dir, use_cache=use_cache, progress=progress, workers=workers)
    from ..plugins import get_toolkit

    for layout in get_toolkit().layouts():
        if layout.detect(path):
            return _checked(layout.load(path, **options), path)
    if path.is_file():
        from .io import read_inks

        try:
            inks = read_inks(path)
        except InkFormatError as exc:
            hint = (" (give the folder that holds the archives)"
                    if path.name.lower().endswith((".tar.gz", ".tgz", ".tar")) else "")
            raise WritesmoothError(f"{path}: not a dataset: {_tail(exc, path)}{hint}") from None
        return _checked(Dataset(LineStore.from_inks(inks)), path)
    return _checked(_ink_folder(path), path)


def _checked(dataset: Any, path: Path) -> Any:
    if isinstance(dataset, Dataset) and len(dataset) == 0:
        reasons: dict[str, int] = {}
        for s in dataset.skipped:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        common = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
        why = "; ".join(f"{r}" + (f" (x{n})" if n > 1 else "") for r, n in common)
        raise WritesmoothError(f"{path}: no usable line" + (f" ({why})" if why else
                                                           " (no handwriting found there)"))
    return dataset


def _tail(exc: Exception, path: Path) -> str:
    text = str(exc)
    return text[len(str(path)) + 2:] if text.startswith(f"{path}: ") else text


# --- IAM-OnDB --------------------------------------------------------------------------------
class IamOnDbLayout(DatasetLayout):
    """The IAM-OnDB distribution: folders or archives of line files and transcripts."""

    name = "iam-ondb"

    def detect(self, path: Path) -> bool:
        path = Path(path)
        return path.is_dir() and find_sources(path)[0] is not None

    def load(self, path: Path, **options: Any) -> Dataset:
        return load_iam_dataset(Path(path), **options)


def cache_key(root: Path) -> str:
    """A digest of the names, sizes and modification times of the location's files."""
    lines, transcripts = find_sources(root)
    parts: list[Any] = [VERSION, str(root)]
    for source in (lines, transcripts):
        parts.append(source.signature() if source is not None else None)
    for split in split_files(root):
        st = split.stat()
        parts.append((str(split), st.st_size, st.st_mtime_ns))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def load_iam_dataset(root: Path, *, cache_dir: str | os.PathLike | None = None,
                     use_cache: bool = True, progress: bool = False,
                     workers: int | None = None) -> Dataset:
    root = root.resolve()
    cache_path = None
    if use_cache:
        key = cache_key(root)
        cache_path = Path(cache_dir or default_cache_dir()).expanduser() / f"iam-ondb-{key[:24]}.npz"
        if cache_path.is_file():
            try:
                store = load_store(cache_path, key=key)
            except WritesmoothError as exc:  # damaged: read the source again and replace it
                log.warning("ignoring the dataset cache: %s", exc)
                store = None
            if store is not None:
                return Dataset(store, cache="hit", cache_path=cache_path)
    from .iam_ondb import load_iam  # only a cold load needs the parsers (and lxml)

    with _Progress(progress, f"reading {root.name or root}") as on_fraction:
        store = load_iam(root, workers=workers, on_fraction=on_fraction)
    status = "off"
    if use_cache and len(store):
        try:
            save_store(store, cache_path, key=key)
            status = "written"
        except OSError as exc:
            status = f"not written: {exc.strerror or exc}"
            log.warning("could not write the dataset cache %s: %s", cache_path, status)
        else:
            remove_stale_caches(cache_path, store.location)
    return Dataset(store, cache=status, cache_path=cache_path)


def remove_stale_caches(current: Path, location: str) -> list[Path]:
    """Delete the other ``iam-ondb-*.npz`` caches beside ``current`` that were made from the
    same ``location``: its sources have changed since (their key differs), so nothing reads them
    again, and each is 15 MB. Caches of other locations, and files that are not readable caches,
    are left alone. Returns the paths removed."""
    removed: list[Path] = []
    if not location:
        return removed
    for other in current.parent.glob("iam-ondb-*.npz"):
        if other == current:
            continue
        try:
            with np.load(other, allow_pickle=False) as npz:
                same = str(npz["location"]) == location
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue  # not ours to judge
        if same:
            try:
                other.unlink()
                removed.append(other)
            except OSError as exc:
                log.warning("could not remove the stale dataset cache %s: %s", other, exc)
    if removed:
        log.info("removed %d stale dataset cache(s) of %s", len(removed), location)
    return removed


class _Progress:
    """A progress bar on stderr that appears only once a load has taken more than a moment,
    and only after the worker processes have been forked (rich draws from a thread)."""

    DELAY = 0.4

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled, self.label = enabled, label
        self.bar = self.task = None
        self.started = time.monotonic()

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, fraction: float) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task(self.label, total=1.0)
            self.bar.start()
        self.bar.update(self.task, completed=fraction)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


# --- files of handwriting --------------------------------------------------------------------
def _ink_folder(path: Path) -> Dataset:
    """Every handwriting file under ``path`` (by registered suffix); unreadable ones skipped."""
    from ..plugins import get_toolkit
    from .io import read_inks

    suffixes = {s for fmt in get_toolkit().ink_formats() for s in fmt.suffixes}
    inks: list[Ink] = []
    skipped: list[tuple[str, str]] = []
    for file in sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes
                       and p.is_file()):
        rel = file.relative_to(path).as_posix()
        try:
            found = read_inks(file)
        except InkFormatError as exc:
            skipped.append((rel, _tail(exc, file)))
            continue
        for i, ink in enumerate(found):
            inks.append(ink.replace(id=ink.id or (file.stem if len(found) == 1
                                                  else f"{file.stem}-{i:02d}")))
    store = LineStore.from_inks(inks, location=str(path))
    store.skipped = skipped
    return Dataset(store)
