"""The one rich Console for output, one for errors, the reporter that shows plugins' messages
and progress bars on them, and the shared CLI state."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import Any

from rich.console import Console

from ..report import Progress, Reporter

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

LOG_MAX_BYTES = 100 * 1024 * 1024  # as the original tool kept: 100 MB per file ...
LOG_BACKUPS = 50                   # ... and 50 files
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

log = logging.getLogger("writesmooth")
# Until --log-file sets a handler, log records go nowhere: Python's last-resort handler would
# otherwise print every error a second time on stderr.
log.addHandler(logging.NullHandler())
log.propagate = False


class State:
    debug = False
    argv: list[str] = []  # the command line being run, for the log file


state = State()


def error_line(message: str) -> None:
    """Print one clear error line on stderr."""
    err_console.print("error: " + message, markup=False, soft_wrap=True, emoji=False,
                      style="red")
    log.error(message)


def warn(message: str) -> None:
    err_console.print("warning: " + message, markup=False, soft_wrap=True, emoji=False,
                      style="yellow")
    log.warning(message)


def setup_logging(log_file: Path | None, level: str) -> None:
    """A rotating log file at ``level`` (if asked for); the console only gets warnings."""
    log.setLevel(getattr(logging, level.upper()))
    for old in log.handlers[:]:  # an in-process rerun (tests) must not leak open log files
        log.removeHandler(old)
        old.close()
    log.propagate = False
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=LOG_MAX_BYTES,
                                                       backupCount=LOG_BACKUPS, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    else:
        log.addHandler(logging.NullHandler())


class ConsoleProgress(Progress):
    """A rich progress bar on the console; closing it leaves the finished bar on screen."""

    def __init__(self, total: float | None, description: str, completed: float,
                 fields: dict[str, str]) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        from rich.progress import Progress as RichProgress

        columns = [TextColumn("[bold]{task.description}"), BarColumn(bar_width=24),
                   MofNCompleteColumn()]
        columns += [TextColumn(f"{name} {{task.fields[{name}]}}") for name in fields]
        columns += [TimeElapsedColumn(), TimeRemainingColumn()]
        self._bar = RichProgress(*columns, console=console, transient=False)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total, completed=completed, **fields)

    def advance(self, n: float = 1, **fields: Any) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=n, **{k: str(v) for k, v in fields.items()})

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class ConsoleReporter(Reporter):
    """What ``writesmooth`` installs: messages on the console, warnings on stderr, rich bars;
    everything also goes to the log file."""

    def info(self, message: str) -> None:
        console.print(message, markup=False, highlight=False)
        log.info(message)

    def warn(self, message: str) -> None:
        warn(message)

    def progress(self, total: float | None, description: str, *, completed: float = 0,
                 fields: dict[str, str] | None = None) -> Progress:
        return ConsoleProgress(total, description, completed, dict(fields or {}))
