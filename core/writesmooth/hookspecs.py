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
def register_styles(register):
    """Register preset handwriting styles: call ``register(path)`` for each style file (the
    format ``writesmooth style export`` writes) the plugin ships. They are listed by
    ``writesmooth style list`` and used by name (``write --style NAME``); a file that cannot be
    read is reported and left out. A preset's name must be unique across all plugins.
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
    the output folder, the options (``run.options.figures`` says what to draw), the unit of
    its losses (``run.loss_unit``), what it has done so far (``run.history``, when resumed),
    and ``run.write(texts)`` for drawing samples mid-training where the model can write.
    Fired by the core (:class:`writesmooth.TrainEvents`) for every trainer.
    """


@hookspec
def on_batch_end(run, batch):
    """An optimizer step finished. ``batch`` is a :class:`writesmooth.BatchEnd`: ``step``,
    ``epoch``, ``loss`` (in ``run.loss_unit``), ``points``, ``seconds``, ``lr``, ``inks`` (the
    batch's lines), and ``attention`` (a :class:`writesmooth.Attention`: ``phi`` (T, U),
    ``window`` (T, V), ``text``) when a listener asked for it by setting
    ``run.want_attention`` and the model has an attention window.
    """


@hookspec
def on_epoch_end(run, epoch):
    """An epoch finished. ``epoch`` is a :class:`writesmooth.EpochEnd`: ``epoch``, ``step``,
    ``train_loss`` and ``val_loss`` (in ``run.loss_unit``; ``None`` without validation),
    ``best`` (these weights were kept as the best so far) and ``metrics`` (other figures, e.g.
    ``val_nats_per_sequence`` or ``val_cer``)."""


@hookspec
def on_train_end(run, result):
    """Training ended. ``result`` is a :class:`writesmooth.TrainEnd`: ``weights`` (the best
    weights), ``checkpoint`` (the last checkpoint), ``steps``, ``best_epoch``, ``metrics``; a
    listener appends the paths of the figures it drew to ``result.figures``."""
