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
