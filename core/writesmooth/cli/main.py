"""Entry point of the ``writesmooth`` script: runs the app, turns expected errors into one line."""
from __future__ import annotations

import os
import sys
import traceback

import typer

from ..errors import WritesmoothError
from ..report import set_reporter
from .console import ConsoleReporter, error_line, log, state


def _debugging(argv: list[str]) -> bool:
    return state.debug or "--debug" in argv or os.environ.get("WRITESMOOTH_DEBUG") == "1"


def _report(exc: BaseException, message: str, argv: list[str]) -> None:
    if _debugging(argv):
        traceback.print_exc()
    log.debug("traceback of the error below", exc_info=exc)
    error_line(" ".join(message.split()))  # one line, whatever the message holds


def run(argv: list[str] | None = None, *, prog_name: str = "writesmooth") -> int:
    """Run the CLI with ``argv`` and return the exit code (never raises for expected errors)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    state.debug = False
    state.argv = argv
    previous = set_reporter(ConsoleReporter())
    try:
        from .app import build_app

        command = typer.main.get_command(build_app())
        # Standalone mode lets typer report usage errors, --help, --version and Ctrl-C itself,
        # ending in SystemExit; nothing here needs click's exception classes, which newer typer
        # releases vendor under a private name (click itself may not even be installed).
        command.main(args=argv, prog_name=prog_name, standalone_mode=True)
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except WritesmoothError as exc:
        _report(exc, str(exc), argv)
        return exc.exit_code
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        _report(exc, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), argv)
        return 2
    finally:
        set_reporter(previous)


def main() -> None:
    sys.exit(run())
