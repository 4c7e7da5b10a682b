"""``writesmooth plugins``: each loaded plugin, its distribution, hooks, and what it provides."""
from __future__ import annotations

import json

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from ..errors import PluginError
from ..plugins import REGISTRIES, Toolkit, get_toolkit
from .console import console, warn

REGISTRY_HOOKS = {spec.hook for spec in REGISTRIES.values()}


def provided(tk: Toolkit) -> dict[str, dict[str, list[str]]]:
    """``{plugin: {"models": [...], "renderers": [".svg", ...], "formats": [...]}}``.

    This is the diagnostic command, so a clash between plugins is reported as a warning and the
    listing still shows everything else.
    """
    out: dict[str, dict[str, list[str]]] = {name: {} for name in tk.infos}
    for kind in REGISTRIES:
        try:
            entries = getattr(tk, kind)
        except PluginError as exc:
            warn(str(exc))
            continue
        for key, entry in sorted(entries.items()):
            out.setdefault(entry.plugin, {}).setdefault(kind, []).append(key)
    return out


def plugins(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """List the loaded plugins: distribution and version, hooks, and the models, renderers and
    formats each provides."""
    tk = get_toolkit()
    provides = provided(tk)
    rows = [
        {"name": i.name, "module": i.module, "distribution": i.distribution,
         "version": i.version, "hooks": i.hooks, "provides": provides.get(i.name, {}),
         "error": i.error}
        for i in sorted(tk.infos.values(), key=lambda i: i.name)
    ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title="writesmooth plugins", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("plugin", "distribution", "version"):
        table.add_column(col, no_wrap=True)
    table.add_column("provides", min_width=16)
    for r in rows:
        if r["error"]:
            what = f"[red]failed: {escape(r['error'])}[/]"
        else:
            parts = [f"{kind} {' '.join(keys)}" for kind, keys in r["provides"].items()]
            # commands and training listeners have no registry: name their hooks instead
            parts += [h for h in r["hooks"] if h not in REGISTRY_HOOKS]
            what = escape("; ".join(parts) or "-")
        table.add_row(r["name"], r["distribution"] or "-", r["version"] or "-", what)
    console.print(table)
