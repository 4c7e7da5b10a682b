"""The training loop of every network here: the synthesis network (trainer.py) and the reader
(reader_train.py) plug a :class:`Task` into it (their network, optimizer, loss, validation and
what they save) and share the rest.

Whole lines in length-bucketed batches (batching.py); the learning rate a pure function of the
step (schedule.py); the loss of a batch averaged over its units (points, characters) across all
processes, so the gradient scale depends on neither line lengths nor batch size; the global
gradient norm clipped; a batch with a non-finite loss or gradient skipped (many in a row stop
the run); validation after every epoch, the best weights kept; a checkpoint at the end of every
epoch, every ``checkpoint_minutes`` and ``checkpoint_steps``, on Ctrl-C and on SIGTERM
(checkpoint.py). The batch order is a function of ``(seed, epoch)`` and a batch's randomness of
``(seed, epoch, batch)``; with the position, the optimizer, the random generators and the loss
history in the checkpoint, a resumed run goes on exactly where it stopped. Several processes
(torchrun) train with DistributedDataParallel; only the first reports and writes.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import torch

import writesmooth
from writesmooth import Ink, TrainOptions, TrainRun, WritesmoothError, report

from . import distributed
from .batching import epoch_batches, shard
from .checkpoint import check_same_run, load_checkpoint, save_checkpoint, set_rng_state
from .reporting import Clock, JsonLog
from .schedule import Schedule, Shape

MAX_BAD_BATCHES = 10  # consecutive non-finite batches before the run is declared diverged


@dataclass
class Forward:
    """What a task's forward pass over one batch gives the loop."""

    loss_sum: torch.Tensor        # the summed loss (nats) of this process's lines: a scalar
    units: int                    # what it is summed over (points, characters)
    points: int                   # the input points (for the speed shown)
    inks: Sequence[Ink] = ()      # the batch's lines, for the listeners
    attention: writesmooth.Attention | None = None
    output: torch.Tensor | None = None  # outputs whose derivatives are clipped per unit ...
    output_clip: float = 0.0            # ... to +- this (0: not clipped)


@dataclass
class Validation:
    loss: float                   # in the run's loss unit
    score: float                  # what picks the best weights: lower is better
    text: str                     # how the epoch's line shows it
    metrics: dict[str, float] = field(default_factory=dict)  # other figures, by result key


class Task(Protocol):
    """What a trainer plugs into the loop."""

    name: str                     # the model's name (a checkpoint of another is refused)
    loss_unit: str                # "nats per point", "nats per character"
    val_loss_key: str             # the result key of the validation loss
    metric_names: tuple[str, ...]  # the result keys of ``Validation.metrics``
    best_name: str                # file name of the best weights in ``options.out``
    net: torch.nn.Module          # what is trained and saved
    optimizer: torch.optim.Optimizer
    peak_lr: float
    shape: Shape                  # of the learning-rate schedule
    grad_clip: float              # of the global gradient norm
    lengths: list[int]            # per training line: what batches group by
    val_lines: int
    skipped: int                  # lines of either set left out

    def forward(self, model: torch.nn.Module, lines: list[int], epoch: int, batch: int,
                attention: bool) -> Forward: ...

    def validate(self) -> Validation | None: ...

    def identity(self, best: dict[str, Any] | None, step: int) -> dict[str, Any]:
        """The keys of a weights file but the weights (format, model, config, meta, ...)."""

    def save_best(self, path: Path, best: dict[str, Any]) -> None: ...

    def describe(self) -> tuple[str, list[str]]:
        """What the run is told at its start: the data in a phrase, and warnings."""

    def sampler(self) -> Callable[[Sequence[str]], list[Ink]] | None: ...


def train(name: str, options: TrainOptions, run: TrainRun | None, *, checkpoint: str, tag: str,
          build: Callable[[dict[str, Any] | None, distributed.Dist], Task]) -> dict[str, Any]:
    """Train the task ``build(saved checkpoint or None, dist)`` makes, checkpointing to
    ``options.out / checkpoint`` (a ``tag`` checkpoint). Returns the result dict: ``weights``
    (the best), ``checkpoint``, ``steps``, ``best_epoch``, the best validation figures, ..."""
    d = distributed.setup(options.device)
    ok = False
    try:
        path = Path(options.out) / checkpoint
        saved = open_run(name, path, tag, options, d.main)
        if options.threads:
            # a busy machine makes every multi-threaded kernel wait for a descheduled thread
            # (milliseconds, thousands of times a batch): fewer threads can be much faster there
            torch.set_num_threads(int(options.threads))
        torch.manual_seed(options.seed)
        result = Loop(build(saved, d), options, run, d, saved, path, tag).fit()
        ok = True
        return result
    finally:
        distributed.teardown(d, ok)


def open_run(name: str, path: Path, tag: str, options: TrainOptions,
             main: bool) -> dict[str, Any] | None:
    """The checkpoint to resume from (``--resume``), or None for a new run."""
    if not path.is_file():
        if options.resume and main:
            report.warn(f"--resume: no checkpoint in {path.parent}; starting a new run")
        return None
    if not options.resume:
        raise WritesmoothError(f"{path.parent} already holds a run ({path.name}): pass --resume "
                               f"to continue it, or choose another --out")
    saved = load_checkpoint(path, tag)
    if saved.get("model") != name:
        raise WritesmoothError(f"{path}: is a run of '{saved.get('model')}', not '{name}'")
    return saved


def first_lines(train: Sequence[Ink], val: Sequence[Ink], options: TrainOptions):
    """The training and validation lines ``--max-lines`` leaves."""
    if options.max_lines is None:
        return list(train), list(val)
    return list(train)[:options.max_lines], list(val)[:options.max_lines]


class Loop:
    def __init__(self, task: Task, options: TrainOptions, run: TrainRun | None,
                 d: distributed.Dist, saved: dict[str, Any] | None, path: Path, tag: str) -> None:
        self.task, self.options, self.d, self.tag = task, options, d, tag
        self.ckpt_path, self.best_path = path, path.parent / task.best_name
        self.run = run or TrainRun(model_name=task.name, out=path.parent, options=options)
        self.run.loss_unit = task.loss_unit
        o = options
        self.per_epoch = len(shard(epoch_batches(task.lengths, o.batch_size, o.seed, 0),
                                   d.rank, d.world))
        if self.per_epoch == 0:
            raise WritesmoothError(f"{len(task.lengths)} training lines make no batch for "
                                   f"{d.world} processes; use fewer processes or more lines")
        total = self.per_epoch * o.epochs
        self.schedule = Schedule(task.optimizer, task.peak_lr,
                                 min(total, o.max_steps) if o.max_steps else total, task.shape)
        self.run_keys = {"seed": o.seed, "batch_size": o.batch_size, "max_lines": o.max_lines,
                         "world": d.world, "lines": len(task.lengths),
                         "points": int(sum(task.lengths))}
        self.progress: dict[str, Any] = {
            "epoch": 0, "batch": 0, "step": 0, "loss_sum": 0.0, "units": 0, "seconds": 0.0,
            "bad_streak": 0, "validated_step": None, "best": None}
        if saved is not None:
            check_same_run(saved.get("run", {}), self.run_keys, path)
            task.optimizer.load_state_dict(saved["optimizer"])
            self.progress.update(saved["progress"])
            self.run.history = writesmooth.TrainHistory.from_dict(saved.get("history"))
            set_rng_state(saved["rng"])
        self.model = task.net
        if d.enabled:
            from torch.nn.parallel import DistributedDataParallel

            self.model = DistributedDataParallel(
                task.net, device_ids=[d.device] if d.device.type == "cuda" else None)
        self.events = writesmooth.TrainEvents(self.run, active=d.main)
        self.log = JsonLog(o.json_log if d.main else None, append=saved is not None)
        self.bar = report.Progress()
        self.clock = Clock()
        self.stop_signal: str | None = None

    def info(self, message: str) -> None:
        if self.d.main:
            report.info(message)

    def warn(self, message: str) -> None:
        if self.d.main:
            report.warn(message)

    # --- the run -------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        o, p = self.options, self.progress
        self.run.write = self.task.sampler()
        started = time.perf_counter() - p["seconds"]
        if p["step"]:
            self.info(f"{self.task.name}: resuming at epoch {p['epoch'] + 1}, batch "
                      f"{p['batch']}, step {p['step']}")
        self._announce()
        self.events.start()
        previous = self._catch_sigterm()
        self.task.net.train()
        try:
            while p["epoch"] < o.epochs and not self._step_limit():
                self._train_epoch()
                if p["batch"] < self.per_epoch:
                    break  # stopped inside the epoch (max steps)
                self._end_epoch()
            if p["validated_step"] != p["step"]:
                self._validate_and_keep()  # a run cut by --max-steps still reports and saves
            p["seconds"] = time.perf_counter() - started
            self.checkpoint()
        except KeyboardInterrupt:
            self.bar.close()
            p["seconds"] = time.perf_counter() - started
            self.checkpoint()
            self.warn(f"interrupted at step {p['step']}: checkpoint {self.ckpt_path} saved; "
                      f"continue with --resume")
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            self.bar.close()
            self.log.close()
        return self._finish(time.perf_counter() - started)

    def _step_limit(self) -> bool:
        limit = self.options.max_steps
        return limit is not None and self.progress["step"] >= limit

    def _train_epoch(self) -> None:
        o, p, d = self.options, self.progress, self.d
        batches = shard(epoch_batches(self.task.lengths, o.batch_size, o.seed, p["epoch"]),
                        d.rank, d.world)
        if d.main:
            self.bar = report.progress(len(batches), f"epoch {p['epoch'] + 1}/{o.epochs}",
                                       completed=p["batch"], fields={"loss": "-", "speed": "-"})
        while p["batch"] < len(batches) and not self._step_limit():
            self.train_batch(batches[p["batch"]])
            if self.stop_signal:
                self.bar.close()
                self.checkpoint()
                raise WritesmoothError(f"stopped by {self.stop_signal} at step {p['step']}: "
                                       f"checkpoint {self.ckpt_path} saved; continue with --resume")
            if (self.clock.minutes() >= o.checkpoint_minutes
                    or (o.checkpoint_steps and p["step"] % o.checkpoint_steps == 0)):
                self.checkpoint()
        self.bar.close()

    def train_batch(self, lines: list[int]) -> None:
        """One optimizer step on the training lines ``lines`` (positions in ``task.lengths``)."""
        p, d, task = self.progress, self.d, self.task
        t0 = time.perf_counter()
        attention = bool(self.run.want_attention) and d.main
        f = task.forward(self.model, lines, p["epoch"], p["batch"], attention)
        local = float(f.loss_sum.detach())
        finite = math.isfinite(local)
        total, units, points, bad_ranks = distributed.all_sum(
            d, [local if finite else 0.0, float(f.units), float(f.points), 0.0 if finite else 1.0])
        bad, backward = bad_ranks > 0 or units <= 0, False
        grad_norm = math.nan
        if not bad:
            scale = d.world / units  # DDP averages over processes: this makes it a global mean
            if f.output is not None and f.output_clip:
                clip = f.output_clip * scale
                f.output.register_hook(lambda g: g.clamp(-clip, clip))
            task.optimizer.zero_grad(set_to_none=True)
            (f.loss_sum * scale).backward()
            backward = True
            grad_norm = float(torch.nn.utils.clip_grad_norm_(task.net.parameters(),
                                                             task.grad_clip))
            bad = not math.isfinite(grad_norm)  # the same on every process after the all-reduce
        if bad:
            if d.enabled and not backward:
                # DDP waits for a gradient of every parameter after each forward: give it
                # zeros, on every process together, so the next batch starts clean
                sum((q * 0).sum() for q in task.net.parameters()).backward()
            task.optimizer.zero_grad(set_to_none=True)
            p["batch"] += 1
            self._bad_batch("gradient" if backward else "loss")
            return
        p["bad_streak"] = 0
        lr = self.schedule.set(p["step"])
        task.optimizer.step()
        # the position advances with the weights, before any listener runs: an interrupt
        # from here on resumes after this batch, never repeating it
        p["step"] += 1
        p["batch"] += 1
        p["loss_sum"] += total
        p["units"] += int(units)
        seconds = time.perf_counter() - t0
        if not d.main:
            return
        loss = total / units
        self.log.write({"model": task.name, "step": p["step"], "epoch": p["epoch"] + 1,
                        "batch": p["batch"], "loss": loss, "points": int(points),
                        "units": int(units), "seconds": seconds, "lr": lr, "grad_norm": grad_norm})
        self.bar.advance(1, loss=f"{p['loss_sum'] / p['units']:.3f}",
                         speed=f"{points / max(seconds, 1e-9):,.0f}")
        self.events.batch_end(writesmooth.BatchEnd(
            step=p["step"], epoch=p["epoch"] + 1, loss=loss, points=int(units), seconds=seconds,
            lr=lr, inks=list(f.inks), attention=f.attention))

    def _bad_batch(self, what: str) -> None:
        p = self.progress
        p["bad_streak"] += 1
        self.warn(f"step {p['step'] + 1}: non-finite {what}; batch skipped "
                  f"({p['bad_streak']} in a row)")
        if p["bad_streak"] >= MAX_BAD_BATCHES:
            raise WritesmoothError(
                f"training diverged: {MAX_BAD_BATCHES} batches in a row gave a non-finite loss "
                f"or gradient at step {p['step']}; the last checkpoint is {self.ckpt_path}; "
                f"try a lower --lr (now {self.task.peak_lr:g})")

    def _end_epoch(self) -> None:
        p = self.progress
        train_loss = p["loss_sum"] / p["units"] if p["units"] else math.nan
        val, best = self._validate_and_keep()
        p["epoch"] += 1
        p["batch"], p["loss_sum"], p["units"] = 0, 0.0, 0
        shown = val.text if val is not None else "no validation lines"
        self.info(f"epoch {p['epoch']}: train {train_loss:.4f} {self.task.loss_unit}, {shown}"
                  + (f"  [best: saved {self.best_path}]" if best else ""))
        self.events.epoch_end(writesmooth.EpochEnd(
            epoch=p["epoch"], step=p["step"], train_loss=train_loss,
            val_loss=val.loss if val is not None else None, best=best,
            metrics=dict(val.metrics) if val is not None else {}))
        self.checkpoint()

    def _validate_and_keep(self) -> tuple[Validation | None, bool]:
        """Validate; keep the weights if they are the best so far (or if there is no
        validation set: then the latest weights are the ones kept)."""
        p = self.progress
        p["validated_step"] = p["step"]
        val = self.task.validate()
        better = val is None or p["best"] is None or val.score < p["best"]["score"]
        if val is not None and not math.isfinite(val.score):
            better = False
        if better:
            p["best"] = {"epoch": p["epoch"] + 1, "step": p["step"],
                         "score": None if val is None else val.score,
                         "val_loss": None if val is None else val.loss,
                         "metrics": {} if val is None else dict(val.metrics)}
            if self.d.main:
                self.task.save_best(self.best_path, p["best"])
        return val, better

    def checkpoint(self) -> None:
        p, task = self.progress, self.task
        if self.d.main:
            save_checkpoint(self.ckpt_path, tag=self.tag,
                            identity=task.identity(p["best"], p["step"]), net=task.net,
                            optimizer=task.optimizer, schedule=self.schedule, progress=dict(p),
                            run=self.run_keys, history=self.run.history.to_dict())
        self.clock.reset()

    # --- pieces --------------------------------------------------------------------------
    def _announce(self) -> None:
        what, warnings = self.task.describe()
        n_params = sum(q.numel() for q in self.task.net.parameters())
        self.info(f"{self.task.name}: {what}; {n_params:,} parameters; {self.per_epoch} batches "
                  f"per epoch on {self.d.device}"
                  + (f" x {self.d.world} processes" if self.d.enabled else ""))
        for message in warnings:
            self.warn(message)

    def _catch_sigterm(self):
        """SIGTERM (a cluster pre-empting the job) checkpoints after the batch in progress."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            self.stop_signal = "SIGTERM"

        return signal.signal(signal.SIGTERM, handler)

    def _finish(self, seconds: float) -> dict[str, Any]:
        p, task = self.progress, self.task
        best = p["best"] or {}
        figures = {task.val_loss_key: best.get("val_loss"),
                   **{k: None for k in task.metric_names}, **best.get("metrics", {})}
        weights = self.best_path if self.best_path.is_file() else None
        end = writesmooth.TrainEnd(
            weights=weights, checkpoint=self.ckpt_path, steps=p["step"],
            best_epoch=best.get("epoch"),
            metrics={k: float(v) for k, v in figures.items() if v is not None})
        self.events.end(end)
        epochs = self.run.history.epochs
        return {"model": task.name, "weights": None if weights is None else str(weights),
                "checkpoint": str(self.ckpt_path), "epochs": p["epoch"], "steps": p["step"],
                "best_epoch": best.get("epoch"), **figures,
                "train_loss": epochs[-1].train_loss if epochs else None,
                "train_lines": len(task.lengths), "val_lines": task.val_lines,
                "skipped": task.skipped, "device": str(self.d.device),
                "processes": self.d.world, "seconds": seconds,
                "figures": [str(f) for f in end.figures]}
