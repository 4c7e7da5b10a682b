"""A training run's types: its options, what listeners receive as ``run``, and the typed
payloads of the training events (fired by :class:`writesmooth.training.TrainEvents`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .ink import Ink

if TYPE_CHECKING:  # numpy arrays in the payloads
    import numpy as np


@dataclass
class Attention:
    """Where the attention window of one training line looked, for heatmaps."""

    phi: "np.ndarray"           # (T, U): weight of each text position at each point
    window: "np.ndarray"        # (T, V): the window vector (a soft one-hot over the alphabet)
    text: str                   # the line's text (U characters)
    alphabet: str = ""          # the V characters of the window vector's columns
    id: str = ""                # the line's id


@dataclass
class BatchEnd:
    """One optimizer step finished."""

    step: int                   # optimizer steps so far (1 after the first)
    epoch: int                  # the epoch this step belongs to, from 1
    loss: float                 # training loss of the batch, in the run's ``loss_unit``
    points: int = 0             # units the loss was averaged over (points, characters)
    seconds: float = 0.0        # wall time of the step
    lr: float | None = None     # learning rate used
    inks: Sequence[Ink] = ()  # the batch's lines (for listeners that draw them)
    attention: Attention | None = None  # present when a listener set ``run.want_attention``


@dataclass
class EpochEnd:
    """One pass over the training lines finished (and validation ran, if there is any)."""

    epoch: int                       # epochs done, from 1
    step: int                        # optimizer steps so far
    train_loss: float                # mean training loss of the epoch, in ``loss_unit``
    val_loss: float | None = None    # validation loss in ``loss_unit`` (None: no validation)
    best: bool = False               # whether these are the best weights so far (kept)
    metrics: dict[str, float] = field(default_factory=dict)  # other figures, e.g. val_cer


@dataclass
class TrainEnd:
    """Training ended (finished, or cut by ``max_steps``)."""

    weights: Path | None             # the best weights
    checkpoint: Path | None          # the last checkpoint, to resume from
    steps: int = 0
    best_epoch: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # the best epoch's figures
    figures: list[Path] = field(default_factory=list)        # listeners add what they drew


@dataclass
class TrainHistory:
    """What a run has done so far, for plots: kept by :class:`TrainEvents` as events fire, and
    saved in checkpoints by trainers (``to_dict``/``from_dict``) so a resumed run plots it all."""

    batch_step: list[int] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts of numbers (loadable with ``torch.load(weights_only=True)``)."""
        return {"batch_step": list(self.batch_step), "batch_loss": list(self.batch_loss),
                "epochs": [{"epoch": e.epoch, "step": e.step, "train_loss": e.train_loss,
                            "val_loss": e.val_loss, "best": e.best, "metrics": dict(e.metrics)}
                           for e in self.epochs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "TrainHistory":
        data = data or {}
        return cls([int(s) for s in data.get("batch_step", [])],
                   [float(v) for v in data.get("batch_loss", [])],
                   [EpochEnd(**e) for e in data.get("epochs", [])])


@dataclass
class FigureOptions:
    """What the training-event listeners of the core draw (``writesmooth train`` flags); all off
    by default, so a trainer used from Python draws nothing unless asked."""

    plots: Path | None = None          # folder of the loss plots (None: no plots)
    attention_every: int = 0           # an attention heatmap every N batches (0: never)
    attention_dir: Path | None = None  # ... in this folder (default OUT/attention)
    sample_every: int = 0              # a handwriting sample every N batches (0: never)
    samples_dir: Path | None = None    # ... in this folder (default OUT/samples)
    test_model: list[str] = field(default_factory=list)  # texts written at the end
    draw_lines: bool = False           # draw each batch's training lines
    lines_dir: Path | None = None      # ... in this folder (default OUT/lines)
    show: bool = False                 # open the figures at the end


@dataclass
class TrainOptions:
    """Options shared by every trainer; models read what applies to them."""

    out: Path = Path("runs")                 # folder for checkpoints, weights, plots
    epochs: int = 10                          # passes over the training lines
    batch_size: int = 32                      # lines per batch
    lr: float | None = None                   # learning rate; None = the model's default
    device: str = "auto"                      # auto | cpu | cuda | cuda:N
    resume: bool = False                      # continue the run found in ``out``
    seed: int = 0                             # seeds every random generator
    max_lines: int | None = None              # use only the first N training lines
    max_steps: int | None = None              # stop after N optimizer steps
    json_log: Path | None = None              # one JSON object per batch
    overrides: dict[str, str] = field(default_factory=dict)  # --set FIELD=VALUE
    checkpoint_minutes: float = 5.0           # also checkpoint every this many minutes
    checkpoint_steps: int | None = None       # also checkpoint every this many steps
    init_weights: Path | None = None          # start a new run from these trained weights
    precision: str = "auto"                   # auto | bf16 | fp32 (autocast on the device)
    threads: int | None = None                # CPU threads (None: torch's choice)
    figures: FigureOptions = field(default_factory=FigureOptions)  # what listeners draw
    model: Any = None                         # an instance of the model's ``train_options``


@dataclass
class TrainRun:
    """What training-event listeners receive as ``run``."""

    model_name: str
    out: Path
    options: TrainOptions
    write: Callable[[Sequence[str]], list[Ink]] | None = None  # draw samples mid-training
    want_attention: bool = False  # a listener sets this to receive attention maps in batches
    loss_unit: str = "nats per point"                          # unit of the losses reported
    history: TrainHistory = field(default_factory=TrainHistory)  # kept by TrainEvents
    state: dict[str, Any] = field(default_factory=dict)        # listeners' scratch space
