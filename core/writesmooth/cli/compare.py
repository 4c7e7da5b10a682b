"""``writesmooth compare``: several registered models side by side in one run.

For each model: parameters, validation log-loss, time to write a text, and the text written,
all in one table and one figure. A model that lacks a capability shows "n/a"; one that fails
shows its error in its row; neither stops the others.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ..api import DEFAULT_BIAS
from ..errors import WritesmoothError, first_line
from ..plugins import get_toolkit
from . import options as o
from .console import console, log
from ..devices import resolve_device

NA = "n/a"


def _parse_weights(pairs: list[str], names: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise WritesmoothError(f"--weights expects NAME=PATH, got '{pair}'")
        if name not in names:
            raise WritesmoothError(f"--weights names model '{name}', which is not compared "
                                   f"(compared: {', '.join(names)})")
        out[name] = Path(path)
    return out


def compare_models(names: list[str], weights: dict[str, Path], inks: list | None, text: str,
                   seed: int, bias: float, device: str) -> tuple[list[dict[str, Any]], list]:
    """Rows of figures, and the written inks (labelled) of the models that could write."""
    tk = get_toolkit()
    rows, written = [], []
    for name in names:
        cls = tk.model(name)
        row: dict[str, Any] = {"model": name, "plugin": tk.models[name].plugin,
                               "capabilities": sorted(cls.capabilities), "parameters": None,
                               "nats_per_sequence": None, "nats_per_point": None,
                               "lines": None, "points": None, "write_seconds": None,
                               "error": None, "not_available": []}
        rows.append(row)
        wanted = [c for c in ("evaluate", "write") if c in cls.capabilities]
        row["not_available"] = [c for c in ("evaluate", "write") if c not in cls.capabilities]
        if not wanted:
            row["error"] = "not implemented (declares no capability)"
            continue
        try:
            model = cls.load(weights.get(name), device=device)
            row["parameters"] = model.parameter_count()
            if "evaluate" in wanted and inks is not None:
                figures = model.evaluate(inks)
                for key in ("nats_per_sequence", "nats_per_point", "lines", "points"):
                    row[key] = figures.get(key)
            if "write" in wanted:
                start = time.perf_counter()
                ink = model.write([text], bias=bias, seed=seed)[0]
                row["write_seconds"] = time.perf_counter() - start
                ink.meta["label"] = name
                written.append(ink)
        except Exception as exc:  # one model's failure must not stop the others
            log.exception("compare: model %s failed", name)
            row["error"] = first_line(exc)
    return rows, written


def _cell(value: Any, fmt: str, available: bool) -> str:
    if not available:
        return NA
    return "-" if value is None else format(value, fmt)


def _table(rows: list[dict[str, Any]], split: str | None) -> Table:
    table = Table(title="writesmooth compare")
    table.add_column("model")
    table.add_column("parameters", justify="right")
    table.add_column(f"nats/seq ({split or 'no data'})", justify="right")
    table.add_column("nats/point", justify="right")
    table.add_column("write s", justify="right")
    table.add_column("note")
    for r in rows:
        ev = "evaluate" not in r["not_available"]
        wr = "write" not in r["not_available"]
        params = "-" if r["parameters"] is None else f"{r['parameters']:,}"
        table.add_row(r["model"], params, _cell(r["nats_per_sequence"], ".1f", ev),
                      _cell(r["nats_per_point"], ".3f", ev), _cell(r["write_seconds"], ".2f", wr),
                      f"[red]{r['error']}[/]" if r["error"] else "")
    return table


def compare(
    models: Optional[str] = typer.Option(
        None, "--models", help="Comma list of registered models (default: all)."),
    weights: list[str] = typer.Option(
        [], "--weights", help="NAME=PATH weights for a model (repeatable); default: bundled."),
    data: Optional[Path] = typer.Option(
        None, "--data", help="Dataset location for the validation log-loss."),
    split: str = typer.Option("testset_v", "--split", help="Split evaluated ('all': every line)."),
    max_lines: Optional[int] = typer.Option(
        None, "--max-lines", min=1, help="Evaluate only the first N lines of the split."),
    text: str = typer.Option("The quick brown fox jumps over the lazy dog", "--text",
                             help="Text each model writes."),
    seed: int = typer.Option(0, "--seed", help="Seed for writing."),
    bias: float = typer.Option(DEFAULT_BIAS, "--bias", help="Sampling bias for writing."),
    out: Optional[Path] = typer.Option(
        None, "-o", "--out", help="Figure of the written texts, one labelled row per model."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Dataset cache folder."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read the sources, not the cache."),
    stroke_width: float = o.STROKE_WIDTH,
    color: str = o.COLOR,
    background: str = o.BACKGROUND,
    height: Optional[int] = o.HEIGHT,
) -> None:
    """Compare registered models in one run: parameters, log-loss, writing time, and samples."""
    tk = get_toolkit()
    names = [n.strip() for n in models.split(",") if n.strip()] if models else sorted(tk.models)
    if not names:
        raise WritesmoothError("no models to compare")
    for name in names:
        tk.model(name)  # unknown names fail before any work
    if out is not None:
        tk.renderer_for(out)
    device = resolve_device(device)
    weight_paths = _parse_weights(weights, names)
    inks = None
    if data is not None:
        from ..data.dataset import load_dataset

        ds = load_dataset(data, cache_dir=cache_dir, use_cache=not no_cache,
                          progress=not as_json)
        inks = ds.select(None if split == "all" else split)
        inks = inks[:max_lines] if max_lines else inks
        if not inks:
            raise WritesmoothError(f"split '{split}' of {data} has no lines")
    rows, written = compare_models(names, weight_paths, inks, text, seed, bias, device)
    if out is not None and written:
        o.draw(written, out, quiet=as_json, stroke_width=stroke_width, color=color,
               background=background, height=height)
    elif out is not None:
        log.warning("compare: no model could write; no figure written")
    if as_json:
        console.print_json(json.dumps({"split": split if inks is not None else None,
                                       "text": text, "seed": seed, "bias": bias,
                                       "figure": str(out) if out and written else None,
                                       "models": rows}))
        return
    console.print(_table(rows, split if inks is not None else None))
    if out is not None and not written:
        console.print("no model could write: no figure written")

