"""``writesmooth train``: train one or more registered models on a dataset loaded once."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import typer

from ..api import FigureOptions, TrainOptions, TrainRun
from ..errors import NotImplementedCapability, WritesmoothError
from .console import console, log

DEFAULT_SPLIT = "trainset+testset_t+testset_f"  # Graves (2013): train on these ...
DEFAULT_VAL = "testset_v"                       # ... and validate (early stopping) on this
NO_SPLIT = ("", "none")
ALL = "all"  # every line of the dataset (a dataset without split lists has only this)


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """``["hidden=16", "mixtures=3"]`` -> ``{"hidden": "16", "mixtures": "3"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise WritesmoothError(f"--set expects FIELD=VALUE, got '{pair}'")
        out[key.strip()] = value.strip()
    return out


def is_main_process() -> bool:
    """Under torchrun only rank 0 talks; the others train quietly."""
    return os.environ.get("RANK", "0") == "0"


def load_splits(data: Path, split: str, val_split: str | None, *, quiet: bool = False,
                cache_dir: Path | None = None, use_cache: bool = True):
    """``(train inks, validation inks)`` from one load of the dataset at ``data``."""
    from ..data.dataset import load_dataset

    ds = load_dataset(data, cache_dir=cache_dir, use_cache=use_cache, progress=not quiet)
    if getattr(ds, "skipped", None) and not quiet:
        from .console import warn

        skipped = ds.skipped
        first = skipped[0]
        first = f"{first.source}: {first.reason}" if hasattr(first, "reason") else str(first)
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        warn(f"skipped {len(skipped)} item{'s' if len(skipped) != 1 else ''} of {data}: "
             f"{first}{more}")
    wanted = [s for s in (split, val_split or "") if s.lower() not in NO_SPLIT + (ALL,)]
    if wanted and not getattr(ds, "splits", None):
        raise WritesmoothError(f"{data} has no split lists (task1/*.txt), so no split "
                               f"'{wanted[0]}': use --split all --val-split none")
    train = ds.select(None if split.lower() == ALL else split)
    val = ([] if val_split is None or val_split.lower() in NO_SPLIT
           else ds.select(None if val_split.lower() == ALL else val_split))
    if not train:
        raise WritesmoothError(f"{data}: split '{split}' holds no line")
    return train, val


def train(
    model: list[str] = typer.Option(
        [], "--model", "-m", show_default=False,
        help="Model to train; repeat to train several in turn (default: the first that can "
             "train and has bundled weights)."),
    data: Path = typer.Option(..., "--data", help="Dataset: the IAM-OnDB folder (or a cache)."),
    split: str = typer.Option(DEFAULT_SPLIT, "--split",
                              help="Training split(s), joined by +; 'all' for every line."),
    val_split: str = typer.Option(DEFAULT_VAL, "--val-split",
                                  help="Validation split; 'none' for no validation."),
    epochs: int = typer.Option(10, "--epochs", min=1, help="Passes over the training lines."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Lines per batch (per process)."),
    lr: Optional[float] = typer.Option(None, "--lr", min=0.0,
                                       help="Peak learning rate (default: the model's)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    out: Path = typer.Option(Path("runs"), "--out", help="Folder; each model trains into OUT/MODEL."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run found in OUT/MODEL."),
    init_weights: Optional[str] = typer.Option(
        None, "--init-weights",
        help="Start from these trained weights ('default': the bundled ones) instead of a "
             "random network; config, alphabet and input statistics come with them."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random generator."),
    max_lines: Optional[int] = typer.Option(None, "--max-lines", min=1,
                                            help="Use only the first N training (and validation) lines."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1,
                                            help="Stop after N optimizer steps."),
    json_log: Optional[Path] = typer.Option(None, "--json-log",
                                            help="Write one JSON object per batch to this file."),
    sets: list[str] = typer.Option([], "--set", help="Config override FIELD=VALUE (repeatable)."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir",
                                             help="Dataset cache folder (default ~/.cache/writesmooth)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write a dataset cache."),
    checkpoint_minutes: float = typer.Option(5.0, "--checkpoint-minutes", min=0.0,
                                             help="Also checkpoint every this many minutes."),
    checkpoint_steps: Optional[int] = typer.Option(None, "--checkpoint-steps", min=1, hidden=True),
    precision: str = typer.Option("auto", "--precision",
                                  help="auto (bf16 autocast on CUDA, fp32 on CPU), bf16 or fp32."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                          help="CPU threads per process (default: torch's choice)."),
    plots: Optional[Path] = typer.Option(None, "--plots", help="Loss plots folder (default OUT/MODEL/plots)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Draw no loss plots."),
    attention_every: int = typer.Option(200, "--attention-every", min=0,
                                        help="Attention heatmap every N batches (0: never)."),
    attention_dir: Optional[Path] = typer.Option(None, "--attention-dir",
                                                 help="Heatmaps folder (default OUT/MODEL/attention)."),
    sample_every: int = typer.Option(500, "--sample-every", min=0,
                                     help="Handwriting sample every N batches (0: never)."),
    samples_dir: Optional[Path] = typer.Option(None, "--samples-dir",
                                               help="Samples folder (default OUT/MODEL/samples)."),
    test_model: list[str] = typer.Option([], "--test-model",
                                         help="Text to write with the trained model at the end (repeatable)."),
    draw_lines: bool = typer.Option(False, "--draw-lines",
                                    help="Draw the training lines of each batch as they are used."),
    lines_dir: Optional[Path] = typer.Option(None, "--lines-dir",
                                             help="Folder of --draw-lines (default OUT/MODEL/lines)."),
    show: bool = typer.Option(False, "--show", help="Open the figures in a window at the end."),
    model_options: Optional[dict[str, Any]] = None,
) -> None:
    """Train handwriting models (Graves 2013 protocol by default): progress, validation each
    epoch, best weights kept, checkpoints to --resume from. See docs/training.md."""
    from ..plugins import get_toolkit

    from . import model_options as declared

    tk = get_toolkit()
    names = list(dict.fromkeys(model)) or [tk.default_model("train")]  # each once, in order
    classes = [tk.model(name) for name in names]  # an unknown name fails before any loading
    for cls in classes:
        if "train" not in cls.capabilities:
            raise NotImplementedCapability(f"model '{cls.name}' cannot train: not implemented")
    overrides = parse_sets(sets)
    given = model_options or {}
    own = {cls.name: declared.build(cls, "train", given) for cls in classes}
    starts = {cls.name: _init_weights(cls, init_weights) for cls in classes} if init_weights else {}
    quiet = not is_main_process()
    train_inks, val_inks = load_splits(data, split, val_split, quiet=quiet, cache_dir=cache_dir,
                                       use_cache=not no_cache)
    if not quiet:
        console.print(f"data: {len(train_inks)} training lines ({split}), {len(val_inks)} "
                      f"validation lines ({val_split})")
    for cls in classes:
        folder = out / cls.name
        figures = FigureOptions(
            plots=None if no_plots else (plots or folder / "plots"),
            attention_every=attention_every, attention_dir=attention_dir or folder / "attention",
            sample_every=sample_every, samples_dir=samples_dir or folder / "samples",
            test_model=list(test_model), draw_lines=draw_lines,
            lines_dir=lines_dir or folder / "lines", show=show)
        log_path = json_log
        if json_log is not None and len(classes) > 1:  # one log per model, side by side
            log_path = json_log.with_name(f"{json_log.stem}.{cls.name}{json_log.suffix}")
        options = TrainOptions(out=folder, epochs=epochs, batch_size=batch_size, lr=lr,
                               device=device, resume=resume, seed=seed, max_lines=max_lines,
                               max_steps=max_steps, json_log=log_path, overrides=overrides,
                               checkpoint_minutes=checkpoint_minutes,
                               checkpoint_steps=checkpoint_steps, precision=precision,
                               threads=threads, init_weights=starts.get(cls.name),
                               figures=figures, model=own[cls.name])
        run = TrainRun(model_name=cls.name, out=folder, options=options)
        result = cls.train(train_inks, val_inks, options, run)
        log.info("trained %s: %s", cls.name, result)
        if not quiet:
            _report(cls.name, result or {})


def _init_weights(cls, value: str) -> Path:
    """``--init-weights``: a weights file, or 'default' for the model's bundled weights."""
    if value.lower() == "default":
        path = cls.default_weights()
        if path is None or not Path(path).is_file():
            raise WritesmoothError(f"--init-weights default: model '{cls.name}' has no bundled "
                                   f"weights")
        return Path(path)
    path = Path(value)
    if not path.is_file():
        raise WritesmoothError(f"--init-weights {value}: no such weights file")
    return path


def _report(name: str, result: dict[str, Any]) -> None:
    val, cer = result.get("val_nats_per_sequence"), result.get("val_cer")
    if isinstance(val, (int, float)):
        figures = (f"best validation {val:.1f} nats per line ({result.get('val_nats_per_point', 0):.4f} "
                   f"per point) at epoch {result.get('best_epoch')}")
    elif isinstance(cer, (int, float)) and cer == cer:  # a reader: its character error rate
        figures = f"best validation character error rate {cer:.4f} at epoch {result.get('best_epoch')}"
    else:
        figures = "no validation"
    console.print(f"{name}: {figures}; {result.get('steps', '?')} steps")
    if result.get("weights"):
        console.print(f"wrote {result['weights']}")
    if result.get("checkpoint"):
        console.print(f"wrote {result['checkpoint']}")
