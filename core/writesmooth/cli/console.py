"""The one rich Console for output, one for errors, and the shared CLI state."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from rich.console import Console

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
