"""``writesmooth data stats`` and ``writesmooth data export``: look at a dataset, write it out."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .console import console

data_app = typer.Typer(
    name="data", no_args_is_help=True, help="Look at a dataset (IAM-OnDB and others), export it.",
    context_settings={"help_option_names": ["-h", "--help"]})

PATH = typer.Argument(..., help="Dataset: an IAM-OnDB folder (folders or .tar.gz archives), a "
                                "dataset .npz, or handwriting files.")
SPLIT = typer.Option(None, "--split", help="Only this split, e.g. trainset or "
                                           "trainset+testset_t+testset_f.")
CACHE_DIR = typer.Option(None, "--cache-dir", help="Folder of the dataset cache (default: "
                                                   "~/.cache/writesmooth).")
NO_CACHE = typer.Option(False, "--no-cache", help="Read the sources; neither use nor write "
                                                  "the cache.")


def _load(path: Path, cache_dir: Optional[Path], no_cache: bool):
    from ..data.dataset import load_dataset

    return load_dataset(path, cache_dir=cache_dir, use_cache=not no_cache, progress=True)


@data_app.command("stats")
def stats(
    path: Path = PATH,
    split: Optional[str] = SPLIT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    cache_dir: Optional[Path] = CACHE_DIR,
    no_cache: bool = NO_CACHE,
) -> None:
    """Lines, forms, writers, points, characters, the alphabet, splits, and what was skipped."""
    from ..data.stats import dataset_stats

    figures = dataset_stats(_load(path, cache_dir, no_cache), split)
    if as_json:
        # Plain text, not print_json: its highlighter costs more to import than the rest of a
        # warm run, and scripts want no colour anyway.
        console.print(json.dumps(figures, ensure_ascii=False, indent=2), markup=False,
                      highlight=False, emoji=False, soft_wrap=True)
        return
    _print_stats(figures)


def _print_stats(f: dict) -> None:
    table = Table(title=f"dataset {f['location']}" + (f" — {f['split']}" if f["split"] else ""),
                  show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for key in ("lines", "forms", "writers", "strokes", "points", "characters"):
        value = f[key]
        table.add_row(key, "unknown" if value is None else f"{value:,}")
    for name, s in f["splits"].items():
        table.add_row(f"split {name}", f"{s['lines']:,} lines, {s['forms']:,} forms")
    table.add_row("cache", f["cache"]["status"] + (f" ({f['cache']['path']})"
                                                   if f["cache"]["path"] else ""))
    console.print(table)
    alphabet = "  ".join(f"{_show(c)} {n:,}" for c, n in f["alphabet"].items())
    console.print(f"alphabet ({len(f['alphabet'])} symbols): {alphabet}", markup=False)
    if f["skipped"]:
        console.print(f"skipped ({len(f['skipped'])}, {f['skipped_line_files']:,} line files "
                      "not in the dataset):", markup=False)
        for s in f["skipped"]:
            console.print(f"  {s['source']}: {s['reason']}", markup=False)
    else:
        console.print("skipped: nothing")


def _show(char: str) -> str:
    return repr(char) if not char.isprintable() or char.isspace() else char


@data_app.command("export")
def export(
    path: Path = PATH,
    out: Path = typer.Option(..., "-o", "--out", help="OUT.jsonl, OUT.inkml, or a folder."),
    split: Optional[str] = SPLIT,
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl, inkml or iam (default: "
                                                             "from OUT's suffix; jsonl)."),
    cache_dir: Optional[Path] = CACHE_DIR,
    no_cache: bool = NO_CACHE,
) -> None:
    """Write every line with its id, text and strokes as JSON lines, InkML or IAM line files."""
    from ..data.export import export_inks

    ds = _load(path, cache_dir, no_cache)
    inks = ds.select(split)
    written_as, target = export_inks(inks, out, fmt, name=(split or "lines").replace("+", "_"))
    console.print(f"wrote {len(inks):,} lines to {target} ({written_as})", markup=False)
