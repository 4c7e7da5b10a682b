"""The typer application: global options, the core's commands, and plugin commands."""
from __future__ import annotations

import importlib
import shlex
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .. import __version__
from .console import LOG_LEVELS, console, log, setup_logging, state

# (module under writesmooth.cli, attribute, command name); a typer sub-app when the
# attribute is a Typer. One module per command keeps each small. write, smooth and train also
# get a flag for every option a registered model declares for them (model_options.py).
CORE_COMMANDS = [
    ("plugins", "plugins", "plugins"),
    ("models", "models", "models"),
    ("render", "render", "render"),
    ("data", "data_app", "data"),
    ("train", "train", "train"),
    ("evaluate", "evaluate", "evaluate"),
    ("compare", "compare", "compare"),
    ("write", "write", "write"),
    ("smooth", "smooth", "smooth"),
    ("read", "read", "read"),
    ("style", "style_app", "style"),
]

LogLevel = Enum("LogLevel", {lvl: lvl for lvl in LOG_LEVELS}, type=str)  # type: ignore[misc]


def _version(value: bool) -> None:
    if value:
        console.print(f"writesmooth {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    log_file: Optional[Path] = typer.Option(
        None, "--log-file", help="Also log to this rotating file (100 MB per file, 50 files)."),
    log_level: LogLevel = typer.Option("info", "--log-level", case_sensitive=False,
                                       help="Level of the log file."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    """writesmooth: realistic handwriting from text, and neater versions of your own."""
    state.debug = debug
    setup_logging(log_file, log_level.value)
    log.info("writesmooth %s: %s", __version__, shlex.join(state.argv))


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="writesmooth", add_completion=False, no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False, rich_markup_mode="rich")
    app.callback()(_root)
    from .model_options import COMMANDS, with_model_options

    for module, attr, name in CORE_COMMANDS:
        obj = getattr(importlib.import_module(f"writesmooth.cli.{module}"), attr)
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=name)
        elif name in COMMANDS:
            app.command(name)(with_model_options(name, obj))
        else:
            app.command(name)(obj)
    _add_plugin_commands(app)
    return app


def command_names(app: typer.Typer) -> set[str]:
    """Top-level command names as typer will show them (it turns ``_`` into ``-``)."""
    names = {c.name or c.callback.__name__.lower().replace("_", "-")
             for c in app.registered_commands}
    names |= {g.name or g.typer_instance.info.name for g in app.registered_groups}
    return {n for n in names if n}


def _add_plugin_commands(app: typer.Typer) -> None:
    from ..errors import PluginError
    from ..plugins import get_toolkit

    tk = get_toolkit()
    owners = {name: "writesmooth" for name in command_names(app)}
    # Each plugin adds to a Typer of its own, so a clash can be named before anything merges.
    for impl in tk.pm.hook.register_commands.get_hookimpls():  # registration order
        sub = typer.Typer()
        try:
            impl.function(app=sub)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin '{impl.plugin_name}' failed in register_commands: "
                              f"{type(exc).__name__}: {exc}") from exc
        for name in sorted(command_names(sub)):
            if name in owners:
                raise PluginError(f"command '{name}' is registered by both '{owners[name]}' "
                                  f"and plugin '{impl.plugin_name}'")
            owners[name] = impl.plugin_name
        app.registered_commands.extend(sub.registered_commands)
        app.registered_groups.extend(sub.registered_groups)
