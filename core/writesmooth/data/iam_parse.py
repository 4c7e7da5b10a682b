"""Reading every line file of a source into flat arrays, on several cores.

Each worker process reads the whole archive stream (inflating is cheap next to parsing, and
nothing large has to cross between processes) but parses only every n-th line file; it sends
back flat arrays as raw bytes with a JSON header, so nothing is pickled.
"""
from __future__ import annotations

import gc
import json
import os
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InkFormatError
from .iam_fast import decode_points, fast_line
from .iam_sources import Source
from .iam_xml import parse_iam_strokes

CHUNK_POINTS = 1 << 17  # points decoded per numpy pass: big enough to be fast, small for cache
PARALLEL_BYTES = 4 << 20  # a source smaller than this is read in this process alone


@dataclass
class ParsedShare:
    """The line files of one share: every file's name and problem (``None`` if it parsed), and
    for the parsed ones, in order, their writers, strokes per line, stroke lengths, points."""

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
        for count, dtype, width in ((head["lines"], "<i4", 1), (head["strokes"], "<i4", 1),
                                    (head["points"], "<f4", 2)):
            n = count * width
            arrays.append(np.frombuffer(data, dtype, n, at))
            at += 4 * n
        if at != len(data):
            raise ValueError("a worker's message has the wrong length")
        return cls(head["names"], head["problems"], head["writers"], arrays[0].astype(np.int32),
                   arrays[1].astype(np.int32), arrays[2].astype(np.float32).reshape(-1, 2))


def parse_share(source: Source, share: int = 0, shares: int = 1,
                on_bytes: Callable[[int], None] | None = None) -> ParsedShare:
    """Parse the line files of ``source`` whose index ``% shares == share``."""
    names: list[str] = []
    problems: list[str | None] = []
    writers: list[str | None] = []
    line_strokes: list[int] = []
    stroke_lengths: list[int] = []
    chunks: list[np.ndarray] = []
    pending: list[bytes] = []  # point texts from the fast path, decoded a chunk at a time

    def flush() -> None:
        if pending:
            chunks.append(decode_points(pending).astype(np.float32))
            pending.clear()

    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived bytes objects; no cycles to find among them
    try:
        for name, data, problem in source.members(share, shares, on_bytes):
            names.append(name)
            if data is None:
                problems.append(problem)
                continue
            fast = fast_line(data)
            if fast is not None:
                texts, lengths, writer = fast
                pending.extend(texts)
                if len(pending) >= CHUNK_POINTS:
                    flush()
            else:
                try:
                    strokes, writer, _ = parse_iam_strokes(data, name)
                except InkFormatError as exc:
                    problems.append(_reason(exc, name))
                    continue
                flush()  # keep the points in file order
                chunks.append(np.concatenate(strokes).astype(np.float32))
                lengths = [len(s) for s in strokes]
            problems.append(None)
            writers.append(writer)
            line_strokes.append(len(lengths))
            stroke_lengths.extend(lengths)
        flush()
    finally:
        if collecting:
            gc.enable()
    points = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
    return ParsedShare(names, problems, writers, np.array(line_strokes, np.int32),
                       np.array(stroke_lengths, np.int32), points)


def _reason(exc: InkFormatError, name: str) -> str:
    """The error without the file name in front (the report shows the name beside it)."""
    text = str(exc)
    return text[len(name) + 2:] if text.startswith(f"{name}: ") else text


def default_workers(source: Source) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    # Every worker inflates the whole archive, so beyond a few the inflating dominates.
    return max(1, min(cores, 4)) if source.size() >= PARALLEL_BYTES else 1


def parse_source(source: Source, *, workers: int | None = None,
                 on_fraction: Callable[[float], None] | None = None) -> list[ParsedShare]:
    """Every line file of ``source``, parsed by ``workers`` processes (this one included)."""
    total = max(source.size(), 1)
    workers = default_workers(source) if workers is None else max(1, workers)
    on_bytes = (lambda done: on_fraction(min(done / total, 1.0))) if on_fraction else None
    if workers == 1:
        return [parse_share(source, 0, 1, on_bytes)]
    import multiprocessing  # here: only a big load needs it

    context = multiprocessing.get_context(
        "fork" if sys.platform.startswith("linux") else "spawn")
    started = []
    for share in range(1, workers):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(source, share, workers, send),
                                  daemon=True, name=f"writesmooth-load-{share}")
        process.start()
        send.close()  # ours; the child keeps its own copy
        started.append((share, receive, process))
    results = [parse_share(source, 0, workers, on_bytes)]
    for share, receive, process in started:
        try:
            results.append(ParsedShare.from_bytes(receive.recv_bytes()))
        except (EOFError, OSError, ValueError, KeyError):
            # The worker died (killed, out of memory): do its share here rather than fail.
            results.append(parse_share(source, share, workers))
        finally:
            receive.close()
            process.join()
    return results


def _worker(source: Source, share: int, shares: int, send) -> None:
    try:
        send.send_bytes(parse_share(source, share, shares).to_bytes())
    finally:
        send.close()
