"""``writesmooth models``: registered models, their plugin, capabilities and bundled weights."""
from __future__ import annotations

import json

import typer
from rich.table import Table

from ..api import CAPABILITIES
from ..plugins import get_toolkit
from .console import console


def model_rows() -> list[dict]:
    tk = get_toolkit()
    rows = []
    for name, entry in sorted(tk.models.items()):
        cls = entry.obj
        weights = cls.default_weights()
        rows.append({
            "name": name,
            "plugin": entry.plugin,
            "distribution": tk.infos[entry.plugin].distribution if entry.plugin in tk.infos else None,
            "capabilities": [c for c in CAPABILITIES if c in cls.capabilities],
            "bundled_weights": weights is not None,
            "weights": str(weights) if weights is not None else None,
            "description": cls.description,
        })
    return rows


def models(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """List the registered models: plugin, capabilities, and whether default weights are bundled."""
    rows = model_rows()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title="writesmooth models")
    for col in ("model", "plugin", *CAPABILITIES, "bundled weights", "description"):
        table.add_column(col)
    for r in rows:
        marks = ["yes" if c in r["capabilities"] else "-" for c in CAPABILITIES]
        table.add_row(r["name"], r["plugin"], *marks, "yes" if r["bundled_weights"] else "no",
                      r["description"])
    console.print(table)
