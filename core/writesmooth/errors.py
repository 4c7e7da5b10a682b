"""Errors that the CLI turns into one clear line and exit code 2."""
from __future__ import annotations


class WritesmoothError(Exception):
    """An expected failure caused by the user's input (bad file, unknown name, ...).

    The CLI prints ``str(error)`` on one line of stderr and exits with ``exit_code``;
    a traceback is shown only with ``--debug``.
    """

    exit_code = 2


class InkFormatError(WritesmoothError):
    """A handwriting file cannot be read: malformed, hostile, empty or of unknown format."""


class PluginError(WritesmoothError):
    """A plugin cannot be loaded or registers something that clashes."""


class NotImplementedCapability(WritesmoothError):
    """A model was asked for something it does not declare (train, write, smooth, evaluate)."""


def first_line(exc: BaseException, limit: int = 160) -> str:
    """The first non-blank line of an exception's message (its type name when the message is
    empty), cut to ``limit`` characters: what a one-line error can quote of a library failure."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
