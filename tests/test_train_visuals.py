"""The training figures: plots drawn with numpy into PNG, and the listener's switches."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from writesmooth import TrainOptions, TrainRun
from writesmooth.render.raster import read_png_size
from writesmooth.visuals import plugin
from writesmooth.visuals.plots import attention_plot, line_plot, moving_average, nice_ticks


def test_ticks_are_round_and_cover_the_range():
    assert np.allclose(nice_ticks(0.13, 0.92), [0.2, 0.4, 0.6, 0.8])
    assert nice_ticks(1, 2, 8, integer=True) == [1, 2]
    assert nice_ticks(0, 20000, 8)[-1] == 20000


def test_moving_average_is_a_trailing_mean():
    assert np.allclose(moving_average(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1, 2, 4, 6])


def test_line_plot_and_heatmap_write_pngs(tmp_path):
    steps = np.arange(1, 5001)
    loss = 3 * np.exp(-steps / 800) + np.random.default_rng(0).normal(0, 0.2, steps.size)
    loss[3] = np.nan  # a skipped value is left out, not drawn
    path = line_plot(tmp_path / "loss.png", [("batch", steps, loss)], title="t", xlabel="step",
                     ylabel="nats", clip_quantile=0.98)
    assert read_png_size(path) == (800, 450)
    phi = np.random.default_rng(1).random((300, 12))
    window = np.random.default_rng(2).random((300, 20))
    path = attention_plot(tmp_path / "att.png", phi, window, "hello world!", "abcdefghijklmnopqrs",
                          title="attention")
    width, height = read_png_size(path)
    assert width > 600 and height > 12 * 12 + 20 * 9


def test_a_run_without_figure_options_draws_nothing(tmp_path):
    run = TrainRun(model_name="m", out=tmp_path, options=TrainOptions(out=tmp_path))
    plugin.on_train_start(run)
    assert run.want_attention is False
    plugin.on_batch_end(run, {"step": 1, "loss": 1.0, "inks": []})
    plugin.on_epoch_end(run, {"epoch": 1, "step": 1, "train_loss": 1.0})
    result: dict = {}
    plugin.on_train_end(run, result)
    assert list(Path(tmp_path).iterdir()) == [] and result == {}
    assert run.state["history"]["batch_loss"] == [1.0]  # collected for any trainer


def test_attention_is_asked_for_only_when_a_heatmap_is_due(tmp_path):
    opts = TrainOptions(out=tmp_path, extra={"attention_every": 3})
    run = TrainRun(model_name="m", out=tmp_path, options=opts)
    plugin.on_train_start(run)
    asked = []
    for step in range(1, 8):
        asked.append(run.want_attention)
        plugin.on_batch_end(run, {"step": step, "loss": 1.0})
    assert asked == [False, False, True, False, False, True, False]
