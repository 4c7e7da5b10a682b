"""Training visuals, as listeners of the training events (registered through the core's entry
point ``visuals`` like any plugin): loss plots, attention heatmaps, samples written mid-training,
test samples at the end, the training lines as they are used, and ``--show``.

Every figure is switched by ``TrainOptions.extra`` (the ``train`` command fills it from its
flags); absent keys mean off, so a trainer used from Python draws nothing unless asked. When a
figure is off its listener returns after a dictionary lookup, so it costs training nothing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import hookimpl

DEFAULT_SAMPLE_TEXTS = ["a quick brown fox jumps over the lazy dog"]
SMOOTHING = 50  # batches in the moving average of the loss plot


@dataclass
class Settings:
    plots: Path | None = None
    attention_every: int = 0
    attention_dir: Path | None = None
    sample_every: int = 0
    samples_dir: Path | None = None
    test_model: list[str] = field(default_factory=list)
    draw_lines: bool = False
    lines_dir: Path | None = None
    show: bool = False
    collect: bool = False           # the trainer keeps no history: collect it from the events
    warned: set[str] = field(default_factory=set)

    @classmethod
    def from_extra(cls, extra: dict[str, Any], out: Path) -> "Settings":
        path = lambda key, default: Path(extra.get(key) or out / default)  # noqa: E731
        return cls(plots=Path(extra["plots"]) if extra.get("plots") else None,
                   attention_every=int(extra.get("attention_every") or 0),
                   attention_dir=path("attention_dir", "attention"),
                   sample_every=int(extra.get("sample_every") or 0),
                   samples_dir=path("samples_dir", "samples"),
                   test_model=list(extra.get("test_model") or []),
                   draw_lines=bool(extra.get("draw_lines")), lines_dir=path("lines_dir", "lines"),
                   show=bool(extra.get("show")))


def _settings(run) -> Settings | None:
    return run.state.get("visuals")


def _guard(s: Settings, kind: str, fn, *args) -> Path | None:
    """Draw one figure; a failure is reported once per kind and never stops training."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - a figure must not end a run
        if kind not in s.warned:
            s.warned.add(kind)
            from ..cli.console import warn

            warn(f"could not draw the {kind} figure ({type(exc).__name__}: {exc}); skipping it")
        return None


@hookimpl
def on_train_start(run):
    s = Settings.from_extra(run.options.extra or {}, Path(run.out))
    if "history" not in run.state:
        run.state["history"] = {"batch_step": [], "batch_loss": [], "epochs": []}
        s.collect = True
    run.state["visuals"] = s
    steps = run.state["history"]["batch_step"]
    _ask_attention(run, s, (steps[-1] if steps else 0) + 1)


def _ask_attention(run, s: Settings, next_step: int) -> None:
    """Ask for attention maps in the next batch only when a heatmap is due (building them costs
    a little); with heatmaps off the flag is left to other listeners."""
    if s.attention_every:
        run.want_attention = next_step % s.attention_every == 0


@hookimpl
def on_batch_end(run, batch):
    s = _settings(run)
    if s is None:
        return
    step = int(batch["step"])
    if s.collect:
        run.state["history"]["batch_step"].append(step)
        run.state["history"]["batch_loss"].append(float(batch["loss"]))
    if s.attention_every:
        if "attention" in batch:
            _guard(s, "attention", _attention, run, s, batch)
        _ask_attention(run, s, step + 1)
    if s.sample_every and step % s.sample_every == 0:
        _guard(s, "sample", _samples, run, s, s.samples_dir / f"step{step:07d}.png",
               s.test_model or DEFAULT_SAMPLE_TEXTS)
    if s.draw_lines and batch.get("inks"):
        inks = [i.replace(meta={**i.meta, "label": i.id}) for i in list(batch["inks"])[:8]]
        _guard(s, "training lines", _render, inks, s.lines_dir / f"step{step:07d}.png")


@hookimpl
def on_epoch_end(run, epoch):
    s = _settings(run)
    if s is None:
        return
    if s.collect:
        run.state["history"]["epochs"].append(dict(epoch))
    if s.plots is not None:
        _guard(s, "loss", _loss_plots, run, s)


@hookimpl
def on_train_end(run, result):
    s = _settings(run)
    if s is None:
        return
    shown: list[Path] = []
    if s.plots is not None:
        shown += _guard(s, "loss", _loss_plots, run, s) or []
    if s.test_model:
        path = _guard(s, "test sample", _samples, run, s, s.samples_dir / "test.png", s.test_model)
        if path:
            shown.append(path)
            result.setdefault("figures", []).append(str(path))
    if s.show and shown:
        _show(shown)


# --- the figures ---------------------------------------------------------------------------
def _loss_plots(run, s: Settings) -> list[Path]:
    from .plots import line_plot, moving_average

    hist = run.state["history"]
    steps, losses = list(hist["batch_step"]), list(hist["batch_loss"])
    epochs = [e for e in hist["epochs"] if e.get("train_loss") is not None]
    name = run.model_name
    series = [("batch", steps, losses),
              (f"mean of {SMOOTHING}", steps, moving_average(_array(losses), SMOOTHING))]
    val = [(e["step"], e.get("val_loss_per_point")) for e in epochs
           if e.get("val_loss_per_point") is not None]
    if val:
        series.append(("validation", [v[0] for v in val], [v[1] for v in val]))
    light = [(165, 195, 230), (31, 80, 160), (214, 39, 40)]
    per_batch = line_plot(s.plots / "loss.png", series, title=f"{name}: training loss",
                          xlabel="optimizer step", ylabel="nats per point", colours=light,
                          clip_quantile=0.98)
    x = [e["epoch"] for e in epochs]
    ep_series = [("train", x, [e["train_loss"] for e in epochs])]
    if any(e.get("val_loss_per_point") is not None for e in epochs):
        ep_series.append(("validation", x, [e.get("val_loss_per_point") or float("nan")
                                            for e in epochs]))
    per_epoch = line_plot(s.plots / "epochs.png", ep_series, title=f"{name}: loss per epoch",
                          xlabel="epoch", ylabel="nats per point", integer_x=True, markers=True)
    return [per_batch, per_epoch]


def _array(values):
    import numpy as np

    return np.asarray(values, np.float64)


def _attention(run, s: Settings, batch) -> Path:
    from .plots import attention_plot

    a = batch["attention"]
    return attention_plot(s.attention_dir / f"step{int(batch['step']):07d}.png", a["phi"],
                          a["window"], a.get("text", ""), a.get("alphabet", ""),
                          title=f"attention at step {batch['step']}: {a.get('id', '')}")


def _samples(run, s: Settings, path: Path, texts: list[str]) -> Path | None:
    if run.write is None:
        if "sampler" not in s.warned:
            s.warned.add("sampler")
            from ..cli.console import warn

            warn(f"model '{run.model_name}' cannot write samples during training; skipping them")
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
    from ..cli.console import console, warn

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
    console.print(f"opened {len(paths)} figure{'s' if len(paths) != 1 else ''}")
