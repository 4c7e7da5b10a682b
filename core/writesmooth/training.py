"""The one place that fires the training events.

Every trainer (a model's ``train``) creates a :class:`TrainEvents` for its run and calls it at the
start, after each batch, after each epoch and at the end; the core then calls the
``on_train_start``, ``on_batch_end``, ``on_epoch_end`` and ``on_train_end`` hooks of every
plugin with the typed payloads of :mod:`writesmooth.events`. The loss plots, attention heatmaps
and mid-training samples are such listeners (``writesmooth.visuals``), so they work for every
trainer. A listener that fails is reported once and ignored: a plot that cannot be drawn must
not end a long run.
"""
from __future__ import annotations

from typing import Any

from . import report
from .events import BatchEnd, EpochEnd, TrainEnd, TrainRun
from .plugins import get_toolkit


class TrainEvents:
    """Fires the training events of one run to every plugin's listeners, and keeps
    ``run.history``. ``active=False`` (the other processes of a distributed run) fires
    nothing."""

    def __init__(self, run: "TrainRun", *, active: bool = True) -> None:
        self.run = run
        self.active = active
        self._failed: set[str] = set()

    def _fire(self, name: str, **payload: Any) -> None:
        if not self.active:
            return
        try:
            getattr(get_toolkit().pm.hook, name)(run=self.run, **payload)
        except Exception as exc:  # noqa: BLE001 - any listener's bug
            if name not in self._failed:
                self._failed.add(name)
                report.warn(f"a training listener failed in {name} ({type(exc).__name__}: "
                            f"{exc}); training goes on")

    def start(self) -> None:
        self._fire("on_train_start")

    def batch_end(self, batch: BatchEnd) -> None:
        self.run.history.batch_step.append(int(batch.step))
        self.run.history.batch_loss.append(float(batch.loss))
        self._fire("on_batch_end", batch=batch)

    def epoch_end(self, epoch: EpochEnd) -> None:
        self.run.history.epochs.append(epoch)
        self._fire("on_epoch_end", epoch=epoch)

    def end(self, result: TrainEnd) -> None:
        self._fire("on_train_end", result=result)
