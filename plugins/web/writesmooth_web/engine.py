"""The one worker that uses the models: requests wait in a bounded queue, and those that arrive
together are done as one batch (writing: one :meth:`writesmooth.Model.write_jobs` call, so
their lines share the network's batch; reading: one call of the reader).

Handlers run on the server's event loop and never touch a model; the worker thread does, one
batch at a time, and hands each request its events (a line, its end, an error) through the
request's own asyncio queue. A request whose time ran out, or whose client went away, is
skipped or dropped from its batch.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from writesmooth import Ink, LinePlan, Model, WriteJob, WritesmoothError, draw_missing

from .inkjson import BadRequest
from .limits import Limits

log = logging.getLogger("writesmooth.web")


class Busy(Exception):
    """The queue is full: answer 503 with ``Retry-After``."""


@dataclass
class Task:
    """One request for the worker. ``run`` is what the worker does for it alone (smoothing);
    writing and reading tasks carry ``job`` or ``lines`` and are batched instead."""

    kind: str                                   # "write", "read" or "smooth"
    deadline: float
    loop: asyncio.AbstractEventLoop
    job: WriteJob | None = None
    model: Model | None = None                  # writes ``job`` (None: the engine's writer)
    lines: list[Ink] | None = None
    run: Callable[["Task"], None] | None = None
    plans: list[LinePlan] | None = None         # per line of ``job``: what is drawn over it
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    gone: threading.Event = field(default_factory=threading.Event)

    def emit(self, event: str, **data: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(self.events.put_nowait, {"event": event, **data})
        except RuntimeError:  # its loop has closed: nobody waits for it any more
            self.gone.set()

    def fail(self, message: str, status: int = 400) -> None:
        self.emit("error", error=message, status=status)

    def expired(self) -> bool:
        return self.gone.is_set() or time.monotonic() > self.deadline


def new_seed() -> int:
    return secrets.randbelow(2 ** 31)


class Engine:
    """The models and the worker. ``writer`` writes and smooths; ``reader`` reads (or None)."""

    def __init__(self, writer: Model, reader: Model | None, limits: Limits) -> None:
        self.writer, self.reader, self.limits = writer, reader, limits
        self.queue: queue.Queue[Task] = queue.Queue(maxsize=limits.queue)
        self.batches: list[int] = []  # writing requests per batch, for the load figures
        self._thread = threading.Thread(target=self._work, name="writesmooth-web", daemon=True)
        self._thread.start()

    def submit(self, task: Task) -> None:
        try:
            self.queue.put_nowait(task)
        except queue.Full:
            raise Busy() from None

    # --- the worker --------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            first = self.queue.get()
            if first.kind == "write" and self.limits.gather > 0:
                time.sleep(self.limits.gather)  # let the others who asked together arrive
            tasks = [first]
            while True:
                try:
                    tasks.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            live = [t for t in tasks if not t.expired()]
            for kind, run in (("write", self._write), ("read", self._read)):
                group = [t for t in live if t.kind == kind]
                if group:
                    self._guard(group, run)
            for t in live:
                if t.kind == "smooth":
                    self._guard([t], self._smooth)

    def _guard(self, tasks: list[Task], run: Callable) -> None:
        """Run a batch; a request the model refuses fails alone (each is tried on its own
        when a batch fails), and nothing unexpected reaches a client as a traceback."""
        try:
            run(tasks)
        except (WritesmoothError, BadRequest) as exc:
            if len(tasks) > 1:
                for t in tasks:
                    self._guard([t], run)
                return
            status = getattr(exc, "status", 400)
            tasks[0].fail(" ".join(str(exc).split()), status)
        except Exception:  # noqa: BLE001 - logged here, one sentence for the client
            log.exception("request failed")
            for t in tasks:
                t.fail("The server could not do this request (its log says why).", 500)

    def _write(self, tasks: list[Task]) -> None:
        for t in tasks:  # a style sent without its text is read first
            style = t.job.style
            if style is not None and not style.text.strip():
                text = " ".join(self.read([style])[0].split())
                if not text:
                    raise BadRequest("The writing to use as the style could not be read; "
                                     "write it more clearly, or give its text.")
                unknown = self.writer.unknown_chars(text)
                t.job.style = style.replace(text=self.writer.replace_unknown(text)
                                            if unknown else text)
        self.batches.append(len(tasks))
        # a style's adapted model is a model of its own: its jobs are its own batch
        groups: dict[int, list[Task]] = {}
        for t in tasks:
            groups.setdefault(id(t.model or self.writer), []).append(t)
        for group in groups.values():  # one model's failure is not the others'
            self._guard(group, self._write_with)

    def _write_with(self, tasks: list[Task]) -> None:
        made = (tasks[0].model or self.writer).write_jobs([t.job for t in tasks])
        left = {j: len(t.job.texts) for j, t in enumerate(tasks)}
        for j, i, ink in made:
            plans = tasks[j].plans
            if plans is not None:
                ink = draw_missing(ink, plans[i])
            tasks[j].emit("line", index=i, ink=ink)
            left[j] -= 1
            if not left[j]:
                tasks[j].emit("done")
            if all(tasks[k].expired() for k in left if left[k]):
                made.close()  # nobody waits for the rest
                return

    def _smooth(self, tasks: list[Task]) -> None:
        for t in tasks:  # each its own work: a line is primed with its own writing
            t.run(t)

    def _read(self, tasks: list[Task]) -> None:
        lines = [ink for t in tasks for ink in t.lines]
        texts = self.read(lines)
        at = 0
        for t in tasks:
            t.emit("done", texts=texts[at:at + len(t.lines)])
            at += len(t.lines)

    def read(self, lines: list[Ink]) -> list[str]:
        """What the reader reads in each line (the worker's thread only)."""
        if self.reader is None:
            raise BadRequest("This server has no reader: give the text as well.", 400)
        return self.reader.read(lines)


def submit(engine: "Engine", task: Task) -> None:
    """Queue ``task``; a full queue is a 503 with one sentence."""
    try:
        engine.submit(task)
    except Busy:
        raise BadRequest("The server is busy; try again in a few seconds.", 503) from None


async def task_events(task: Task, late: str) -> AsyncIterator[dict]:
    """The task's events until it is done or fails; an error event saying ``late`` when its
    time runs out (and the worker is told to drop it)."""
    try:
        while True:
            left = task.deadline - time.monotonic()
            try:
                event = await asyncio.wait_for(task.events.get(), timeout=max(left, 0.001))
            except asyncio.TimeoutError:
                yield {"event": "error", "status": 503, "error": late}
                return
            yield event
            if event["event"] in ("done", "error"):
                return
    finally:
        task.gone.set()
