"""The ASGI app: the page, its static files, and the HTTP API (docs/web.md).

Every answer to a bad request is a status and ``{"error": "<one sentence>"}``; an unexpected
failure is logged and answered the same way with 500, never with a traceback.
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import writesmooth

from .engine import Engine, Task, task_events
from .engine import submit as submit_task
from .handlers import line_event, read_task, smooth_task, write_task
from .inkjson import BadRequest, parse_body, strokes_field
from .styles import Styles, health_styles, style_routes

STATIC = Path(__file__).parent / "static"
RETRY_AFTER = 5  # seconds a client is told to wait when the queue is full
log = logging.getLogger("writesmooth.web")
HEADERS = {  # the page loads only what the package serves
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                               "style-src 'self'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def error(message: str, status: int = 400) -> JSONResponse:
    """A status and one sentence; a 503 also says when to try again."""
    headers = {"Retry-After": str(RETRY_AFTER)} if status == 503 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def json_body(request: Request, limit: int, empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, read within ``limit`` bytes; with ``empty``, no body at all
    is ``{}``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is over the limit of {limit} bytes.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is over the limit of {limit} bytes.", 413)
        chunks.append(chunk)
    raw = b"".join(chunks)
    return {} if empty and not raw.strip() else parse_body(raw)


def create_app(engine: Engine, *, writer_name: str, reader_name: str | None,
               models: list[str], styles: Styles | None = None) -> Starlette:
    """The app; ``styles`` (the server's style bank) adds the ``/api/styles`` endpoints and
    ``"style_name"`` in writing requests."""
    limits = engine.limits

    def submit(task: Task) -> None:
        submit_task(engine, task)

    def events(task: Task) -> AsyncIterator[dict]:
        return task_events(task, f"The request took longer than the limit of "
                                 f"{limits.seconds:g} seconds; try a shorter text.")

    async def answer(task: Task, start: dict) -> dict | JSONResponse:
        """The whole answer of a task as one JSON object (or its error)."""
        submit(task)
        lines: dict[int, dict] = {}
        async for event in events(task):
            if event["event"] == "error":
                return error(event["error"], event["status"])
            if event["event"] == "line":
                lines[event["index"]] = line_event(event, start["units"])
            elif event["event"] == "text":
                start["text"] = event["text"]
            elif event["event"] == "done" and "texts" in event:
                start["texts"] = event["texts"]
        start["lines"] = [lines[i]["ink"] for i in sorted(lines)]
        notes = [n for i in sorted(lines) for n in lines[i].get("notices", [])]
        if notes:
            start["notices"] = notes
        return start

    def stream(task: Task, start: dict) -> StreamingResponse:
        submit(task)

        async def body() -> AsyncIterator[bytes]:
            yield (json.dumps({"event": "start", **start}) + "\n").encode()
            async for event in events(task):
                if event["event"] == "line":
                    event = line_event(event, start["units"])
                yield (json.dumps(event) + "\n").encode()

        return StreamingResponse(body(), media_type="application/x-ndjson",
                                 headers={"Cache-Control": "no-store"})

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def health(request: Request) -> Response:
        return JSONResponse({
            "ok": True, "version": writesmooth.__version__,
            "models": models,
            "writer": writer_name, "reader": reader_name,
            "formats": [s.lstrip(".") for s in writesmooth.output_suffixes()],
            "styles": await run_in_threadpool(health_styles, styles), "limits": {k: v for k, v in vars(limits).items() if k != "gather"},
            "queued": engine.queue.qsize(), "batches": engine.batches[-20:],
        })

    async def write(request: Request) -> Response:
        body = await json_body(request, limits.body)
        task, start = await run_in_threadpool(write_task, engine, body,
                                              asyncio.get_running_loop(), styles)
        got = await answer(task, start)
        if isinstance(got, Response):
            return got
        if "image/svg+xml" in request.headers.get("accept", ""):
            inks = [writesmooth.Ink(strokes=ln["strokes"], text=ln["text"]) for ln in got["lines"]]
            svg = await run_in_threadpool(writesmooth.render_bytes, inks, ".svg")
            return Response(svg, media_type="image/svg+xml", headers={"X-Seed": str(got["seed"])})
        return JSONResponse(got)

    async def write_stream(request: Request) -> Response:
        body = await json_body(request, limits.body)
        return stream(*await run_in_threadpool(write_task, engine, body,
                                               asyncio.get_running_loop(), styles))

    async def read(request: Request) -> Response:
        body = await json_body(request, limits.body)
        task = read_task(engine, body, asyncio.get_running_loop())
        got = await answer(task, {"units": "input"})
        if isinstance(got, Response):
            return got
        return JSONResponse({"text": "\n".join(got["texts"]), "lines": got["texts"]})

    async def smooth(request: Request) -> Response:
        body = await json_body(request, limits.body)
        got = await answer(*smooth_task(engine, body, asyncio.get_running_loop()))
        return got if isinstance(got, Response) else JSONResponse(got)

    async def smooth_stream(request: Request) -> Response:
        body = await json_body(request, limits.body)
        return stream(*smooth_task(engine, body, asyncio.get_running_loop()))

    async def render(request: Request) -> Response:
        body = await json_body(request, limits.body)
        fmt = body.get("format", "svg")
        if not isinstance(fmt, str) or not fmt.isalnum():
            raise BadRequest("'format' must be a format name such as svg or png.")
        known = [s.lstrip(".") for s in writesmooth.output_suffixes()]
        if fmt.lower() not in known:
            raise BadRequest(f"Unknown format '{fmt}' (known: {', '.join(known)}).")
        lines = body.get("lines")
        if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
            raise BadRequest("'lines' must be a list of inks, each {\"text\", \"strokes\"}.")
        if len(lines) > limits.lines * 2:
            raise BadRequest(f"There are {len(lines)} lines; the limit is {limits.lines * 2}.")
        inks = []
        for n, ln in enumerate(lines):
            strokes = strokes_field(ln.get("strokes"), limits, f"lines[{n}].strokes")
            text = ln.get("text", "")
            inks.append(writesmooth.Ink(strokes=strokes, text=text if isinstance(text, str)
                                        else ""))
        if sum(i.n_points for i in inks) > limits.points:
            raise BadRequest(f"The lines have more than {limits.points} points.")
        draw = {"color": body.get("color"), "stroke_width": body.get("stroke_width"),
                "background": body.get("background")}
        if draw["stroke_width"] is not None and not (
                isinstance(draw["stroke_width"], (int, float)) and 0 < draw["stroke_width"] <= 50):
            raise BadRequest("'stroke_width' must be a number above 0 and at most 50.")
        for key in ("color", "background"):
            if draw[key] is not None and (not isinstance(draw[key], str) or len(draw[key]) > 32):
                raise BadRequest(f"'{key}' must be a colour name or #rrggbb.")
        data = await run_in_threadpool(writesmooth.render_bytes, inks, "." + fmt.lower(), **draw)
        types = {"svg": "image/svg+xml", "png": "image/png", "json": "application/json"}
        return Response(data, media_type=types.get(fmt.lower(), "application/octet-stream"),
                        headers={"Content-Disposition":
                                 f'attachment; filename="handwriting.{fmt.lower()}"'})

    async def bad_request(request: Request, exc: Exception) -> Response:
        return error(str(exc), getattr(exc, "status", 400))

    async def writesmooth_error(request: Request, exc: Exception) -> Response:
        return error(" ".join(str(exc).split()), 400)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        words = {404: f"There is nothing at {request.url.path}.",
                 405: f"{request.method} is not allowed on {request.url.path}."}
        return error(words.get(exc.status_code, str(exc.detail)), exc.status_code)

    async def disconnected(request: Request, exc: Exception) -> Response:
        return error("The client went away.", 400)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("request failed", exc_info=exc)
        return error("The server could not do this request (its log says why).", 500)

    routes = [
        Route("/", page),
        Route("/api/health", health),
        Route("/api/write", write, methods=["POST"]),
        Route("/api/write/stream", write_stream, methods=["POST"]),
        Route("/api/read", read, methods=["POST"]),
        Route("/api/smooth", smooth, methods=["POST"]),
        Route("/api/smooth/stream", smooth_stream, methods=["POST"]),
        Route("/api/render", render, methods=["POST"]),
        *(style_routes(styles, json_body) if styles is not None else []),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {BadRequest: bad_request, writesmooth.WritesmoothError: writesmooth_error,
                HTTPException: http_error, ClientDisconnect: disconnected, Exception: crash}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.engine, app.state.styles = engine, styles
    return _with_headers(app)


def _with_headers(app):
    """Every response carries :data:`HEADERS`."""
    extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await app(scope, receive, send_with)

    wrapped.state = app.state
    return wrapped
