"""``writesmooth serve``: the web page and its API on this machine (docs/web.md)."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Optional

import typer

import writesmooth
from writesmooth.plugins import get_toolkit

from .limits import Limits

DEFAULTS = Limits()
ADAPT_MINUTES = 3.0  # the longest an adaptation may take, as 'writesmooth style adapt'


def load_engine(model: Optional[str], weights: Optional[Path], reader: Optional[str],
                device: str, limits: Limits, styles_dir: Optional[Path] = None,
                adapt_minutes: float = ADAPT_MINUTES):
    """The app with its models loaded (one clear error when one cannot be), keeping styles in
    ``styles_dir`` (default: :func:`writesmooth.default_styles_dir`)."""
    from .app import create_app
    from .engine import Engine
    from .styles import Styles

    tk = get_toolkit()
    name = model or tk.default_model("write")
    cls = tk.model(name)
    if "write" not in cls.capabilities:
        raise writesmooth.WritesmoothError(f"model '{name}' cannot write")
    writer = cls.load(weights, device=writesmooth.resolve_device(device))
    reader_name = reader
    if reader_name is None:
        able = [n for n, e in sorted(tk.models.items()) if "read" in e.obj.capabilities
                and e.obj.default_weights() is not None]
        reader_name = able[0] if able else None
    read_model = None
    if reader_name is not None:
        rcls = tk.model(reader_name)
        if "read" not in rcls.capabilities:
            raise writesmooth.WritesmoothError(f"model '{reader_name}' cannot read")
        read_model = rcls.load(None)
    models = [n for n, e in sorted(tk.models.items())
              if {"write", "smooth", "read"} & set(e.obj.capabilities)]
    engine = Engine(writer, read_model, limits)
    styles = Styles(writesmooth.StyleBank.open(styles_dir), engine, adapt_minutes=adapt_minutes)
    return create_app(engine, writer_name=name, reader_name=reader_name, models=models,
                      styles=styles)


def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to listen on (127.0.0.1: this machine only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    model: Optional[str] = typer.Option(None, "--model", "-m",
                                        help="Model that writes and smooths (default: the "
                                             "first with bundled weights)."),
    weights: Optional[Path] = typer.Option(None, "--weights", help="Weights for --model."),
    reader: Optional[str] = typer.Option(None, "--reader",
                                         help="Model that reads what is written (default: the "
                                              "first that can, with bundled weights)."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N, mps or auto."),
    max_text: int = typer.Option(DEFAULTS.text, "--max-text", min=1,
                                 help="Characters of text a request may write."),
    max_points: int = typer.Option(DEFAULTS.points, "--max-points", min=2,
                                   help="Points of ink a request may send."),
    max_body: int = typer.Option(DEFAULTS.body, "--max-body", min=1024,
                                 help="Bytes a request body may have."),
    queue: int = typer.Option(DEFAULTS.queue, "--queue", min=1,
                              help="Requests that may wait for the model; more get 503."),
    timeout: float = typer.Option(DEFAULTS.seconds, "--timeout", min=1.0,
                                  help="Seconds a request may take, waiting included."),
    styles_dir: Optional[Path] = typer.Option(
        None, "--styles-dir", envvar="WRITESMOOTH_STYLES_DIR", show_envvar=False,
        help="Folder of saved styles (default: the user's data folder, as 'writesmooth "
             "style')."),
    adapt_minutes: float = typer.Option(ADAPT_MINUTES, "--adapt-minutes", min=0.01,
                                        help="Minutes an adaptation to a style may take at "
                                             "most (a request may ask for less)."),
) -> None:
    """Serve the web page (write, smooth, style) and its HTTP API, on 127.0.0.1:8000 by
    default; Ctrl-C stops it."""
    import uvicorn

    limits = Limits(text=max_text, points=max_points, body=max_body, queue=queue,
                    seconds=timeout)
    app = load_engine(model, weights, reader, device, limits, styles_dir, adapt_minutes)
    try:  # a port in use is one clear line, before uvicorn says it at length
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            port = port or probe.getsockname()[1]
    except OSError as exc:
        raise writesmooth.WritesmoothError(f"cannot listen on {host}:{port}: "
                                           f"{exc.strerror or exc}") from None
    shown = f"[{host}]" if ":" in host else host

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:  # said once it listens, so the address answers at once
                writesmooth.report.info(f"writesmooth-web: serving on http://{shown}:{port}/ "
                                        f"(Ctrl-C stops it)")

    try:
        Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                              timeout_graceful_shutdown=5)).run()
    except KeyboardInterrupt:  # uvicorn hands Ctrl-C on once it has shut down
        pass
    writesmooth.report.info("writesmooth-web: stopped")
