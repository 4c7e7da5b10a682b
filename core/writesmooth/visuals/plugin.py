"""Training visuals, as listeners of the training events (registered through the core's entry
point ``visuals`` like any plugin): loss plots, attention heatmaps, samples written mid-training,
test samples at the end, the training lines as they are used, and ``--show``. They work for every
trainer that fires the events (:class:`writesmooth.TrainEvents`).

Every figure is switched by ``TrainOptions.figures`` (the ``train`` command fills it from its
flags); all are off by default, so a trainer used from Python draws nothing unless asked. When a
figure is off its listener returns after an attribute lookup, so it costs training nothing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import report
from ..api import FigureOptions
from ..errors import first_line
from ..hookspecs import hookimpl

DEFAULT_SAMPLE_TEXTS = ["a quick brown fox jumps over the lazy dog"]
SMOOTHING = 50  # batches in the moving average of the loss plot


@dataclass
class Settings:
    """The run's :class:`FigureOptions` with every folder filled in, and what was reported."""

    figures: FigureOptions
    warned: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, run) -> "Settings":
        f = replace(run.options.figures)
        out = Path(run.out)
        f.attention_dir = Path(f.attention_dir or out / "attention")
        f.samples_dir = Path(f.samples_dir or out / "samples")
        f.lines_dir = Path(f.lines_dir or out / "lines")
        return cls(f)


def _settings(run) -> Settings | None:
    return run.state.get("visuals")


def _guard(s: Settings, kind: str, fn, *args) -> Any:
    """Draw one figure; a failure is reported once per kind and never stops training."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - a figure must not end a run
        if kind not in s.warned:
            s.warned.add(kind)
            report.warn(f"could not draw the {kind} figure ({first_line(exc)}); skipping it")
        return None


@hookimpl
def on_train_start(run):
    s = Settings.of(run)
    run.state["visuals"] = s
    steps = run.history.batch_step
    _ask_attention(run, s, (steps[-1] if steps else 0) + 1)


def _ask_attention(run, s: Settings, next_step: int) -> None:
    """Ask for attention maps in the next batch only when a heatmap is due (building them costs
    a little); with heatmaps off the flag is left to other listeners."""
    if s.figures.attention_every:
        run.want_attention = next_step % s.figures.attention_every == 0


@hookimpl
def on_batch_end(run, batch):
    s = _settings(run)
    if s is None:
        return
    f, step = s.figures, int(batch.step)
    if f.attention_every:
        if batch.attention is not None:
            _guard(s, "attention", _attention, s, batch)
        _ask_attention(run, s, step + 1)
    if f.sample_every and step % f.sample_every == 0:
        _guard(s, "sample", _samples, run, s, f.samples_dir / f"step{step:07d}.png",
               f.test_model or DEFAULT_SAMPLE_TEXTS)
    if f.draw_lines and batch.inks:
        inks = [i.replace(meta={**i.meta, "label": i.id}) for i in list(batch.inks)[:8]]
        _guard(s, "training lines", _render, inks, f.lines_dir / f"step{step:07d}.png")


@hookimpl
def on_epoch_end(run, epoch):
    s = _settings(run)
    if s is not None and s.figures.plots is not None:
        _guard(s, "loss", _loss_plots, run, s)


@hookimpl
def on_train_end(run, result):
    s = _settings(run)
    if s is None:
        return
    f = s.figures
    shown: list[Path] = []
    if f.plots is not None:
        shown += _guard(s, "loss", _loss_plots, run, s) or []
    if f.test_model:
        path = _guard(s, "test sample", _samples, run, s, f.samples_dir / "test.png",
                      f.test_model)
        if path:
            shown.append(path)
    result.figures.extend(shown)
    if f.show and shown:
        _show(shown)


# --- the figures ---------------------------------------------------------------------------
def _loss_plots(run, s: Settings) -> list[Path]:
    from .plots import line_plot, moving_average

    hist, plots, unit = run.history, s.figures.plots, run.loss_unit
    steps, losses = list(hist.batch_step), list(hist.batch_loss)
    epochs = [e for e in hist.epochs if e.train_loss is not None]
    name = run.model_name
    series = [("batch", steps, losses),
              (f"mean of {SMOOTHING}", steps, moving_average(_array(losses), SMOOTHING))]
    val = [(e.step, e.val_loss) for e in epochs if e.val_loss is not None]
    if val:
        series.append(("validation", [v[0] for v in val], [v[1] for v in val]))
    light = [(165, 195, 230), (31, 80, 160), (214, 39, 40)]
    per_batch = line_plot(plots / "loss.png", series, title=f"{name}: training loss",
                          xlabel="optimizer step", ylabel=unit, colours=light,
                          clip_quantile=0.98)
    x = [e.epoch for e in epochs]
    ep_series = [("train", x, [e.train_loss for e in epochs])]
    if any(e.val_loss is not None for e in epochs):
        ep_series.append(("validation", x, [float("nan") if e.val_loss is None else e.val_loss
                                            for e in epochs]))
    per_epoch = line_plot(plots / "epochs.png", ep_series, title=f"{name}: loss per epoch",
                          xlabel="epoch", ylabel=unit, integer_x=True, markers=True)
    return [per_batch, per_epoch]


def _array(values):
    import numpy as np

    return np.asarray(values, np.float64)


def _attention(s: Settings, batch) -> Path:
    from .plots import attention_plot

    a = batch.attention
    return attention_plot(s.figures.attention_dir / f"step{int(batch.step):07d}.png", a.phi,
                          a.window, a.text, a.alphabet,
                          title=f"attention at step {batch.step}: {a.id}")


def _samples(run, s: Settings, path: Path, texts: list[str]) -> Path | None:
    if run.write is None:
        if "sampler" not in s.warned:
            s.warned.add("sampler")
            report.warn(f"model '{run.model_name}' cannot write samples during training; "
                        f"skipping them")
        return None
    inks = run.write(list(texts))
    for ink, text in zip(inks, texts):
        ink.meta.setdefault("label", "")
    return _render(inks, path)


def _render(inks, path: Path) -> Path:
    from ..plugins import get_toolkit

    path.parent.mkdir(parents=True, exist_ok=True)
    get_toolkit().renderer_for(path).render(list(inks), path)
    return path


def _show(paths: list[Path]) -> None:
    """Open the figures with the system's viewer, where there is a display to open them on."""
    warn = report.warn
    if sys.platform.startswith("win"):
        for p in paths:
            os.startfile(p)  # type: ignore[attr-defined]  # noqa: S606
        return
    if sys.platform == "darwin":
        opener = "open"
    else:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            warn("--show: no display (DISPLAY and WAYLAND_DISPLAY are unset); the figures are "
                 "in " + ", ".join(str(p) for p in paths))
            return
        opener = "xdg-open"
    if shutil.which(opener) is None:
        warn(f"--show: '{opener}' is not installed; the figures are in "
             + ", ".join(str(p) for p in paths))
        return
    for p in paths:
        subprocess.Popen([opener, str(p)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report.info(f"opened {len(paths)} figure{'s' if len(paths) != 1 else ''}")
