"""Entry point of the ``writesmooth`` script: runs the app, turns expected errors into one line."""
from __future__ import annotations

import os
import sys
import traceback

import click
import typer

from ..errors import WritesmoothError
from .console import error_line, log, state


def _debugging(argv: list[str]) -> bool:
    return state.debug or "--debug" in argv or os.environ.get("WRITESMOOTH_DEBUG") == "1"


def run(argv: list[str] | None = None, *, prog_name: str = "writesmooth") -> int:
    """Run the CLI with ``argv`` and return the exit code (never raises for expected errors)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    state.debug = False
    state.argv = argv
    try:
        from .app import build_app

        command = typer.main.get_command(build_app())
        result = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        error_line("aborted")
        return 130
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except WritesmoothError as exc:
        if _debugging(argv):
            traceback.print_exc()
        log.debug("traceback of the error below", exc_info=True)
        error_line(" ".join(str(exc).split()))  # one line, whatever the message holds
        return exc.exit_code
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        if _debugging(argv):
            traceback.print_exc()
        error_line(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return 2


def main() -> None:
    sys.exit(run())
