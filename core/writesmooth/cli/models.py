"""``writesmooth models``: registered models, their plugin, capabilities and bundled weights."""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich import box
from rich.table import Table

from ..api import CAPABILITIES
from ..plugins import get_toolkit
from .console import console


def model_rows() -> list[dict]:
    """One dict per registered model; never imports the model's heavy modules (torch)."""
    tk = get_toolkit()
    rows = []
    for name, entry in sorted(tk.models.items()):
        cls = entry.obj
        weights = cls.default_weights()
        info = tk.infos.get(entry.plugin)
        rows.append({
            "name": name,
            "plugin": entry.plugin,
            "distribution": info.distribution if info else None,
            "capabilities": [c for c in CAPABILITIES if c in cls.capabilities],
            "bundled_weights": weights is not None,
            "weights": str(weights) if weights is not None else None,
            "description": cls.description,
        })
    return rows


def models(
    name: Optional[str] = typer.Argument(None, help="Show only this model (exit 2 if unknown)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List the registered models: plugin, capabilities, and whether default weights are bundled."""
    if name is not None:
        get_toolkit().model(name)  # an unknown name is one clear error listing the known ones
    rows = [r for r in model_rows() if name is None or r["name"] == name]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    # A light box and wrapping columns keep it readable in an 80-column terminal.
    table = Table(title="writesmooth models", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("model", no_wrap=True)
    table.add_column("plugin", no_wrap=True)
    table.add_column("capabilities", min_width=8)
    table.add_column("weights", no_wrap=True)
    table.add_column("description", ratio=1, overflow="fold")
    for r in rows:
        table.add_row(r["name"], r["plugin"], " ".join(r["capabilities"]) or "none",
                      "bundled" if r["bundled_weights"] else "none", r["description"])
    console.print(table)
