"""``writesmooth plugins``: each loaded plugin, its distribution version and hooks."""
from __future__ import annotations

import json

import typer
from rich import box
from rich.table import Table

from ..plugins import get_toolkit
from .console import console


def plugins(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """List the loaded plugins: name, distribution and version, and the hooks each implements."""
    tk = get_toolkit()
    rows = [
        {"name": i.name, "module": i.module, "distribution": i.distribution,
         "version": i.version, "hooks": i.hooks, "error": i.error}
        for i in sorted(tk.infos.values(), key=lambda i: i.name)
    ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title="writesmooth plugins", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("plugin", "distribution", "version"):
        table.add_column(col, no_wrap=True)
    table.add_column("hooks", min_width=16)
    for r in rows:
        hooks = ", ".join(r["hooks"]) if not r["error"] else f"[red]failed: {r['error']}[/]"
        table.add_row(r["name"], r["distribution"] or "-", r["version"] or "-", hooks)
    console.print(table)
