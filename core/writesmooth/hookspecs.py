"""Every hook a writesmooth plugin can implement. Bodies are docstrings only.

A plugin is a module (named by an entry point in the group ``writesmooth``) that defines some
of these functions decorated with :data:`writesmooth.hookimpl`. The ``register_*`` hooks receive
a ``register`` callback; the core owns the registries and refuses duplicate names.
"""
from __future__ import annotations

import pluggy

PROJECT = "writesmooth"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_models(register):
    """Register model classes: call ``register(cls)`` for each subclass of :class:`writesmooth.Model`.

    A model's ``name`` must be unique across all plugins; its ``capabilities`` say which of
    ``train``, ``write``, ``smooth`` and ``evaluate`` it supports.
    """


@hookspec
def register_datasets(register):
    """Register ink formats and dataset layouts: call ``register(cls)`` for each subclass of
    :class:`writesmooth.InkFormat` (a reader/writer of single handwriting files, chosen by suffix
    or by sniffing) or :class:`writesmooth.DatasetLayout` (a whole database on disk).
    """


@hookspec
def register_renderers(register):
    """Register renderers: call ``register(cls)`` for each subclass of :class:`writesmooth.Renderer`.

    A renderer is chosen by the output file's suffix; each suffix may be claimed by one renderer.
    """


@hookspec
def register_commands(app):
    """Add commands to the ``writesmooth`` CLI: ``app`` is a :class:`typer.Typer` whose commands
    and sub-apps become part of the root command.

    Use ``app.command()`` or ``app.add_typer()``; a name already taken is an error naming both
    plugins.
    """


@hookspec
def on_train_start(run):
    """Training is about to begin. ``run`` is a :class:`writesmooth.TrainRun`: the model name,
    the output folder, the options, and ``run.write(texts)`` for drawing samples mid-training.
    """


@hookspec
def on_batch_end(run, batch):
    """A training batch finished. ``batch`` is a dict with at least ``step``, ``epoch``, ``loss``
    (nats per point), ``points`` and ``seconds``; models with attention add ``attention``
    (a dict with ``phi`` of shape (T, U), ``window`` of shape (T, V) and ``text``) when a listener
    asked for it through ``run.want_attention``.
    """


@hookspec
def on_epoch_end(run, epoch):
    """An epoch finished. ``epoch`` is a dict with ``epoch``, ``train_loss``, ``val_loss``
    (nats per sequence, or ``None``) and ``best`` (whether this epoch is the best so far)."""


@hookspec
def on_train_end(run, result):
    """Training ended. ``result`` is a dict with ``weights`` (path of the best weights),
    ``checkpoint`` (path of the last checkpoint) and the final figures."""
