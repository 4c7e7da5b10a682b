"""Reading every line file of a source into flat arrays, on several cores.

This process inflates the archive once and reads its tar stream; each line file it meets goes to
a worker process that has room for it (its socket accepts more) or, when none has, is parsed
here. Inflating twice (once per process) cost more than it saved once the machine had other
work, and handing out files as workers become free balances the load by itself. Workers send
back flat arrays as raw bytes with a JSON header, so nothing is pickled.
"""
from __future__ import annotations

import gc
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from ..errors import InkFormatError
from .iam_fast import decode_points, fast_line
from .iam_sources import Source
from .iam_xml import parse_iam_strokes

CHUNK_POINTS = 1 << 17  # points decoded per numpy pass: big enough to be fast, small for cache
PARALLEL_BYTES = 4 << 20  # a source smaller than this is read in this process alone
WORKER_ANSWER_S = 300  # a worker that has not answered by then is given up (its files re-read)

Member = tuple[str, "bytes | None", "str | None"]  # (name, data, problem)


@dataclass
class ParsedShare:
    """Some line files: each one's name and problem (``None`` if it parsed), and for the parsed
    ones, in order, their writers, strokes per line, stroke lengths and points."""

    names: list[str]
    problems: list[str | None]
    writers: list[str | None]
    line_strokes: np.ndarray    # int32
    stroke_lengths: np.ndarray  # int32
    points: np.ndarray          # float32 (P, 2)

    def to_bytes(self) -> bytes:
        header = json.dumps({"names": self.names, "problems": self.problems,
                             "writers": self.writers, "lines": len(self.line_strokes),
                             "strokes": len(self.stroke_lengths),
                             "points": len(self.points)}).encode()
        return b"".join([len(header).to_bytes(8, "little"), header,
                         self.line_strokes.astype("<i4").tobytes(),
                         self.stroke_lengths.astype("<i4").tobytes(),
                         self.points.astype("<f4").tobytes()])

    @classmethod
    def from_bytes(cls, data: bytes) -> "ParsedShare":
        size = int.from_bytes(data[:8], "little")
        head = json.loads(data[8:8 + size])
        at = 8 + size
        arrays = []
        for count, width in ((head["lines"], 1), (head["strokes"], 1), (head["points"], 2)):
            arrays.append(np.frombuffer(data, "<i4" if width == 1 else "<f4", count * width, at))
            at += 4 * count * width
        if at != len(data):
            raise ValueError("a worker's message has the wrong length")
        return cls(head["names"], head["problems"], head["writers"], arrays[0].astype(np.int32),
                   arrays[1].astype(np.int32), arrays[2].astype(np.float32).reshape(-1, 2))


@dataclass
class _Parser:
    """Parses line files one at a time into the lists of a :class:`ParsedShare`."""

    names: list[str] = field(default_factory=list)
    problems: list[str | None] = field(default_factory=list)
    writers: list[str | None] = field(default_factory=list)
    line_strokes: list[int] = field(default_factory=list)
    stroke_lengths: list[int] = field(default_factory=list)
    chunks: list[np.ndarray] = field(default_factory=list)
    # Fast-path files whose points are not decoded yet, and where their points are.
    pending: list[bytes] = field(default_factory=list)
    pending_at: list[np.ndarray] = field(default_factory=list)
    pending_points: int = 0

    def add(self, name: str, data: bytes | None, problem: str | None) -> None:
        self.names.append(name)
        if data is None:
            self.problems.append(problem)
            return
        fast = fast_line(data)
        if fast is not None:
            x_at, lengths, writer = fast
            self.pending.append(data)
            self.pending_at.append(x_at)
            self.pending_points += len(x_at)
            if self.pending_points >= CHUNK_POINTS:
                self._flush()
        else:
            try:
                strokes, writer, _ = parse_iam_strokes(data, name)
            except InkFormatError as exc:
                self.problems.append(_reason(exc, name))
                return
            self._flush()  # keep the points in file order
            self.chunks.append(np.concatenate(strokes).astype(np.float32))
            lengths = [len(s) for s in strokes]
        self.problems.append(None)
        self.writers.append(writer)
        self.line_strokes.append(len(lengths))
        self.stroke_lengths.extend(lengths)

    def _flush(self) -> None:
        if self.pending:
            self.chunks.append(decode_points(self.pending, self.pending_at).astype(np.float32))
            self.pending, self.pending_at, self.pending_points = [], [], 0

    def result(self) -> ParsedShare:
        self._flush()
        points = np.concatenate(self.chunks) if self.chunks else np.zeros((0, 2), np.float32)
        return ParsedShare(self.names, self.problems, self.writers,
                           np.array(self.line_strokes, np.int32),
                           np.array(self.stroke_lengths, np.int32), points)


class _NoCollection:
    """Millions of short-lived bytes objects and no cycles among them: the cyclic collector
    would only walk them over and over."""

    def __enter__(self) -> None:
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was:
            gc.enable()


def parse_members(members: Iterable[Member]) -> ParsedShare:
    parser = _Parser()
    with _NoCollection():
        for name, data, problem in members:
            parser.add(name, data, problem)
    return parser.result()


def _reason(exc: InkFormatError, name: str) -> str:
    """The error without the file name in front (the report shows the name beside it)."""
    text = str(exc)
    return text[len(name) + 2:] if text.startswith(f"{name}: ") else text


def default_workers(source: Source) -> int:
    """Processes for a source, this one included: one per idle core, at most 4.

    Extra processes cost work of their own (every file crosses a socket), so they only pay on
    cores that would otherwise idle: on a 2-core machine busy with other jobs, two processes
    took longer than one. Small sources are read here alone.
    """
    if os.name == "nt" or source.size() < PARALLEL_BYTES:  # Windows: select() cannot watch pipes
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except (AttributeError, OSError):
        idle = cores
    return max(1, min(cores, 4, round(idle)))


@dataclass
class _Link:
    conn: object
    process: object
    sent: list[str] = field(default_factory=list)
    alive: bool = True


def parse_source(source: Source, *, workers: int | None = None,
                 on_fraction: Callable[[float], None] | None = None) -> list[ParsedShare]:
    """Every line file of ``source``, parsed by ``workers`` processes (this one included)."""
    total = max(source.size(), 1)
    workers = default_workers(source) if workers is None else max(1, workers)
    on_bytes = (lambda done: on_fraction(min(done / total, 1.0))) if on_fraction else None
    if workers == 1:
        return [parse_members(source.members(on_bytes=on_bytes))]
    import multiprocessing  # here: only a big load needs it
    import select

    context = multiprocessing.get_context(
        "fork" if sys.platform.startswith("linux") else "spawn")
    links = []
    for k in range(1, workers):
        ours, theirs = context.Pipe(duplex=True)  # a socket pair: select() tells when it has room
        process = context.Process(target=_worker, args=(theirs,), daemon=True,
                                  name=f"writesmooth-load-{k}")
        process.start()
        theirs.close()
        links.append(_Link(ours, process))
    local = _Parser()
    turn = 0
    with _NoCollection():
        for name, data, problem in source.members(on_bytes=on_bytes):
            if data is not None:
                alive = [link for link in links if link.alive]
                _, room, _ = select.select([], [link.conn for link in alive], [], 0)
                if room:
                    link = next(l for l in alive[turn % len(alive):] + alive if l.conn in room)
                    turn += 1
                    try:
                        link.conn.send_bytes(_member_bytes(name, data))
                        link.sent.append(name)
                        continue
                    except OSError:  # the worker died: what it had is parsed again below
                        link.alive = False
            local.add(name, data, problem)
    results = [local.result()]
    lost: set[str] = set()
    for link in links:
        try:
            link.conn.send_bytes(b"")  # the end
            if not link.conn.poll(WORKER_ANSWER_S):
                raise TimeoutError("no answer")
            results.append(ParsedShare.from_bytes(link.conn.recv_bytes()))
        except (EOFError, OSError, ValueError, KeyError):  # TimeoutError is an OSError
            lost.update(link.sent)
            link.process.terminate()
        finally:
            link.conn.close()
            link.process.join()
    if lost:
        results.append(parse_members(m for m in source.members() if m[0] in lost))
    return results


def _member_bytes(name: str, data: bytes) -> bytes:
    encoded = name.encode("utf-8", "surrogateescape")
    return len(encoded).to_bytes(4, "little") + encoded + data


def _worker(conn) -> None:
    parser = _Parser()
    try:
        with _NoCollection():
            while True:
                message = conn.recv_bytes()
                if not message:
                    break
                size = int.from_bytes(message[:4], "little")
                parser.add(message[4:4 + size].decode("utf-8", "surrogateescape"),
                           message[4 + size:], None)
        conn.send_bytes(parser.result().to_bytes())
    finally:
        conn.close()
