"""Styles a person keeps, over HTTP (docs/web.md, "Styles"): saving the writing of the page as
a named style, listing and deleting styles, adapting the writer to one, and the model that
writes in a style.

The bank is :class:`writesmooth.StyleBank` (``--styles-dir``). An adaptation runs in a thread
of its own (the model adapts a copy of its network), one at a time on the server, so writing
goes on meanwhile; its progress is a stream of JSON lines. A style the writer was adapted to
is written by the adapted model (a new instance per adapter file, kept in a small cache) with
no priming; any other style primes the writer with its sample, as ``writesmooth write --style``
does.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from typing import Any, AsyncIterator, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from writesmooth import Ink, Model, StyleBank, WritesmoothError
from writesmooth.styles import NAME_RULE, STYLE_FILE, Style, check_name

from .engine import Engine, Task, submit, task_events
from .handlers import checked_text
from .inkjson import BadRequest, number, page_lines, strokes_field

log = logging.getLogger("writesmooth.web")
MAX_STYLES = 200        # styles a server keeps: a request cannot fill its disk
CACHED_MODELS = 8       # adapted models kept loaded (each a copy of the network)
DESCRIPTION = 200       # characters of a style's description


def finite(value: Any) -> Any:
    """``value`` with every non-finite float as ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


class Styles:
    """The style bank of a server, its cache of adapted models and its one adaptation."""

    def __init__(self, bank: StyleBank, engine: Engine, *, adapt_minutes: float = 3.0) -> None:
        self.bank, self.engine, self.adapt_minutes = bank, engine, adapt_minutes
        self.adapting: str | None = None  # the style being adapted to, if any
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[tuple, Model, Ink | None]] = OrderedDict()

    @property
    def writer(self) -> Model:
        return self.engine.writer

    def can_adapt(self) -> bool:
        return "adapt" in self.writer.capabilities

    # --- reading the bank (files: off the event loop) ---------------------------------------
    def get(self, name: Any) -> Style:
        """The style ``name``; 404 with one sentence when there is none."""
        if not isinstance(name, str):
            raise BadRequest("'style_name' must be the name of a style.")
        shown = name if len(name) <= 40 else name[:40] + "…"
        try:
            check_name(name)
        except WritesmoothError:
            raise BadRequest(f"There is no style named '{shown}'.", 404) from None
        if not self.bank.has(name):
            raise BadRequest(f"There is no style named '{shown}'.", 404)
        try:
            return self.bank.get(name)
        except WritesmoothError as exc:
            log.warning("style %s cannot be read: %s", name, one_line(exc))
            raise BadRequest(f"The style '{name}' cannot be read; delete it and save it "
                             f"again.", 500) from None

    def summary(self, style: Style) -> dict[str, Any]:
        return {**style.summary(), "adapted_writer": style.adapter(self.writer.name) is not None}

    def summaries(self) -> list[dict[str, Any]]:
        """Every style: the person's own, then the presets (one that cannot be read is left
        out and logged)."""
        out = []
        for name in self.bank.names():
            try:
                out.append(self.summary(self.bank.get(name)))
            except WritesmoothError as exc:
                log.warning("style %s left out: %s", name, one_line(exc))
        return out

    def writer_for(self, name: Any) -> tuple[Model | None, Ink | None, bool]:
        """``(model, sample, adapted)`` to write in the style ``name``: the adapted model and no
        sample where the writer was adapted to it, else ``None`` (the writer) and the sample.
        The same file gives the same objects, so requests in one style share a batch."""
        style = self.get(name)
        adapter = style.adapter(self.writer.name)
        key = tuple(p.stat().st_mtime_ns if p is not None and p.is_file() else None
                    for p in (style.folder and style.folder / STYLE_FILE, adapter))
        with self._lock:
            got = self._cache.get(style.name)
            if got is not None and got[0] == key:
                self._cache.move_to_end(style.name)
                return got[1], got[2], adapter is not None
        if adapter is None:
            model, sample = None, style.sample
        else:
            try:
                model, sample = self.writer.with_adapter(adapter), None
            except WritesmoothError as exc:
                raise BadRequest(one_line(exc).replace(str(adapter), "the style's adapter")
                                 + " (adapt it again).") from None
        with self._lock:
            self._cache[style.name] = (key, model, sample)
            while len(self._cache) > CACHED_MODELS:
                self._cache.popitem(last=False)
        return model, sample, adapter is not None

    def forget(self, name: str) -> None:
        with self._lock:
            self._cache.pop(name, None)

    # --- changing the bank ------------------------------------------------------------------
    def check_free(self, name: str, replace: bool) -> None:
        """409 unless a style ``name`` may be kept now."""
        if name in self.bank.presets:
            raise BadRequest(f"'{name}' is the name of a ready-made style; choose another "
                             f"name.", 409)
        if name in self.bank.own_names():
            if not replace:
                raise BadRequest(f"A style named '{name}' exists already; send "
                                 f"\"replace\": true to replace it.", 409)
        elif len(self.bank.own_names()) >= MAX_STYLES:
            raise BadRequest(f"This server keeps {MAX_STYLES} styles already; delete one "
                             f"first.", 409)
        if self.adapting == name:
            raise BadRequest(f"The model is being adapted to '{name}'; wait for it to "
                             f"finish.", 409)

    def save(self, name: str, lines: list[Ink], description: str, replace: bool) -> Style:
        with self._lock:  # no other save between the check and the files
            self.check_free(name, replace)
            style = self.bank.add(name, lines, description, replace=replace)
            self._cache.pop(name, None)
        return style

    def delete(self, name: str) -> None:
        style = self.get(name)
        if style.preset:
            raise BadRequest(f"'{name}' is a ready-made style; it cannot be deleted.", 403)
        with self._lock:
            if self.adapting == name:
                raise BadRequest(f"The model is being adapted to '{name}'; wait for it to "
                                 f"finish.", 409)
            self.bank.remove(name)
            self._cache.pop(name, None)

    def claim(self, name: str) -> None:
        """Take the server's one adaptation for ``name`` (409 when another runs)."""
        with self._lock:
            if self.adapting is not None:
                raise BadRequest(f"The model is being adapted to '{self.adapting}'; one "
                                 f"adaptation runs at a time, so try again when it is done.",
                                 409)
            self.adapting = name

    def adapt(self, style: Style, minutes: float, restart: bool,
              put: Callable[[dict], None]) -> None:
        """Adapt the writer to ``style`` (its own thread): each progress as an event, then
        ``done`` with the figures, or ``error``; the claim is let go before the last event."""
        model = self.writer
        last: dict[str, Any]
        try:
            result = model.adapt(style.lines, adapter=style.adapter_path(model.name),
                                 resume=style.resume_path(model.name), minutes=minutes,
                                 restart=restart,
                                 progress=lambda e: put({"event": "progress", **finite(e)}))
            self.forget(style.name)
            last = {"event": "done", **finite(result),
                    "style": self.summary(self.bank.get(style.name))}
        except (WritesmoothError, BadRequest) as exc:
            last = {"event": "error", "status": 400, "error": one_line(exc).replace(
                str(style.folder), f"style '{style.name}'")}
        except Exception:  # noqa: BLE001 - logged here, one sentence for the client
            log.exception("adaptation failed")
            last = {"event": "error", "status": 500,
                    "error": "The adaptation failed (the server's log says why)."}
        finally:
            with self._lock:
                self.adapting = None
        put(last)


def text_lines(body: dict, lines: list[Ink], limits) -> list[str] | None:
    """The ``text`` of a request, one line for each line of writing (``None``: to be read)."""
    given = body.get("text")
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    if not isinstance(given, str):
        raise BadRequest("'text' must be a string of text.")
    if len(given) > limits.text:
        raise BadRequest(f"The text is {len(given)} characters long; the limit is "
                         f"{limits.text}.")
    texts = [given.strip()] if len(lines) == 1 else given.strip().replace("\r\n", "\n").split("\n")
    if len(texts) != len(lines):
        raise BadRequest(f"The text has {len(texts)} lines but the writing has {len(lines)}; "
                         f"give one line of text for each.")
    return texts


async def read_lines(engine: Engine, lines: list[Ink]) -> list[str]:
    """What the reader reads in ``lines``, read by the worker like any request."""
    task = Task("read", time.monotonic() + engine.limits.seconds, asyncio.get_running_loop(),
                lines=lines)
    submit(engine, task)
    async for event in task_events(task, "Reading the writing took too long; try again."):
        if event["event"] == "error":
            raise BadRequest(event["error"], event["status"])
        if event["event"] == "done":
            return event["texts"]
    return []  # not reached: the events end with done or an error


def style_routes(styles: Styles, read_body: Callable[..., Awaitable[dict]]) -> list[Route]:
    engine, limits = styles.engine, styles.engine.limits

    async def listing(request: Request) -> Response:
        return JSONResponse({"styles": await run_in_threadpool(styles.summaries),
                             "writer": styles.writer.name, "can_adapt": styles.can_adapt(),
                             "adapting": styles.adapting,
                             "adapt_minutes": styles.adapt_minutes})

    async def add(request: Request) -> Response:
        body = await read_body(request, limits.body)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BadRequest(f"'name' must be a style name: {NAME_RULE}.")
        try:
            check_name(name)
        except WritesmoothError:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise BadRequest(f"'{shown}' is not a style name: use {NAME_RULE}.") from None
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise BadRequest("'replace' must be true or false.")
        description = body.get("description", "")
        if not isinstance(description, str) or len(description) > DESCRIPTION or any(
                ord(c) < 32 for c in description):
            raise BadRequest(f"'description' must be one line of at most {DESCRIPTION} "
                             f"characters.")
        lines = page_lines(strokes_field(body.get("strokes"), limits), limits)
        texts = text_lines(body, lines, limits)
        await run_in_threadpool(styles.check_free, name, replace)  # before reading
        if texts is None:
            texts = await read_lines(engine, lines)
        texts = [" ".join(t.split()) for t in texts]
        kept = [ink.replace(text=checked_text(styles.writer, t, body))
                for ink, t in zip(lines, texts) if t]
        if not kept:
            raise BadRequest("The writing could not be read; write it more clearly, or give "
                             "its text.")
        style = await run_in_threadpool(styles.save, name, kept, description.strip(), replace)
        return JSONResponse(styles.summary(style), status_code=201)

    async def delete(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(styles.delete, name)
        return JSONResponse({"deleted": name})

    async def adapt(request: Request) -> Response:
        name = request.path_params["name"]
        body = await read_body(request, limits.body, empty=True)
        asked = number(body, "minutes", styles.adapt_minutes, 0.0, 1e6)
        if asked <= 0:
            raise BadRequest("'minutes' must be more than 0.")
        minutes = min(asked, styles.adapt_minutes)
        restart = body.get("restart", False)
        if not isinstance(restart, bool):
            raise BadRequest("'restart' must be true or false.")
        style = await run_in_threadpool(styles.get, name)
        if style.preset:
            raise BadRequest(f"'{name}' is a ready-made style; save a style of your own to "
                             f"adapt the model to it.")
        if not styles.can_adapt():
            raise BadRequest(f"The model '{styles.writer.name}' cannot adapt to a style.")
        styles.claim(name)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def put(event: dict) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, event)
            except RuntimeError:  # the server stopped: nobody waits for it
                pass

        threading.Thread(target=styles.adapt, args=(style, minutes, restart, put),
                         name=f"writesmooth-adapt-{name}", daemon=True).start()
        start = {"event": "start", "style": name, "model": styles.writer.name,
                 "minutes": minutes, "lines": len(style.lines)}

        async def stream() -> AsyncIterator[bytes]:
            yield (json.dumps(start) + "\n").encode()
            deadline = time.monotonic() + minutes * 60 + limits.seconds
            while True:
                try:
                    event = await asyncio.wait_for(
                        events.get(), timeout=max(deadline - time.monotonic(), 0.001))
                except asyncio.TimeoutError:
                    yield (json.dumps({"event": "error", "status": 503, "error":
                                       "The adaptation is taking longer than it should; it "
                                       "goes on, and the style's list will say when it is "
                                       "adapted."}) + "\n").encode()
                    return
                yield (json.dumps(event) + "\n").encode()
                if event["event"] in ("done", "error"):
                    return

        return StreamingResponse(stream(), media_type="application/x-ndjson",
                                 headers={"Cache-Control": "no-store"})

    return [
        Route("/api/styles", listing, methods=["GET"]),
        Route("/api/styles", add, methods=["POST"]),
        Route("/api/styles/{name}", delete, methods=["DELETE"]),
        Route("/api/styles/{name}/adapt", adapt, methods=["POST"]),
    ]


def health_styles(styles: Styles | None) -> list[dict[str, Any]]:
    """What ``/api/health`` says of each style."""
    if styles is None:
        return []
    return [{"name": s["name"], "description": s["description"], "preset": s["preset"],
             "adapted": sorted(s["adapted"])} for s in styles.summaries()]

