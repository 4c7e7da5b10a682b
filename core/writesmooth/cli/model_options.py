"""Flags from the options models declare (``Model.write_options`` and its siblings).

A model declares the extra options a command takes as a dataclass whose fields are made with
:func:`writesmooth.option`; each field becomes a flag of that command (``candidates`` ->
``--candidates``), its help text prefixed with the models that take it. At run time the values
given are checked against the chosen model's declaration and passed to it as one instance.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from ..errors import WritesmoothError
from ..plugins import get_toolkit
from ..report import warn

COMMANDS = {"write": "write_options", "smooth": "smooth_options", "train": "train_options"}
TYPES = (bool, int, float, str, Path)
PREFIX = "model_opt_"  # parameter names of the generated flags: never clash with a command's own


@dataclass
class Flag:
    field: str                # the dataclass field
    type: type                # bool, int, float, str or Path
    help: str
    models: list[str]         # the models that declare it
    min: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.field.replace("_", "-")


def declaration(cls: type, command: str) -> type | None:
    """The model's option declaration for ``command``; ``None`` for a command that takes no
    model options (``read``) or a model that declares none."""
    if command not in COMMANDS:
        return None
    decl = getattr(cls, COMMANDS[command], None)
    if decl is not None and not dataclasses.is_dataclass(decl):
        raise WritesmoothError(f"model '{cls.name}': {COMMANDS[command]} must be a dataclass")
    return decl


def field_type(hint: Any) -> type | None:
    """``hint`` as one of :data:`TYPES` (``Optional[X]`` and ``X | None`` as ``X``), else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else None
    return hint if hint in TYPES else None


def flags(command: str, taken: set[str]) -> list[Flag]:
    """Every option any registered model declares for ``command``, merged by field name. A
    field whose flag the command already has, or whose type is not a plain one, is skipped
    with a warning naming the model: one plugin's slip must not take the command down."""
    merged: dict[str, Flag] = {}
    for name, entry in sorted(get_toolkit().models.items()):
        if command not in entry.obj.capabilities:
            continue
        try:
            decl = declaration(entry.obj, command)
        except WritesmoothError as exc:
            warn(str(exc))
            continue
        if decl is None:
            continue
        hints = typing.get_type_hints(decl)
        for f in dataclasses.fields(decl):
            kind = field_type(hints.get(f.name, str))
            flag = "--" + f.name.replace("_", "-")
            if kind is None or flag in taken:
                why = "its type is not bool, int, float, str or Path" if kind is None else \
                    f"{command} has a {flag} of its own"
                warn(f"model '{name}': option '{f.name}' of {command} is left out ({why})")
                continue
            if f.name in merged:
                if merged[f.name].type is not kind:
                    warn(f"model '{name}': option '{f.name}' of {command} is a {kind.__name__}, "
                         f"but model '{merged[f.name].models[0]}' declares it as a "
                         f"{merged[f.name].type.__name__}; left out for '{name}'")
                    continue
                merged[f.name].models.append(name)
                continue
            meta = f.metadata
            merged[f.name] = Flag(f.name, kind, str(meta.get("help", "")), [name],
                                  meta.get("min"), meta.get("choices"))
    return list(merged.values())


def _parameter(flag: Flag) -> inspect.Parameter:
    help_text = f"({', '.join(flag.models)}) {flag.help}"
    if flag.choices:
        help_text += f" One of: {', '.join(flag.choices)}."
    if flag.type is bool:
        names = (f"{flag.flag}/--no-{flag.flag[2:]}",)
        option = typer.Option(None, *names, help=help_text, show_default=False)
    else:
        option = typer.Option(None, flag.flag, help=help_text, min=flag.min, show_default=False)
    return inspect.Parameter(PREFIX + flag.field, inspect.Parameter.KEYWORD_ONLY, default=option,
                             annotation=Optional[flag.type])


def with_model_options(command: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a command taking ``model_options: dict``) with a flag for every declared
    option; the wrapper collects the values given into ``model_options``."""
    params = [p for p in inspect.Signature.from_callable(func, eval_str=True).parameters.values()
              if p.name != "model_options"]
    taken = set()
    for p in params:
        default = p.default
        taken.update(getattr(default, "param_decls", None) or [f"--{p.name.replace('_', '-')}"])
    taken.update({"--help", "-h"})
    declared = flags(command, taken)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        given = {f.field: kwargs.pop(PREFIX + f.field) for f in declared}
        return func(**kwargs, model_options={k: v for k, v in given.items() if v is not None})

    params += [_parameter(f) for f in declared]
    # typer reads the signature and the type hints: both the generated ones, not the original's
    del wrapper.__wrapped__
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper


def build(cls: type, command: str, given: dict[str, Any]) -> Any:
    """The chosen model's declared options for ``command`` filled with ``given`` (flags left out
    keep the model's defaults), or ``None`` when it declares none; one clear error for an
    option the model does not take or a value it refuses."""
    decl = declaration(cls, command)
    fields = {f.name: f for f in dataclasses.fields(decl)} if decl is not None else {}
    for name in given:
        if name not in fields:
            flag = "--" + name.replace("_", "-")
            takes = ", ".join("--" + n.replace("_", "-") for n in fields) or "no extra option"
            raise WritesmoothError(f"model '{cls.name}' does not take {flag} (its {command} "
                                   f"takes {takes})")
        choices = fields[name].metadata.get("choices")
        if choices and given[name] not in choices:
            raise WritesmoothError(f"--{name.replace('_', '-')} must be one of "
                                   f"{', '.join(choices)}, got '{given[name]}'")
    if decl is None:
        return None
    try:
        return decl(**given)
    except (TypeError, ValueError) as exc:
        raise WritesmoothError(f"model '{cls.name}': {exc}") from None
