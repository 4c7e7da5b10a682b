"""Training of the Graves networks: whole lines, Adam with warmup and cosine decay, gradient
clipping, validation each epoch, best weights kept, atomic checkpoints, exact resume, DDP.

Protocol and choices are explained in docs/training.md. In short: the loss is the mean NLL per
predicted offset (so the gradient scale does not depend on line lengths or batch size); Graves'
output-derivative clip of 100 is applied per point, and the global gradient norm is clipped to
``config.lstm_clip``.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import torch

from writesmooth import DEFAULT_BIAS, Ink, TrainOptions, TrainRun, WritesmoothError
from writesmooth.errors import first_line

from . import distributed, emphasis
from .alphabet import Alphabet
from .batching import (collate, describe_skipped, epoch_batches, prepare, raw_offsets,
                       require_lines, shard)
from .checkpoint import (BEST_NAME, CHECKPOINT_NAME, check_same_run, load_checkpoint,
                         save_checkpoint, set_rng_state)
from .config import GravesConfig
from .convert import Normaliser
from .evaluate import autocast_for, figures, nll_sums, pick_precision
from .network import GravesNet
from .reporting import Clock, Reporter
from .schedule import DEFAULT_LR, Schedule, lr_factor  # noqa: F401  (lr_factor: re-exported)
from .weights import Bundle, save_weights

MAX_BAD_BATCHES = 10  # consecutive non-finite batches before the run is declared diverged


def train_model(model_name: str, window: int, train: Sequence[Ink], val: Sequence[Ink],
                options: TrainOptions, run: TrainRun | None = None) -> dict[str, Any]:
    """Train ``model_name`` (``window`` = K, 0 for the unconditional network). Returns the
    result dict also given to ``on_train_end``: ``weights`` (best), ``checkpoint``, figures."""
    d = distributed.setup(options.device)
    ok = False
    try:
        result = Trainer(model_name, window, train, val, options, run, d).fit()
        ok = True
        return result
    finally:
        distributed.teardown(d, ok)


class Trainer:
    def __init__(self, model_name: str, window: int, train: Sequence[Ink], val: Sequence[Ink],
                 options: TrainOptions, run: TrainRun | None, d: distributed.Dist) -> None:
        self.name, self.options, self.d, self.window = model_name, options, d, window
        self.out = Path(options.out)
        self.ckpt_path, self.best_path = self.out / CHECKPOINT_NAME, self.out / BEST_NAME
        self.run = run or TrainRun(model_name=model_name, out=self.out, options=options)
        saved = self._saved_checkpoint()
        self.init = self._init_bundle(saved)
        if options.max_lines is not None:
            train, val = list(train)[:options.max_lines], list(val)[:options.max_lines]
        self._setup_data(window, train, val, saved)
        self._setup_model(saved)
        self.reporter = Reporter(self.run, active=d.main, json_log=options.json_log,
                                 append=saved is not None)
        self.stop_signal: str | None = None

    # --- setup ---------------------------------------------------------------------------
    def _saved_checkpoint(self) -> dict[str, Any] | None:
        exists = self.ckpt_path.is_file()
        if exists and not self.options.resume:
            raise WritesmoothError(f"{self.out} already holds a run ({CHECKPOINT_NAME}): pass "
                                   f"--resume to continue it, or choose another --out")
        if not exists:
            if self.options.resume and self.d.main:
                from writesmooth.cli.console import warn

                warn(f"--resume: no checkpoint in {self.out}; starting a new run")
            return None
        saved = load_checkpoint(self.ckpt_path)
        if saved.get("model") != self.name:
            raise WritesmoothError(f"{self.ckpt_path}: is a run of '{saved.get('model')}', "
                                   f"not '{self.name}'")
        return saved

    def _init_bundle(self, saved) -> Bundle | None:
        """The trained weights a new run starts from (``--init-weights``), if any."""
        path = self.options.init_weights
        if path is None:
            return None
        if saved is not None:  # the checkpoint already descends from them
            if self.d.main:
                from writesmooth.cli.console import warn

                warn(f"--init-weights {path} ignored: resuming the run in {self.out}")
            return None
        from .weights import load_weights

        bundle = load_weights(Path(path))
        if bundle.config.conditional != (self.window > 0):
            raise WritesmoothError(f"{path}: holds '{bundle.model}' weights, which cannot start "
                                   f"a '{self.name}' run")
        return bundle

    def _setup_data(self, window: int, train, val, saved) -> None:
        source = saved if saved is not None else (
            None if self.init is None else {"config": self.init.config.to_dict(),
                                            "alphabet": self.init.alphabet.chars,
                                            "norm": self.init.norm.to_dict()})
        if source is not None:  # the network and its input statistics come from the run
            config = GravesConfig.from_dict(source["config"])
            if self.options.overrides and config.with_overrides(self.options.overrides) != config:
                what = "a resumed run" if saved is not None else "--init-weights"
                raise WritesmoothError(f"--set cannot change the network of {what} "
                                       f"(saved: {config.to_dict()})")
            alphabet, norm = Alphabet(source["alphabet"]), Normaliser.from_dict(source["norm"])
        else:
            config = GravesConfig(window=window).with_overrides(self.options.overrides)
            if config.conditional != (window > 0):
                raise WritesmoothError(
                    f"--set window={config.window} does not fit '{self.name}': the synthesis "
                    f"network needs window > 0; train lstm-graves-uncond for window 0")
            kept, offsets, skipped = raw_offsets(train, conditional=config.conditional)
            if not kept:
                raise WritesmoothError(f"no usable training line: {len(train)} line"
                                       f"{'s' if len(train) != 1 else ''} given, "
                                       f"{describe_skipped(skipped)}")
            norm = Normaliser.fit(offsets)
            alphabet = Alphabet("")
            if config.conditional:
                alphabet = Alphabet.from_texts((i.text for i in kept), config.min_char_count)
                if len(alphabet) < 2:
                    raise WritesmoothError(
                        f"no character occurs {config.min_char_count} times in the training "
                        f"transcripts; lower it with --set min_char_count=N")
                config.alphabet_size = len(alphabet)
        self.config, self.alphabet, self.norm = config, alphabet, norm
        self.train_set = prepare(train, alphabet=alphabet, norm=norm, conditional=config.conditional)
        require_lines(self.train_set, len(train))
        self.val_set = prepare(val, alphabet=alphabet, norm=norm, conditional=config.conditional)
        self.lengths = [e.points for e in self.train_set.examples]

    def _setup_model(self, saved) -> None:
        o, d = self.options, self.d
        if o.extra.get("threads"):
            # a busy machine makes every multi-threaded kernel wait for a descheduled thread
            # (milliseconds, thousands of times a batch): fewer threads can be much faster there
            torch.set_num_threads(int(o.extra["threads"]))
        torch.manual_seed(o.seed)
        self.net = GravesNet(config=self.config).to(d.device)
        self.lr = o.lr if o.lr is not None else DEFAULT_LR
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        per_epoch = len(shard(epoch_batches(self.lengths, o.batch_size, o.seed, 0), d.rank, d.world))
        if per_epoch == 0:
            raise WritesmoothError(f"{len(self.lengths)} training lines make no batch for "
                                   f"{d.world} processes; use fewer processes or more lines")
        self.per_epoch = per_epoch
        total = per_epoch * o.epochs
        self.schedule = Schedule(self.optimizer, self.lr,
                                 min(total, o.max_steps) if o.max_steps else total)
        self.run_identity = {"seed": o.seed, "batch_size": o.batch_size, "max_lines": o.max_lines,
                             "world": d.world, "lines": len(self.lengths),
                             "points": int(sum(self.lengths))}
        self.progress: dict[str, Any] = {
            "epoch": 0, "batch": 0, "step": 0, "best_val": None, "best_val_point": None,
            "best_epoch": None, "validated_step": None, "epoch_nll": 0.0, "epoch_points": 0,
            "seconds": 0.0, "bad_streak": 0}
        self.history: dict[str, Any] = {"batch_step": [], "batch_loss": [], "epochs": []}
        if saved is not None:
            check_same_run(saved.get("run", {}), self.run_identity, self.ckpt_path)
            self.net.load_state_dict(saved["state_dict"])
            self.optimizer.load_state_dict(saved["optimizer"])
            self.progress.update(saved["progress"])
            hist = self.progress.pop("history", None) or {}
            self.history["batch_step"] = [int(v) for v in hist.get("batch_step", torch.zeros(0)).tolist()]
            self.history["batch_loss"] = hist.get("batch_loss", torch.zeros(0)).tolist()
            self.history["epochs"] = list(hist.get("epochs", []))
            set_rng_state(saved["rng"])
        elif self.init is not None:  # fine-tuning: trained weights, a fresh optimizer and schedule
            self.net.load_state_dict(self.init.net.state_dict())
            self.progress["init_weights"] = str(o.init_weights)
            self.progress["init_steps"] = int(self.init.meta.get("step") or 0)
        self._setup_emphasis(saved)
        self.precision = pick_precision(o.extra.get("precision"), d.device)
        self.model = self.net
        if d.enabled:
            from torch.nn.parallel import DistributedDataParallel

            self.model = DistributedDataParallel(
                self.net, device_ids=[d.device] if d.device.type == "cuda" else None)

    def _setup_emphasis(self, saved) -> None:
        """``--letter-weight``: the points drawn for those letters, found with the weights the
        run starts from, or those of the run being resumed (``emphasis.py``)."""
        self.emphasis_note: str | None = None
        asked = dict(self.options.extra.get("letter_weights") or {})
        kept = self.progress.get("emphasis") if saved is not None else None
        if kept is not None:
            if asked and asked != kept["weights"]:
                raise WritesmoothError(f"{self.ckpt_path}: cannot resume with different options "
                                       f"(--letter-weight {kept['weights']!r} -> {asked!r}); use "
                                       f"the options of the interrupted run, or a new --out")
        elif asked:
            if not self.config.conditional:
                raise WritesmoothError(f"--letter-weight: '{self.name}' reads no text, so it has "
                                       f"no letters to weight")
            if saved is not None:
                raise WritesmoothError(f"{self.ckpt_path}: cannot resume with different options "
                                       f"(--letter-weight none -> {asked!r}); use a new --out")
            if self.init is None:
                raise WritesmoothError("--letter-weight needs --init-weights: a trained network's "
                                       "attention window finds the points drawn for a letter")
            emphasis.check_letters(asked, self.alphabet)
            found = emphasis.find_points(self.net, self.train_set.examples, asked)
            kept = {"weights": asked, **found}
            self.progress["emphasis"] = kept
        else:
            return
        emphasis.apply(self.train_set.examples, kept)
        self.emphasis_note = emphasis.describe(kept["weights"], kept)

    # --- saving --------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        return {"model": self.name, "config": self.config.to_dict(),
                "alphabet": self.alphabet.chars, "norm": self.norm.to_dict(), "meta": self._meta()}

    def bundle(self) -> Bundle:
        return Bundle(net=self.net, config=self.config, alphabet=self.alphabet, norm=self.norm,
                      model=self.name, meta=self._meta())

    def _meta(self) -> dict[str, Any]:
        p = self.progress
        return {"epoch": p["best_epoch"], "step": p["step"], "val_nats_per_sequence": p["best_val"],
                "val_nats_per_point": p["best_val_point"], "device": str(self.d.device),
                "processes": self.d.world, "precision": self.precision, "torch": str(torch.__version__),
                "train_lines": len(self.lengths), "val_lines": len(self.val_set.examples),
                **({"init_weights": p["init_weights"], "init_steps": p.get("init_steps", 0)}
                   if p.get("init_weights") else {}),
                **({"letter_weights": p["emphasis"]["weights"]} if p.get("emphasis") else {})}

    def checkpoint(self) -> None:
        if not self.d.main:
            return
        progress = dict(self.progress)
        progress["history"] = {"batch_step": torch.tensor(self.history["batch_step"], dtype=torch.int64),
                               "batch_loss": torch.tensor(self.history["batch_loss"], dtype=torch.float32),
                               "epochs": self.history["epochs"]}
        save_checkpoint(self.ckpt_path, identity=self.identity(), net=self.net,
                        optimizer=self.optimizer, scheduler=self.schedule, progress=progress,
                        run=self.run_identity)
        self.clock.reset()

    # --- the loop ------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        o, p, rep = self.options, self.progress, self.reporter
        self.clock = Clock()
        self.run.state["history"] = self.history
        self.run.state["alphabet"] = self.alphabet.chars
        self.run.write = self._sampler()
        started = time.perf_counter() - p["seconds"]
        if p["step"]:
            rep.print(f"{self.name}: resuming at epoch {p['epoch'] + 1}, batch {p['batch']}, "
                      f"step {p['step']}")
        self._announce()
        rep.event("on_train_start")
        previous = self._catch_sigterm()
        self.net.train()
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
            p["seconds"] = time.perf_counter() - started
            self.checkpoint()
            rep.close()
            rep.print(f"interrupted at step {p['step']}: checkpoint {self.ckpt_path} saved; "
                      f"continue with --resume")
            raise
        finally:
            self._restore_sigterm(previous)
            rep.close()
        result = self._result(time.perf_counter() - started)
        rep.event("on_train_end", result=result)
        return result

    def _step_limit(self) -> bool:
        return self.options.max_steps is not None and self.progress["step"] >= self.options.max_steps

    def _train_epoch(self) -> None:
        o, p, d = self.options, self.progress, self.d
        batches = shard(epoch_batches(self.lengths, o.batch_size, o.seed, p["epoch"]), d.rank, d.world)
        self.reporter.start_epoch(p["epoch"], o.epochs, len(batches), p["batch"])
        examples = self.train_set.examples
        every = o.extra.get("checkpoint_steps")
        while p["batch"] < len(batches) and not self._step_limit():
            self._train_batch([examples[i] for i in batches[p["batch"]]])
            if self.stop_signal:
                self.checkpoint()
                raise WritesmoothError(f"stopped by {self.stop_signal} at step {p['step']}: "
                                       f"checkpoint {self.ckpt_path} saved; continue with --resume")
            if (self.clock.minutes() >= o.checkpoint_minutes
                    or (every and p["step"] % int(every) == 0)):
                self.checkpoint()
        self.reporter.end_epoch()

    def _train_batch(self, examples) -> None:
        p, d, rep = self.progress, self.d, self.reporter
        t0 = time.perf_counter()
        batch = collate(examples)
        x, chars, cm, targets, mask = batch.tensors(d.device)
        want_attention = bool(self.run.want_attention) and d.main and self.config.conditional
        params, nll, extras = self._forward(x, chars, cm, targets, mask, want_attention)
        nll_sum = nll.sum()
        local = nll_sum.item()
        total_nll, points, bad_ranks = distributed.all_sum(
            d, [local if math.isfinite(local) else 0.0, float(batch.points),
                0.0 if math.isfinite(local) else 1.0])
        bad = bad_ranks > 0
        grad_norm = math.nan
        if not bad:
            scale = d.world / points  # DDP averages over processes: this makes it a global mean
            clip = self.config.output_clip * scale
            params.register_hook(lambda g: g.clamp(-clip, clip))  # Graves: per-point output clip
            self.optimizer.zero_grad(set_to_none=True)
            (nll_sum * scale).backward()
            grad_norm = float(torch.nn.utils.clip_grad_norm_(self.net.parameters(),
                                                             self.config.lstm_clip))
            bad = not math.isfinite(grad_norm)  # the same on every process after the all-reduce
        if bad:
            if d.enabled and bad_ranks > 0:
                # DDP waits for a gradient of every parameter after each forward: give it
                # zeros, on every process together, so the next batch starts clean
                sum((q * 0).sum() for q in self.net.parameters()).backward()
            self.optimizer.zero_grad(set_to_none=True)
            p["batch"] += 1
            self._bad_batch("loss" if bad_ranks > 0 else "gradient")
            return
        p["bad_streak"] = 0
        lr = self.schedule.set(p["step"])
        self.optimizer.step()
        # the position advances with the weights, before any listener runs: an interrupt
        # from here on resumes after this batch, never repeating it
        p["step"] += 1
        p["batch"] += 1
        loss = total_nll / points
        p["epoch_nll"] += total_nll
        p["epoch_points"] += int(points)
        seconds = time.perf_counter() - t0
        if not d.main:
            return
        self.history["batch_step"].append(p["step"])
        self.history["batch_loss"].append(loss)
        record = {"model": self.name, "step": p["step"], "epoch": p["epoch"] + 1,
                  "batch": p["batch"], "loss": loss, "points": int(points),
                  "seconds": seconds, "lr": lr, "grad_norm": grad_norm}
        rep.log_batch(record)
        rep.advance(loss, points / max(seconds, 1e-9))
        info = dict(record, ids=[e.ink.id for e in examples], inks=[e.ink for e in examples])
        if want_attention and extras.get("phi") is not None:
            info["attention"] = self._attention(batch, extras)
        rep.event("on_batch_end", batch=info)

    def _forward(self, x, chars, cm, targets, mask, keep_phi: bool):
        try:
            with autocast_for(self.d.device, self.precision):
                params, nll, _, extras = self.model(x, chars, cm, targets, mask, keep_phi=keep_phi)
        except RuntimeError as exc:
            if self.precision == "fp32" or self.progress["step"] > 0:
                raise
            # an autocast kernel this torch build lacks: better slow than stopped
            self.reporter.warn(f"bf16 autocast failed ({first_line(exc, 100)}); "
                               f"training in fp32")
            self.precision = "fp32"
            params, nll, _, extras = self.model(x, chars, cm, targets, mask, keep_phi=keep_phi)
        return params, nll, extras

    def _bad_batch(self, what: str) -> None:
        p = self.progress
        p["bad_streak"] = p.get("bad_streak", 0) + 1
        self.reporter.warn(f"step {p['step'] + 1}: non-finite {what}; batch skipped "
                           f"({p['bad_streak']} in a row)")
        if p["bad_streak"] >= MAX_BAD_BATCHES:
            raise WritesmoothError(
                f"training diverged: {MAX_BAD_BATCHES} batches in a row gave a non-finite loss "
                f"or gradient at step {p['step']}; the last checkpoint is {self.ckpt_path}; "
                f"try a lower --lr (now {self.lr:g})")

    def _attention(self, batch, extras) -> dict[str, Any]:
        """The first line of the batch: phi (T, U) and the window vector (T, V), unpadded."""
        e = batch.examples[0]
        return {"phi": extras["phi"][:e.points, 0, :len(e.chars)].detach().float().cpu().numpy(),
                "window": extras["w"][:e.points, 0].detach().float().cpu().numpy(),
                "text": e.ink.text, "alphabet": self.alphabet.chars, "id": e.ink.id}

    def _end_epoch(self) -> None:
        p = self.progress
        train_loss = p["epoch_nll"] / p["epoch_points"] if p["epoch_points"] else math.nan
        val, best = self._validate_and_keep()
        p["epoch"] += 1
        p["batch"], p["epoch_nll"], p["epoch_points"] = 0, 0.0, 0
        entry = {"epoch": p["epoch"], "step": p["step"], "train_loss": train_loss,
                 "val_loss": val["nats_per_sequence"] if val else None,
                 "val_loss_per_point": val["nats_per_point"] if val else None, "best": best}
        self.history["epochs"].append(entry)
        self.checkpoint()
        val_text = (f"val {val['nats_per_sequence']:.1f} nats/line "
                    f"({val['nats_per_point']:.4f}/point)" if val else "no validation lines")
        self.reporter.print(f"epoch {p['epoch']}: train {train_loss:.4f} nats/point, {val_text}"
                            f"{'  [best: saved ' + str(self.best_path) + ']' if best else ''}")
        self.reporter.event("on_epoch_end", epoch=entry)

    def _validate_and_keep(self) -> tuple[dict[str, Any] | None, bool]:
        """Validate; keep the weights if they are the best so far (or if there is no
        validation set: then the latest weights are the ones kept)."""
        p = self.progress
        p["validated_step"] = p["step"]
        val = self.validate()
        better = val is None or p["best_val"] is None or val["nats_per_sequence"] < p["best_val"]
        if val is not None and not math.isfinite(val["nats_per_sequence"]):
            better = False
        if better:
            p["best_epoch"] = p["epoch"] + 1
            if val is not None:
                p["best_val"], p["best_val_point"] = val["nats_per_sequence"], val["nats_per_point"]
            if self.d.main:
                save_weights(self.bundle(), self.best_path)
        return val, better

    def validate(self) -> dict[str, Any] | None:
        if not self.val_set.examples:
            return None
        sums = nll_sums(self.net, self.val_set.examples, device=self.d.device,
                        rank=self.d.rank, world=self.d.world)
        return figures(*distributed.all_sum(self.d, list(sums)))

    # --- pieces --------------------------------------------------------------------------
    def _sampler(self):
        try:
            from .sampler import write_lines
        except ImportError:
            return None
        if not self.config.conditional:
            return None
        # characters outside the training alphabet become their closest known ones, so a
        # sample text never stops the figures (a fixed seed keeps samples comparable over time;
        # one candidate per line: the figures show the network's samples as they come)
        return lambda texts: write_lines(
            self.bundle(), [self.alphabet.replace_unknown(t) for t in texts], bias=DEFAULT_BIAS,
            seed=0, candidates=1)

    def _announce(self) -> None:
        if not self.d.main:
            return
        n_params = sum(p.numel() for p in self.net.parameters())
        skipped = self.train_set.skipped_total + self.val_set.skipped_total
        self.reporter.print(
            f"{self.name}: {len(self.lengths)} training lines ({sum(self.lengths):,} points), "
            f"{len(self.val_set.examples)} validation lines; {n_params:,} parameters; "
            f"{self.per_epoch} batches per epoch on {self.d.device}"
            + (f" x {self.d.world} processes" if self.d.enabled else ""))
        if self.emphasis_note:
            self.reporter.print(self.emphasis_note)
        if skipped:
            self.reporter.warn(f"skipped {skipped} line{'s' if skipped != 1 else ''}: training "
                               f"{describe_skipped(self.train_set.skipped)}; validation "
                               f"{describe_skipped(self.val_set.skipped)}")

    def _catch_sigterm(self):
        """SIGTERM (a cluster pre-empting the job) checkpoints after the batch in progress."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            self.stop_signal = "SIGTERM"

        return signal.signal(signal.SIGTERM, handler)

    @staticmethod
    def _restore_sigterm(previous) -> None:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

    def _result(self, seconds: float) -> dict[str, Any]:
        p = self.progress
        last = self.history["epochs"][-1] if self.history["epochs"] else {}
        return {"model": self.name, "weights": str(self.best_path),
                "checkpoint": str(self.ckpt_path), "epochs": p["epoch"], "steps": p["step"],
                "best_epoch": p["best_epoch"], "val_nats_per_sequence": p["best_val"],
                "val_nats_per_point": p["best_val_point"], "train_loss": last.get("train_loss"),
                "train_lines": len(self.lengths), "val_lines": len(self.val_set.examples),
                "skipped": self.train_set.skipped_total + self.val_set.skipped_total,
                "device": str(self.d.device), "processes": self.d.world, "seconds": seconds}
