"""Where the files of an IAM-OnDB location are: folders or the distribution's archives.

A location holds line files (``lineStrokes-all/`` or ``lineStrokes/``, or
``lineStrokes-all.tar.gz``), transcripts (``ascii-all/`` or ``ascii/``, or ``ascii-all.tar.gz``)
and optionally the split lists ``task1/*.txt``. Archives are read as streams, member by member,
never unpacked to disk; member names are only ever used as names.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

LINE_DIRS = ("lineStrokes-all", "lineStrokes")
LINE_ARCHIVES = ("lineStrokes-all.tar.gz", "lineStrokes-all.tgz", "lineStrokes-all.tar",
                 "lineStrokes.tar.gz")
ASCII_DIRS = ("ascii-all", "ascii")
ASCII_ARCHIVES = ("ascii-all.tar.gz", "ascii-all.tgz", "ascii-all.tar", "ascii.tar.gz")
SPLIT_DIR = "task1"
MAX_MEMBER_BYTES = 64 * 2**20  # a line file is ~40 KB; anything huge is not one


class ArchiveError(Exception):
    """A tar stream that cannot be read on (``tarfile`` itself is not imported: it is slow to
    import and not needed)."""


@dataclass(frozen=True)
class Source:
    """One half of a location: a folder of files or one archive, and the suffix wanted."""

    kind: str       # "dir" or "tar"
    path: str       # absolute path of the folder or archive
    suffix: str     # ".xml" for line files, ".txt" for transcripts
    label: str      # how sources are named in reports: "lineStrokes-all.tar.gz", "ascii", ...

    def name_of(self, member: str) -> str:
        """The report name of a member: ``archive:member`` or the file's path in the folder."""
        return f"{self.label}:{member}" if self.kind == "tar" else f"{self.label}/{member}"

    def signature(self) -> list[tuple[str, int, int]]:
        """``(name, size, mtime_ns)`` of every file behind this source: the cache key."""
        if self.kind == "tar":
            st = os.stat(self.path)
            return [(self.path, st.st_size, st.st_mtime_ns)]
        return [(os.path.join(self.path, rel), size, mtime) for rel, size, mtime in
                _walk(self.path, self.suffix)]

    def size(self) -> int:
        """Bytes to read (the archive, or the files): the measure of a load's progress."""
        if self.kind == "tar":
            return os.stat(self.path).st_size
        return sum(size for _, size, _ in _walk(self.path, self.suffix))

    def members(self, share: int = 0, shares: int = 1,
                on_bytes: Callable[[int], None] | None = None
                ) -> Iterator[tuple[str, bytes | None, str | None]]:
        """``(member, data, problem)`` for every wanted file whose index ``% shares == share``;
        ``data`` is ``None`` where ``problem`` says why it cannot be read. ``on_bytes`` is told
        how many bytes of the source have been consumed so far."""
        if self.kind == "tar":
            yield from _tar_members(self, share, shares, on_bytes)
            return
        done = 0
        for index, (rel, size, _) in enumerate(_walk(self.path, self.suffix)):
            if index % shares != share:
                continue
            done += size
            if size > MAX_MEMBER_BYTES:
                yield rel, None, f"too large ({size} bytes)"
                continue
            try:
                with open(os.path.join(self.path, rel), "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                yield rel, None, f"unreadable: {exc.strerror or exc}"
                continue
            if on_bytes is not None:
                on_bytes(done * shares)
            yield rel, data, None


def _walk(root: str, suffix: str) -> list[tuple[str, int, int]]:
    """Files under ``root`` ending in ``suffix``: sorted ``(relative path, size, mtime_ns)``."""
    found = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.name.lower().endswith(suffix) and entry.is_file():
                st = entry.stat()
                rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
                found.append((rel, st.st_size, st.st_mtime_ns))
    found.sort()
    return found


def _chunks(path: str, on_bytes: Callable[[int], None] | None) -> Iterator[bytes]:
    """The bytes of a file, inflated if it is gzip-compressed, in chunks of ~2 MB.

    ``tarfile``'s own ``r|gz`` inflates 16 KB at a time and copies every block through its
    stream buffer, which costs as much again as the inflating. 256 KB of input per step was the
    fastest measured (64 KB: more calls; 1 MB: outputs too big for the cache). Inflating in a
    thread beside the parsing was tried and gained nothing measurable.
    """
    with open(path, "rb") as fh:
        inflate = zlib.decompressobj(wbits=31) if fh.read(2) == b"\x1f\x8b" else None
        fh.seek(0)
        consumed = 0
        while chunk := fh.read(1 << 18):
            consumed += len(chunk)
            if on_bytes is not None:
                on_bytes(consumed)
            if inflate is None:
                yield chunk
                continue
            out = inflate.decompress(chunk)
            while inflate.unused_data:  # concatenated gzip members (pigz, cat a.gz b.gz)
                extra = inflate.unused_data
                inflate = zlib.decompressobj(wbits=31)
                out += inflate.decompress(extra)
            yield out
        if inflate is not None and not inflate.eof:
            raise EOFError("the gzip stream ends early")


class _Reader:
    """``read(n)`` over a chunk iterator, copying each byte about once."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0

    def read(self, n: int) -> bytes:
        if len(self._buf) - self._pos >= n:
            self._pos += n
            return self._buf[self._pos - n:self._pos]
        parts = [self._buf[self._pos:]]
        have = len(parts[0])
        for chunk in self._chunks:
            if have + len(chunk) >= n:
                take = n - have
                parts.append(chunk[:take])
                self._buf, self._pos = chunk, take
                return b"".join(parts)
            parts.append(chunk)
            have += len(chunk)
        self._buf, self._pos = b"", 0
        return b"".join(parts)  # short: the caller reports a truncated archive

    def skip(self, n: int) -> int:
        """Pass over ``n`` bytes without copying them; returns how many there were."""
        skipped = min(n, len(self._buf) - self._pos)
        self._pos += skipped
        for chunk in self._chunks if skipped < n else ():
            if skipped + len(chunk) >= n:
                self._buf, self._pos = chunk, n - skipped
                return n
            skipped += len(chunk)
        return skipped


def _tar_entries(reader: _Reader, want: Callable[[str, str, int], bool]
                 ) -> Iterator[tuple[str, str, int, bytes | None]]:
    """``(name, type, size, data)`` of each entry of a tar stream (ustar, GNU and pax names);
    ``data`` is ``None`` (and never held in memory) unless ``want(name, type, size)``.

    A few lines of the tar format instead of ``tarfile``, whose stream mode took longer than
    the inflating.
    """
    long_name = None
    while True:
        header = reader.read(512)
        if len(header) < 512:
            raise EOFError("the tar stream ends inside a header")
        if header == bytes(512):
            return  # end-of-archive marker
        if _checksum(header) != _octal(header[148:156]):
            raise ArchiveError("bad header checksum")
        size = _octal(header[124:136])
        kind = chr(header[156]) if header[156] else "0"
        name = header[:100].split(b"\0", 1)[0]
        if header[257:262] == b"ustar" and header[345]:
            name = header[345:500].split(b"\0", 1)[0] + b"/" + name
        padded = (size + 511) // 512 * 512
        if kind in "Lx" and size < (1 << 20):
            data = reader.read(padded)[:size]
            if kind == "L":  # GNU: the next entry's long name
                long_name = data.split(b"\0", 1)[0]
            else:  # pax: its "path" record is the next entry's name
                long_name = _pax_path(data) or long_name
            continue
        if long_name is not None:
            name, long_name = long_name, None
        text = name.decode("utf-8", "replace")
        if want(text, kind, size):
            data = reader.read(padded)
            if len(data) < padded:
                raise EOFError("the tar stream ends inside a member")
            yield text, kind, size, data[:size]
        else:
            if reader.skip(padded) < padded:
                raise EOFError("the tar stream ends inside a member")
            yield text, kind, size, None


def _octal(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256 for large sizes
        return int.from_bytes(field[1:], "big")
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise ArchiveError("bad number in a header") from None


def _checksum(header: bytes) -> int:
    return sum(header[:148]) + 8 * 32 + sum(header[156:])


def _pax_path(data: bytes) -> bytes | None:
    for record in data.split(b"\n"):
        _, _, field = record.partition(b" ")
        key, _, value = field.partition(b"=")
        if key == b"path":
            return value
    return None


def _tar_members(source: Source, share: int, shares: int,
                 on_bytes: Callable[[int], None] | None
                 ) -> Iterator[tuple[str, bytes | None, str | None]]:
    index = -1
    ours = False

    def wanted(name: str, kind: str, size: int) -> bool:
        nonlocal index, ours
        ours = False
        # Folders, links and devices are never followed; other files are not ours.
        if kind not in "07" or not name.lower().endswith(source.suffix):
            return False
        index += 1
        ours = index % shares == share
        return ours and size <= MAX_MEMBER_BYTES

    try:
        reader = _Reader(_chunks(source.path, on_bytes))
        for name, _kind, size, data in _tar_entries(reader, wanted):
            if data is not None:
                yield name, data, None
            elif ours:
                yield name, None, f"too large ({size} bytes)"
    except (ArchiveError, zlib.error, EOFError, OSError) as exc:
        yield "", None, f"damaged archive: {exc}"


def find_sources(root: Path) -> tuple[Source | None, Source | None]:
    """``(line files, transcripts)`` of an IAM-OnDB location, ``None`` for a half not there."""
    return (_find(root, LINE_DIRS, LINE_ARCHIVES, ".xml"),
            _find(root, ASCII_DIRS, ASCII_ARCHIVES, ".txt"))


def _find(root: Path, dirs: tuple[str, ...], archives: tuple[str, ...],
          suffix: str) -> Source | None:
    for name in dirs:
        if (root / name).is_dir():
            return Source("dir", str((root / name).resolve()), suffix, name)
    for name in archives:
        if (root / name).is_file():
            return Source("tar", str((root / name).resolve()), suffix, name)
    return None


def split_files(root: Path) -> list[Path]:
    """The split lists ``task1/*.txt`` (``trainset.txt``, ``testset_v.txt``, ...), sorted."""
    folder = root / SPLIT_DIR
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def read_splits(files: list[Path]) -> dict[str, set[str]]:
    """Split name -> form ids. The real lists put a space before every id in three files."""
    splits = {}
    for path in files:
        text = path.read_bytes().decode("latin-1")
        splits[path.stem] = {token for line in text.splitlines() for token in line.split()}
    return splits
