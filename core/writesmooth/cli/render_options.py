"""``--render-option KEY=VALUE``: the settings a renderer declares (``Renderer.options``, a
dataclass of :func:`writesmooth.option` fields), such as a plotter's pen-up commands and feed
rate, given on the command line and checked against the declaration."""
from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path
from typing import Any, Optional

import typer

from ..errors import WritesmoothError
from ..plugins import get_toolkit
from .model_options import field_type

RENDER_OPTION = typer.Option(
    None, "--render-option", "-R", metavar="KEY=VALUE",
    help="A setting of the output's renderer, e.g. -R pen=servo -R feed=1500 for G-code "
         "(docs/outputs.md lists them); repeatable.")
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def declared(renderer: type) -> list[dataclasses.Field]:
    decl = getattr(renderer, "options", None)
    if decl is None:
        return []
    if not dataclasses.is_dataclass(decl):
        raise WritesmoothError(f"renderer '{renderer.name}': options must be a dataclass")
    return list(dataclasses.fields(decl))


def _value(f: dataclasses.Field, kind: Any, text: str) -> Any:
    where = f"-R {f.name}"
    kind = field_type(kind) or str
    try:
        if kind is bool:
            if text.lower() not in TRUE | FALSE:
                raise ValueError
            value: Any = text.lower() in TRUE
        elif kind in (int, float):
            value = kind(text)
            if not math.isfinite(value):
                raise ValueError
        elif kind is Path:
            value = Path(text)
        else:
            value = text
    except ValueError:
        name = getattr(kind, "__name__", str(kind))
        raise WritesmoothError(f"{where}: expected a {name}, got '{text}'") from None
    low = f.metadata.get("min")
    if low is not None and value < low:
        raise WritesmoothError(f"{where}: must be {low:g} or more, got {text}")
    choices = f.metadata.get("choices")
    if choices and value not in choices:
        raise WritesmoothError(f"{where}: must be one of {', '.join(choices)}, got '{text}'")
    return value


def build(out: Path, given: Optional[list[str]]) -> Any:
    """The options of ``out``'s renderer filled from ``KEY=VALUE`` strings (the rest keep
    their defaults); ``None`` when the renderer declares none and none were given."""
    tk = get_toolkit()
    suffix = out.suffix.lower()
    renderer = tk.renderers[suffix].obj if suffix in tk.renderers else None
    fields = declared(renderer) if renderer is not None else []
    if not given:
        return renderer.options() if fields else None
    what = f"the {suffix} renderer" if renderer is not None else f"output {out.name}"
    if not fields:
        raise WritesmoothError(f"--render-option: {what} takes no settings")
    by_name = {f.name.replace("_", "-"): f for f in fields}
    hints = typing.get_type_hints(renderer.options)
    values: dict[str, Any] = {}
    for item in given:
        key, sep, text = item.partition("=")
        f = by_name.get(key.strip().replace("_", "-"))
        if not sep or f is None:
            known = ", ".join(sorted(by_name))
            raise WritesmoothError(f"--render-option {item!r}: {what} takes KEY=VALUE with KEY "
                                   f"one of {known}")
        values[f.name] = _value(f, hints.get(f.name, str), text.strip())
    try:
        return renderer.options(**values)
    except (TypeError, ValueError) as exc:
        raise WritesmoothError(f"--render-option: {exc}") from None
