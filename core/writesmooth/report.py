"""How any part of writesmooth, a plugin included, tells the user something: messages, warnings
and progress bars.

Plugins call :func:`info`, :func:`warn` and :func:`progress` and never import the command line.
The ``writesmooth`` command installs a reporter that prints to the console (rich); used as a
library, messages go to the ``writesmooth`` logger and progress bars are silent, until a program
installs its own :class:`Reporter` with :func:`set_reporter`.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("writesmooth")


class Progress:
    """A progress bar of ``total`` units. ``advance`` moves it and updates its named fields
    (e.g. ``loss=...``); use it as a context manager so it is closed on errors too."""

    def advance(self, n: float = 1, **fields: Any) -> None:
        """Move ``n`` units on; ``fields`` replace the values shown beside the bar."""

    def close(self) -> None:
        """Stop drawing the bar (idempotent)."""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Reporter:
    """The silent reporter: messages to the log, no bars. Subclass it to show them elsewhere."""

    def info(self, message: str) -> None:
        log.info(message)

    def warn(self, message: str) -> None:
        log.warning(message)

    def progress(self, total: float | None, description: str, *, completed: float = 0,
                 fields: dict[str, str] | None = None) -> Progress:
        """A bar of ``total`` units (``None``: unknown), ``completed`` of them done already;
        ``fields`` names the values shown beside it, with their first text."""
        return Progress()


_reporter: Reporter = Reporter()


def set_reporter(reporter: Reporter) -> Reporter:
    """Install ``reporter`` for everything that reports from now on; returns the previous one."""
    global _reporter
    previous, _reporter = _reporter, reporter
    return previous


def get_reporter() -> Reporter:
    return _reporter


def info(message: str) -> None:
    """A message for the user (a line on the console under the command line)."""
    _reporter.info(message)


def warn(message: str) -> None:
    """A warning for the user: something worked, but not as asked (``warning: ...`` on stderr)."""
    _reporter.warn(message)


def progress(total: float | None, description: str, *, completed: float = 0,
             fields: dict[str, str] | None = None) -> Progress:
    """A progress bar; see :meth:`Reporter.progress`."""
    return _reporter.progress(total, description, completed=completed, fields=fields)
