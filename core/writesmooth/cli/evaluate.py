"""``writesmooth evaluate``: a model's figures on whole lines of a split (its negative
log-likelihood; for a reader, its character error rate)."""
from __future__ import annotations

import contextlib
import inspect
import json
import math
from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.table import Table

from ..data.io import read_inks
from ..errors import NotImplementedCapability
from ..styles import StyleBank
from .common import STYLES_DIR
from .console import console, warn
from .train import DEFAULT_VAL, load_splits

# Graves (2013), Table 4: the synthesis network on testset_v, nats per sequence
GRAVES_TABLE4 = {"no weight noise": -1096.9, "adaptive weight noise": -1128.2}
# the figures a model's evaluate() may return, in the order shown: (label, format)
FIGURES = {
    "nats_per_sequence": ("nats per sequence (line)", ".1f"),
    "nats_per_point": ("nats per point", ".4f"),
    "cer": ("character error rate (greedy reading)", ".4f"),
    "nats_per_char": ("nats per character of the text (CTC)", ".3f"),
    "lines": ("lines", ","),
    "points": ("points (offsets)", ","),
    "chars": ("characters", ","),
    "skipped": ("lines skipped", ""),
}


def evaluate(
    model: Optional[str] = typer.Option(
        None, "--model", "-m", show_default=False,
        help="Registered model (default: the first that can evaluate and has bundled weights)."),
    weights: Optional[Path] = typer.Option(None, "--weights",
                                           help="Weights file (default: the model's bundled weights)."),
    data: Path = typer.Option(..., "--data", help="Dataset: the IAM-OnDB folder (or a cache), "
                                                  "a folder of ink files, or an ink file "
                                                  "(JSON lines: one line with its text each)."),
    split: str = typer.Option(DEFAULT_VAL, "--split", help="Split(s) to evaluate, joined by +."),
    max_lines: Optional[int] = typer.Option(None, "--max-lines", min=1,
                                            help="Evaluate only the first N lines."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or cuda:N."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir",
                                             help="Dataset cache folder (default ~/.cache/writesmooth)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write a dataset cache."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    style: Optional[str] = typer.Option(
        None, "--style", help="Score the lines as written in this style: unprimed, primed with "
                              "it, and with what the model learnt of it (a saved style's name)."),
    styles_dir: Optional[Path] = STYLES_DIR,
) -> None:
    """Mean NLL (nats) per line and per point of whole lines, end-of-stroke included, offsets
    standardised with the model's training statistics: Graves' Table 4 units. A model may report
    other figures (a reader: its character error rate and CTC nats per character)."""
    from ..plugins import get_toolkit

    tk = get_toolkit()
    model = model or tk.default_model("evaluate")
    cls = tk.model(model)
    if "evaluate" not in cls.capabilities:
        raise NotImplementedCapability(f"model '{model}' cannot evaluate: not implemented")
    loaded = cls.load(weights, device=device)  # a bad weights file fails before data loading
    kept = StyleBank.open(styles_dir).get(style) if style is not None else None
    if data.is_file():
        inks = read_inks(data)
    else:
        inks, _ = load_splits(data, split, None, quiet=as_json, cache_dir=cache_dir,
                              use_cache=not no_cache)
    if max_lines is not None:
        inks = inks[:max_lines]
    if kept is not None:
        result = style_figures(loaded, kept, inks, quiet=as_json)
    elif as_json:
        result = dict(loaded.evaluate(inks))
    else:
        with console.status(f"evaluating {len(inks):,} lines with {model}"):
            result = dict(loaded.evaluate(inks))
    result.setdefault("model", model)
    result["split"] = split if not data.is_file() else None
    result["data"] = str(data)
    result["weights"] = str(weights) if weights else str(cls.default_weights())
    shown = [k for k in FIGURES if k in result]
    if not all(math.isfinite(result[k]) for k in shown if isinstance(result[k], float)):
        warn("a figure is not finite: the weights are broken or do not fit this data")
    if kept is not None and not as_json:
        return  # style_figures printed its table
    if as_json:
        console.print_json(json.dumps({k: (v if not isinstance(v, float) or math.isfinite(v)
                                           else None) for k, v in result.items()}))
        return
    table = Table(title=f"{model} on {split}", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in shown:
        label, form = FIGURES[key]
        if key != "skipped" or result[key]:
            table.add_row(label, format(result[key], form))
    console.print(table)
    if "nats_per_sequence" in result:
        console.print("Graves (2013) Table 4, testset_v: "
                      + ", ".join(f"{v} ({k})" for k, v in GRAVES_TABLE4.items())
                      + " nats per sequence; lower is better.")


STYLE_FIGURES = {
    "unprimed_nats_per_point": "unprimed",
    "primed_nats_per_point": "primed with the style",
    "adapted_nats_per_point": "with what the model learnt of it (as write uses it)",
    "adapted_primed_nats_per_point": "learnt, and primed as well",
}


def style_figures(model: Any, style: Any, inks: list, *, quiet: bool) -> dict[str, Any]:
    """NLL per point of ``inks`` unprimed, primed with ``style``, and adapted to it (with and
    without priming); ``None`` where the style has no adapter for the model."""
    if "style" not in inspect.signature(model.evaluate).parameters:
        raise NotImplementedCapability(f"model '{model.name}' cannot evaluate with a style")
    path = style.adapter(model.name)
    runs = [("unprimed_nats_per_point", model, None),
            ("primed_nats_per_point", model, style.sample)]
    if path is not None:
        learnt = model.with_adapter(path)
        runs += [("adapted_nats_per_point", learnt, None),
                 ("adapted_primed_nats_per_point", learnt, style.sample)]
    result: dict[str, Any] = {"style": style.name, "adapter": str(path) if path else None,
                              "adapted_nats_per_point": None,
                              "adapted_primed_nats_per_point": None}
    for key, m, sample in runs:
        with (contextlib.nullcontext() if quiet
              else console.status(f"scoring {len(inks):,} lines: {STYLE_FIGURES[key]}")):
            got = m.evaluate(inks, style=sample) if sample is not None else m.evaluate(inks)
        result[key] = got["nats_per_point"]
        result.setdefault("lines", got.get("lines"))
        result.setdefault("points", got.get("points"))
    if not quiet:
        table = Table(title=f"{model.name}, style '{style.name}'", box=box.SIMPLE_HEAD,
                      title_justify="left")
        table.add_column("nats per point")
        table.add_column("value", justify="right")
        for key, label in STYLE_FIGURES.items():
            value = result.get(key)
            table.add_row(label, "-" if value is None else f"{value:.4f}")
        console.print(table)
        if path is None:
            console.print(f"(not adapted: 'writesmooth style adapt {style.name}')")
    return result
