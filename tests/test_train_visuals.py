"""The training figures: plots drawn with matplotlib into PNG, and the listener's switches."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from test_render import png_size

from writesmooth import (BatchEnd, EpochEnd, FigureOptions, TrainEnd, TrainEvents, TrainHistory,
                         TrainOptions, TrainRun, WritesmoothError, report)
from writesmooth.visuals import plugin
from writesmooth.visuals.plots import attention_plot, line_plot, moving_average


def test_moving_average_is_a_trailing_mean():
    assert np.allclose(moving_average(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1, 2, 4, 6])


def test_line_plot_and_heatmap_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    steps = np.arange(1, 5001)
    loss = 3 * np.exp(-steps / 800) + np.random.default_rng(0).normal(0, 0.2, steps.size)
    loss[3] = np.nan  # a skipped value is left out, not drawn
    path = line_plot(tmp_path / "loss.png", [("batch", steps, loss)], title="t", xlabel="step",
                     ylabel="nats", clip_quantile=0.98)
    assert png_size(path) == (800, 450)
    phi = np.random.default_rng(1).random((300, 12))
    window = np.random.default_rng(2).random((300, 20))
    path = attention_plot(tmp_path / "att.png", phi, window, "hello world!", "abcdefghijklmnopqrs",
                          title="attention")
    width, height = png_size(path)
    assert width > 600 and height > 12 * 12 + 20 * 9


def test_plots_without_matplotlib_are_one_clear_error(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    with pytest.raises(WritesmoothError) as info:
        line_plot(tmp_path / "loss.png", [("batch", [1, 2], [3, 2])], title="t", xlabel="step",
                  ylabel="nats")
    assert str(info.value) == "training plots need matplotlib: pip install 'writesmooth[plots]'"
    with pytest.raises(WritesmoothError, match=r"^training plots need matplotlib"):
        attention_plot(tmp_path / "att.png", np.ones((3, 2)), np.ones((3, 4)), "ab", "abc",
                       title="t")
    assert not list(tmp_path.iterdir())


def test_a_run_without_figure_options_draws_nothing(tmp_path):
    run = TrainRun(model_name="m", out=tmp_path, options=TrainOptions(out=tmp_path))
    plugin.on_train_start(run)
    assert run.want_attention is False
    plugin.on_batch_end(run, BatchEnd(step=1, epoch=1, loss=1.0))
    plugin.on_epoch_end(run, EpochEnd(epoch=1, step=1, train_loss=1.0))
    result = TrainEnd(weights=None, checkpoint=None)
    plugin.on_train_end(run, result)
    assert list(Path(tmp_path).iterdir()) == [] and result.figures == []


def test_attention_is_asked_for_only_when_a_heatmap_is_due(tmp_path):
    opts = TrainOptions(out=tmp_path, figures=FigureOptions(attention_every=3))
    run = TrainRun(model_name="m", out=tmp_path, options=opts)
    plugin.on_train_start(run)
    asked = []
    for step in range(1, 8):
        asked.append(run.want_attention)
        plugin.on_batch_end(run, BatchEnd(step=step, epoch=1, loss=1.0))
    assert asked == [False, False, True, False, False, True, False]


def test_any_trainer_that_fires_the_events_gets_loss_plots(tmp_path):
    """The core fires the events and keeps the history; the plots need nothing else from the
    trainer (here one that reports in nats per character, as the reader does)."""
    pytest.importorskip("matplotlib")
    figures = FigureOptions(plots=tmp_path / "plots")
    run = TrainRun(model_name="reader-like", out=tmp_path,
                   options=TrainOptions(out=tmp_path, figures=figures),
                   loss_unit="nats per character")
    events = TrainEvents(run)
    events.start()
    for step in range(1, 41):
        events.batch_end(BatchEnd(step=step, epoch=1 + (step - 1) // 20, loss=3.0 / step))
        if step % 20 == 0:
            events.epoch_end(EpochEnd(epoch=step // 20, step=step, train_loss=1.0 / step,
                                      val_loss=1.2 / step, best=True))
    result = TrainEnd(weights=None, checkpoint=None, steps=40)
    events.end(result)
    assert run.history.batch_step == list(range(1, 41)) and len(run.history.epochs) == 2
    assert sorted(p.name for p in result.figures) == ["epochs.png", "loss.png"]
    for path in result.figures:
        assert png_size(path)[0] >= 400
    again = TrainHistory.from_dict(run.history.to_dict())  # what a checkpoint keeps
    assert again == run.history


def test_a_failing_listener_is_reported_once_and_training_goes_on(tmp_path, capsys):
    from writesmooth import hookimpl
    from writesmooth.plugins import get_toolkit

    class Broken:
        @hookimpl
        def on_batch_end(self, run, batch):
            raise RuntimeError("listener bug")

    tk = get_toolkit()
    name = tk.register_plugin(Broken(), "broken-listener")
    try:
        run = TrainRun(model_name="m", out=tmp_path, options=TrainOptions(out=tmp_path))
        events = TrainEvents(run)
        warned = []
        previous = report.set_reporter(type("R", (report.Reporter,), {
            "warn": lambda self, message: warned.append(message)})())
        try:
            for step in (1, 2, 3):
                events.batch_end(BatchEnd(step=step, epoch=1, loss=1.0))
        finally:
            report.set_reporter(previous)
        assert warned == ["a training listener failed in on_batch_end (RuntimeError: listener "
                          "bug); training goes on"]
        assert run.history.batch_step == [1, 2, 3]
    finally:
        tk.unregister_plugin(name)
